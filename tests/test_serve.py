"""`threadpress serve`: the site under its base_url's path, served safely; rebuilds on change;
the reload script only in served HTML; errors to the terminal and the pages; clean exits."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dom import parse, parse_file
from serve_support import (TIMEOUT, Events, finish, get, path_of, start, thread_yaml,
                           write_site)
from support import parse_diagnostic
from threadpress.build import build_site
from threadpress.devserver import CLIENT, Status, locate
from threadpress.serve import local_url



@pytest.fixture
def running(tmp_path):
    site = write_site(tmp_path / "site", {"a.yaml": thread_yaml("First A"),
                                          "b.yaml": thread_yaml("First B")})
    (tmp_path / "site" / "secret.txt").write_text("not for the web")
    r = start(site)
    yield r
    finish(r)


def scripts(html: str) -> list:
    """The page's code: JSON-LD elements (structured data) are data, not scripts."""
    return [s for s in parse(html).find_all("script")
            if s.attrs.get("type") != "application/ld+json"]


# --- where and how the site is served ---------------------------------------------------------

def test_the_site_is_served_under_the_path_of_base_url(running):
    assert path_of(running.url) == "/archive/"
    page = get(running.port, "/archive/")
    assert page.status == 200
    doc = parse(page.text)
    assert doc.find("link", rel="canonical").attrs["href"] == running.url
    hrefs = {a.attrs["href"] for a in doc.find_all("a")}
    assert {"a/", "b/"} <= hrefs
    for start_of_site in ("/", "/archive"):
        r = get(running.port, start_of_site)
        assert (r.status, r.headers["location"]) == (302, "/archive/")


def test_a_folder_is_its_index_reached_with_a_slash(running):
    r = get(running.port, "/archive/a")
    assert (r.status, r.headers["location"]) == (302, "/archive/a/")
    r = get(running.port, "/archive/a?x=1")
    assert (r.status, r.headers["location"]) == (302, "/archive/a/?x=1")
    page = get(running.port, "/archive/a/")
    assert page.status == 200 and page.headers["content-type"] == "text/html; charset=utf-8"
    assert parse(page.text).find("h1").text.strip() == "First A"


@pytest.mark.parametrize("path, ctype", [
    ("static/style.css", "text/css; charset=utf-8"),
    ("static/favicon.svg", "image/svg+xml"),
    ("a/thread.json", "application/json"),
    ("sitemap.xml", "application/xml"),
    ("index.html", "text/html; charset=utf-8"),
])
def test_content_types(running, path, ctype):
    r = get(running.port, "/archive/" + path)
    assert (r.status, r.headers["content-type"]) == (200, ctype)
    assert int(r.headers["content-length"]) == len(r.body)
    assert r.headers["cache-control"] == "no-store"
    if not path.endswith(".html"):   # only HTML is changed on its way out
        assert r.body == (running.preview.output / path).read_bytes()


@pytest.mark.parametrize("path", ["/archive/nothing/here/", "/elsewhere/", "/archive/a/c/nope/"])
def test_a_missing_path_gets_the_404_page_with_status_404(running, path):
    r = get(running.port, path)
    assert r.status == 404
    doc = parse(r.text)
    assert doc.find("h1").text.strip() == "Not found"
    # 404.html's links start from base_url: here, the local address under the same path
    assert running.url in {a.attrs["href"] for a in doc.find_all("a")}
    assert get(running.port, path, "HEAD").status == 404


@pytest.mark.parametrize("path", [
    "/archive/../secret.txt", "/archive/../../secret.txt", "/archive/%2e%2e/%2e%2e/secret.txt",
    "/archive/%2E%2E%2F%2E%2E%2Fsecret.txt", "/archive/a/..%2f..%2f..%2fsecret.txt",
    "/archive//etc/passwd", "/archive/%2fetc/passwd", "/archive/a%5c..%5c..%5csecret.txt",
    "/archive/a%00.html",
])
def test_paths_out_of_the_served_folder_are_refused(running, path):
    r = get(running.port, path)
    assert r.status == 403
    assert b"not for the web" not in r.body and b"root:" not in r.body


def test_symlinks_out_of_the_served_folder_are_refused(running):
    out, site = running.preview.output, running.preview.site
    (out / "leak.txt").symlink_to(site / "secret.txt")
    (out / "leakdir").symlink_to(site)
    for path in ("/archive/leak.txt", "/archive/leakdir/secret.txt", "/archive/leakdir/"):
        r = get(running.port, path)
        assert r.status == 403, path
        assert b"not for the web" not in r.body


def test_locate_keeps_to_the_root(tmp_path):
    root = tmp_path / "root"
    (root / "t").mkdir(parents=True)
    (root / "t" / "index.html").write_text("x")
    (tmp_path / "outside.html").write_text("x")
    (root / "out").symlink_to(tmp_path / "outside.html")
    (root / "in.html").symlink_to(root / "t" / "index.html")   # a link inside is fine
    assert locate(root, "t/").kind == "file"
    assert locate(root, "t").kind == "redirect"
    assert locate(root, "in.html").kind == "file"
    assert locate(root, "missing/").kind == "missing"
    for rel in ("../outside.html", "t/../../outside.html", "/etc/passwd", "out", "t\\..\\x",
                "a\x00b"):
        assert locate(root, rel).kind == "refused", rel


@pytest.mark.parametrize("bind, url", [("127.0.0.1", "http://127.0.0.1:8000/a/"),
                                       ("0.0.0.0", "http://localhost:8000/a/"),
                                       ("::1", "http://[::1]:8000/a/")])
def test_the_local_address(bind, url):
    assert local_url(bind, 8000, "/a/") == url


# --- the reload script: injected into served HTML only ----------------------------------------

def test_the_reload_script_is_added_to_served_html_only(running):
    build = running.preview.status.snapshot().build
    for path in ("/archive/", "/archive/a/", "/archive/a/c/c1/", "/archive/missing/"):
        found = scripts(get(running.port, path).text)
        assert [(s.attrs["src"], s.attrs["data-build"]) for s in found] == [(CLIENT, build)], path
        assert found[0].parent.tag == "body"
    client = get(running.port, CLIENT)
    assert client.status == 200 and client.headers["content-type"].startswith("text/javascript")
    assert b"EventSource" in client.body
    out = running.preview.output
    for page in out.rglob("*.html"):   # the files themselves: untouched (only search has its own)
        found = scripts(page.read_text())
        assert found == [] or page == out / "search" / "index.html", page
        assert all(sc.attrs["src"] != CLIENT for sc in found), page


def test_the_preview_is_kept_out_of_git(running):
    site = running.preview.site
    subprocess.run(["git", "init", "-q", str(site)], check=True)
    r = subprocess.run(["git", "-C", str(site), "status", "--porcelain", "--untracked-files=all"],
                       capture_output=True, text=True, check=True)
    listed = {line[3:] for line in r.stdout.splitlines()}
    assert "content/a.yaml" in listed
    assert not [p for p in listed if p.startswith(".threadpress/")], listed


def test_a_built_site_has_no_script_but_search(tmp_path):
    site = write_site(tmp_path / "site", {"a.yaml": thread_yaml("A")})
    assert build_site(site, quiet=True) == 0
    out = site / "output"
    pages = list(out.rglob("*.html"))
    assert len(pages) >= 4
    out = site / "output"
    for page in pages:
        # no code but search's: the other script elements are JSON-LD structured data
        if page == out / "search" / "index.html":
            continue
        assert {el.attrs.get("type") for el in parse_file(page).find_all("script")} <= \
            {"application/ld+json"}, page
    assert all(p == out / "static" / "search.js" or p.relative_to(out).parts[0] == "pagefind"
               for p in out.rglob("*.js"))


def test_status_tells_pages_only_what_changed():
    status = Status()
    first = status.snapshot()
    status.publish([], rebuilt=False)                 # nothing changed: no reload
    assert status.snapshot() == first
    status.publish(["a.yaml:1:1: error: bad"], rebuilt=False)
    failed = status.snapshot()
    assert failed.build != first.build and failed.errors == ("a.yaml:1:1: error: bad",)
    status.publish([], rebuilt=False)                 # fixed back to the last good build
    assert status.snapshot().build != failed.build and status.snapshot().errors == ()


# --- rebuilds on change -----------------------------------------------------------------------

def test_an_edit_rebuilds_only_that_thread_and_tells_the_pages(running):
    out = running.preview.output
    events = Events(running.port)
    try:
        before = events.next()
        assert before["errors"] == []
        b_page = os.stat(out / "b" / "index.html").st_ino
        (running.preview.site / "content" / "a.yaml").write_text(thread_yaml("Second A", 3))
        after = events.until(lambda s: s["build"] != before["build"])
        assert after["errors"] == []
    finally:
        events.close()
    page = parse(get(running.port, "/archive/a/").text)
    assert page.find("h1").text.strip() == "Second A"
    assert os.stat(out / "b" / "index.html").st_ino == b_page   # b was moved, not rendered


def test_a_broken_file_is_reported_with_its_place_and_recovers(running):
    site = running.preview.site
    events = Events(running.port)
    try:
        good = events.next()
        (site / "content" / "a.yaml").write_text(
            "title: Broken\ncreated: '<b>soon</b>'\ncomments: []\n")
        failed = events.until(lambda s: s["errors"])
        d = parse_diagnostic(failed["errors"][0])
        assert d["path"].endswith("content/a.yaml") and (d["line"], d["column"]) == (2, 10)
        assert d["field"] == "created" and "<b>soon</b>" in d["message"]
        # meanwhile the last good build is served, and a page opened now learns of the error
        assert parse(get(running.port, "/archive/a/").text).find("h1").text.strip() == "First A"
        late = Events(running.port)
        assert late.next() == failed
        late.close()
        (site / "content" / "a.yaml").write_text(thread_yaml("Fixed A"))
        fixed = events.until(lambda s: not s["errors"])
        assert fixed["build"] not in (good["build"], failed["build"])
    finally:
        events.close()
    assert parse(get(running.port, "/archive/a/").text).find("h1").text.strip() == "Fixed A"


def test_a_config_error_is_reported_and_recovers(running):
    config = running.preview.site / "threadpress.yaml"
    good = config.read_text()
    events = Events(running.port)
    try:
        events.next()
        config.write_text(good + "per_page: 0\n")
        failed = events.until(lambda s: s["errors"])
        d = parse_diagnostic(failed["errors"][0])
        assert d["path"].endswith("threadpress.yaml") and d["field"] == "per_page"
        assert d["line"] == 3
        config.write_text(good)
        events.until(lambda s: not s["errors"])
    finally:
        events.close()


def test_a_new_base_url_moves_the_site(running):
    config = running.preview.site / "threadpress.yaml"
    events = Events(running.port)
    try:
        first = events.next()
        config.write_text("title: Serve test\nbase_url: https://example.org/other/\n")
        events.until(lambda s: s["build"] != first["build"])
    finally:
        events.close()
    assert path_of(running.url) == "/other/"
    page = get(running.port, "/other/")
    assert page.status == 200
    assert parse(page.text).find("link", rel="canonical").attrs["href"] == running.url
    assert get(running.port, "/archive/").status == 404


def test_content_removed_and_made_again_is_watched(running, tmp_path):
    content = running.preview.site / "content"
    events = Events(running.port)
    try:
        events.next()
        content.rename(tmp_path / "away")
        failed = events.until(lambda s: s["errors"])
        assert "no content folder" in failed["errors"][0]
        content.mkdir()
        empty = events.until(lambda s: not s["errors"])   # an empty site builds
        time.sleep(0.5)   # (the content watcher starts again on the new folder)
        (content / "c.yaml").write_text(thread_yaml("Third C"))
        events.until(lambda s: s["build"] != empty["build"])
    finally:
        events.close()
    page = get(running.port, "/archive/c/")
    assert parse(page.text).find("h1").text.strip() == "Third C"


def test_a_new_themes_folder_is_watched(running):
    site = running.preview.site
    events = Events(running.port)
    try:
        first = events.next()
        static = site / "themes" / "default" / "static"
        static.mkdir(parents=True)
        (static / "extra.css").write_text("body { margin: 0 }\n")
        events.until(lambda s: s["build"] != first["build"])
    finally:
        events.close()
    r = get(running.port, "/archive/static/extra.css")
    assert (r.status, r.body) == (200, b"body { margin: 0 }\n")


# --- the command: bad ports, busy ports, Ctrl-C -----------------------------------------------

def serve_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "threadpress", "serve", *args]


def env() -> dict[str, str]:
    """The installed threadpress (CI installs it, not editable), not the source folder."""
    return dict(os.environ)


@pytest.mark.parametrize("port", ["70000", "abc", "-1"])
def test_a_bad_port_gets_a_message(tmp_path, port):
    site = write_site(tmp_path / "site", {"a.yaml": thread_yaml("A")})
    r = subprocess.run(serve_cmd(str(site), "--port", port), capture_output=True, text=True,
                       env=env(), timeout=60)
    assert r.returncode == 2
    assert "expected a port number from 0 to 65535" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_port_in_use_gets_a_message(tmp_path):
    site = write_site(tmp_path / "site", {"a.yaml": thread_yaml("A")})
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        r = subprocess.run(serve_cmd(str(site), "--port", str(port)), capture_output=True,
                           text=True, env=env(), timeout=60)
    assert r.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (site / ".threadpress" / "serve").exists()   # nothing built for nothing


@pytest.mark.parametrize("args, message", [
    (["nope", "--port", "0"], "no site folder at"),
    (["site", "--port", "0", "--bind", "192.0.2.1"], "cannot listen on 192.0.2.1 port 0"),
])
def test_a_missing_site_or_a_foreign_address_gets_a_message(tmp_path, args, message):
    write_site(tmp_path / "site", {"a.yaml": thread_yaml("A")})
    r = subprocess.run(serve_cmd(str(tmp_path / args[0]), *args[1:]), capture_output=True,
                       text=True, env=env(), timeout=60)
    assert r.returncode == 1 and message in r.stderr and "Traceback" not in r.stderr


def test_a_second_preview_of_one_site_gets_a_message(running):
    r = subprocess.run(serve_cmd(str(running.preview.site), "--port", "0"), capture_output=True,
                       text=True, env=env(), timeout=60)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "another `threadpress serve` is previewing" in r.stderr
    assert get(running.port, "/archive/").status == 200   # the first one goes on


def session_processes(sid: int) -> list[int]:
    """Processes still alive in session `sid` (the serve process started its own)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_ctrl_c_stops_cleanly_and_leaves_no_process(tmp_path):
    site = write_site(tmp_path / "site", {"a.yaml": thread_yaml("A")})
    p = subprocess.Popen(serve_cmd(str(site), "--port", "0"), stderr=subprocess.PIPE, text=True,
                         env=env(), start_new_session=True)
    try:
        line, deadline = "", time.monotonic() + 60
        while not line.startswith("serving ") and time.monotonic() < deadline:
            line = p.stderr.readline()
            assert line, "serve exited before serving"
        url = line.split()[1]
        port = int(url.split(":")[2].split("/")[0])
        assert get(port, path_of(url)).status == 200
        events = Events(port)   # an open page: its stream must not keep serve alive
        events.next()
        p.send_signal(signal.SIGINT)
        rest = p.communicate(timeout=TIMEOUT)[1]
        events.close()
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0
    assert "Traceback" not in rest and "stopped" in rest
    assert session_processes(p.pid) == []
    with socket.socket() as again:   # the port is free again (as a server would bind it)
        again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        again.bind(("127.0.0.1", port))
    assert (site / ".threadpress" / "serve" / "a" / "index.html").is_file()   # the last build
