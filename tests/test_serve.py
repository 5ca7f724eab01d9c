"""`threadpress serve`: the site under its base_url's path, served safely; rebuilds on change;
the reload script only in served HTML; errors to the terminal and the pages; clean exits."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hypothesis import given, strategies as st

from dom import parse, parse_file
from serve_support import (TIMEOUT, Events, finish, get, path_of, requests_in_flight, start,
                           thread_yaml, until, write_site)
from support import parse_diagnostic
from threadpress.build import build_site
from threadpress.devserver import CLIENT, EVENTS, LOOPBACK, Hosts, Status, host_of, locate
from threadpress.serve import local_url
from threadpress.state import STATE_DIR
from threadpress.watch import FILES, TREES, Watcher


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


# --- only under its own name (no DNS rebinding) ---------------------------------------------

@pytest.mark.parametrize("path", ["/archive/", "/archive/a/", EVENTS, CLIENT, "/", "/nope"])
@pytest.mark.parametrize("hosts", [["evil.example"], ["evil.example:{port}"], ["EVIL.example"],
                                   ["127.0.0.1.nip.io:{port}"], ["localhost.evil.example"],
                                   ["127.0.0.1:{port}@evil.example"], ["[127.0.0.1]:{port}"],
                                   ["127.0.0.1:{port}", "evil.example"], [""], []])
def test_a_request_under_another_name_is_refused(running, path, hosts):
    # (a short timeout: an event stream answered would never end)
    r = get(running.port, path, hosts=[h.format(port=running.port) for h in hosts], timeout=5)
    assert r.status == 421
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.text.startswith("Misdirected Request") and len(r.body) < 300
    assert b"First A" not in r.body and b"data:" not in r.body


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LocalHost:{port}",
                                  "[::1]:{port}", "127.0.0.1", "localhost", "localhost:9000"])
def test_the_preview_answers_to_its_own_names(running, host):
    r = get(running.port, "/archive/a/", hosts=[host.format(port=running.port)])
    assert r.status == 200
    assert parse(r.text).find("h1").text.strip() == "First A"


LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)
DNS_NAME = st.lists(LABEL, min_size=1, max_size=4).map(".".join).filter(
    lambda n: not n.replace(".", "").isdigit())
PORT = st.one_of(st.just(""), st.integers(0, 65535).map(lambda p: f":{p}"))


@given(name=DNS_NAME, port=PORT, upper=st.booleans(),
       bind=st.sampled_from(["127.0.0.1", "::1", "localhost", "0.0.0.0", "::", "192.0.2.7"]))
def test_no_other_dns_name_is_answered_whatever_the_bind_address(name, port, upper, bind):
    hosts = Hosts.bound_to(bind)
    own = name in hosts.names
    assert own == (name in LOOPBACK or name == bind or
                   (bind in ("0.0.0.0", "::") and name.split(".")[0] ==
                    socket.gethostname().lower().split(".")[0]))
    assert hosts.allow([(name.upper() if upper else name) + port]) == own


@given(ip=st.ip_addresses(), port=PORT)
def test_ip_addresses_are_answered_bound_to_every_address_else_loopback_only(ip, port):
    literal = f"[{ip}]" if ip.version == 6 else str(ip)
    assert host_of(literal + port) == str(ip)
    assert Hosts.bound_to("0.0.0.0").allow([literal + port])
    assert Hosts.bound_to("::").allow([literal + port])
    assert Hosts.bound_to("127.0.0.1").allow([literal + port]) == ip.is_loopback
    assert Hosts.bound_to(str(ip)).allow([literal + port])


def test_the_refusal_says_what_is_answered():
    assert b"192.0.2.7, [::1], localhost," in Hosts.bound_to("192.0.2.7").refusal()
    assert b"any IP address" in Hosts.bound_to("0.0.0.0").refusal()
    assert b"any IP address" not in Hosts.bound_to("127.0.0.1").refusal()


@pytest.mark.parametrize("header", ["", " ", "a b", "evil.example:80:80", "[::1", "::1",
                                    "[127.0.0.1]", "host:99999", "host:", "user@host",
                                    "host/path", "[fe80::1%25eth0]"])
def test_a_malformed_host_is_none(header):
    assert host_of(header) is None
    assert not Hosts.bound_to("0.0.0.0").allow([header])


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


def test_a_takedown_in_redactions_yaml_leaves_the_preview(running):
    site, out = running.preview.site, running.preview.output
    gone = "comment 1 of First A"
    events = Events(running.port)
    try:
        first = events.next()
        assert gone in parse(get(running.port, "/archive/a/").text).text
        (site / "redactions.yaml").write_text(
            "comments:\n  - {thread: a, id: c1, reason: asked by its author}\n")
        events.until(lambda s: s["build"] != first["build"])
    finally:
        events.close()
    page = parse(get(running.port, "/archive/a/").text).text
    assert gone not in page and "asked by its author" in page
    assert gone not in json.dumps(json.loads(get(running.port, "/archive/a/thread.json").body))
    assert all(gone.encode() not in f.read_bytes() for f in out.rglob("*") if f.is_file())


@pytest.mark.parametrize("rel", [str(f) for f in FILES])
def test_the_watcher_sees_each_file_a_build_reads_beside_the_trees(tmp_path, rel):
    site = write_site(tmp_path / "site", {"a.yaml": thread_yaml("A")})
    (site / ".threadpress").mkdir()
    changes: queue.Queue[Path] = queue.Queue()
    watcher = Watcher(site, changes)
    watcher.start()
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:   # (the watcher is ready a moment after it started: write until seen)
            (site / rel).write_text(f"changed {time.monotonic()}\n")
            try:
                if changes.get(timeout=0.5) == site / rel:
                    break
            except queue.Empty:
                pass
            assert time.monotonic() < deadline, f"{rel} changed unseen"
        (site / ".threadpress" / "build").mkdir()   # the build state, the preview: not watched
        (site / ".threadpress" / "other").write_text("x")
        (site / "output").mkdir()
        (site / "notes.txt").write_text("x")
        (site / rel).unlink()
        assert changes.get(timeout=TIMEOUT) == site / rel
        with pytest.raises(queue.Empty):
            print(changes.get(timeout=2.0))
    finally:
        watcher.stop()
    assert not watcher.running


AUDIT = """
import json, os, sys
from threadpress.build import build_site
opened = []
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        opened.append(os.path.abspath(os.fsdecode(args[0])))
sys.addaudithook(hook)
status = build_site(__import__("pathlib").Path(sys.argv[1]), __import__("pathlib").Path(
    sys.argv[2]), jobs=1, quiet=True)
print(json.dumps({"status": status, "opened": opened}))
"""


def test_every_file_a_build_reads_is_watched(tmp_path):
    """What the build opens of the site: content/ and themes/ (watched whole), its own state
    and caches in .threadpress/, and FILES, the list the watcher watches (one list: a new
    input must join it)."""
    site = write_site(tmp_path / "site", {"a.yaml": thread_yaml("A")})
    with (site / "threadpress.yaml").open("a") as f:
        f.write("anonymize_authors: true\nsearch: false\n")
    (site / "redactions.yaml").write_text("comments:\n  - {thread: a, id: c1}\n")
    (site / "themes" / "default" / "static").mkdir(parents=True)
    (site / "themes" / "default" / "static" / "extra.css").write_text("p {}\n")
    environ = {k: v for k, v in os.environ.items() if k not in ("CI", "THREADPRESS_SECRET")}
    r = subprocess.run([sys.executable, "-c", AUDIT, str(site), str(tmp_path / "out")],
                       capture_output=True, text=True, env=environ, timeout=120, check=True)
    result = json.loads(r.stdout.splitlines()[-1])
    assert result["status"] == 0, r.stderr
    read = {Path(p).relative_to(site) for p in result["opened"] if Path(p).is_relative_to(site)}
    watched = {Path(f) for f in FILES}
    beside = {p for p in read if p.parts[0] not in (*TREES, STATE_DIR) or p in watched}
    assert beside == watched
    assert Path("content/a.yaml") in read


# --- a client that hangs up is no error -------------------------------------------------------

def hang_up(sock: socket.socket) -> None:
    """Close at once with a reset (RST), as a browser dropping a page does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def quiet_afterwards(capfd) -> None:
    until(lambda: not requests_in_flight())
    err = capfd.readouterr().err
    for word in ("Traceback", "BrokenPipe", "ConnectionReset", "Exception", "Error"):
        assert word not in err, err


def request(port: int, path: str, rcvbuf: int | None = None) -> socket.socket:
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(TIMEOUT)
    sock.connect(("127.0.0.1", port))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    return sock


@pytest.mark.parametrize("name", ["big.txt", "big.html"])
def test_a_client_that_hangs_up_mid_download_leaves_no_traceback(running, capfd, name):
    body = b"<p>" + b"x" * (32 << 20) + b"</p></body>"
    (running.preview.output / name).write_bytes(body)
    for _ in range(3):
        sock = request(running.port, f"/archive/{name}", rcvbuf=4096)
        assert sock.recv(4096).startswith(b"HTTP/1.0 200")
        until(lambda: requests_in_flight() != [])
        hang_up(sock)
    quiet_afterwards(capfd)
    assert get(running.port, "/archive/a/").status == 200   # and it serves on


def test_a_client_that_hangs_up_mid_request_leaves_no_traceback(running, capfd):
    for part in (b"GET /archive/ HTTP/1.1\r\nHost: 127.0.0.1", b"GET /arch", b""):
        sock = socket.create_connection(("127.0.0.1", running.port), timeout=TIMEOUT)
        sock.sendall(part)
        until(lambda: requests_in_flight() != [])
        hang_up(sock)
    quiet_afterwards(capfd)


def test_a_page_that_leaves_its_event_stream_leaves_no_traceback(running, capfd):
    for close in (hang_up, socket.socket.close):
        sock = request(running.port, EVENTS)
        until(lambda: b"data: " in sock.recv(4096, socket.MSG_PEEK))
        close(sock)
        for _ in range(3):   # the stream writes to the closed socket: a pipe broken, a reset
            running.preview.status.publish([], rebuilt=True)
            time.sleep(0.05)
    quiet_afterwards(capfd)


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
