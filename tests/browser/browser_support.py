"""Browser tests: built sites, served over HTTP, driven in headless Chromium by Playwright.

Fixtures and helpers; conftest.py re-exports the fixtures.

The browser is Debian's Chromium (/usr/bin/chromium, or $CHROMIUM): Playwright cannot download
its own here. Without it the suite is skipped, except under CI=true, where that is a failure.
Every test runs once per built-in theme (each folder of themes/ with a templates/ folder).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
IN_CI = os.environ.get("CI", "").lower() == "true"

# How long a wait on a condition may last (ms). A wait ends as soon as its condition holds, so
# this bounds only a failing test: generous, because two cores are shared by many test runs and
# Pagefind's index (fetched shards, WebAssembly) is slow to load on a busy machine.
WAIT = 30_000

THEMES = sorted(p.name for p in (REPO / "themes").iterdir() if (p / "templates").is_dir())
EXAMPLE = REPO / "content"


def unavailable(reason: str) -> None:
    """No browser: a skip on a developer's machine, a failure in CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the browser tests must run in CI)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def playwright_instance():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed: pip install -e '.[test]'")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set $CHROMIUM)")
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    b = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
    yield b
    b.close()


@pytest.fixture(scope="session", params=THEMES)
def theme(request) -> str:
    return request.param


# --- sites ----------------------------------------------------------------------------------

def write_site(site: Path, theme: str, threads: dict[str, str | Path], base_url: str = "",
               extra: dict | None = None) -> Path:
    """A site folder: threadpress.yaml for `theme`, content/ with the given files."""
    content = site / "content"
    content.mkdir(parents=True, exist_ok=True)
    config = {"title": "Browser test site", "theme": theme,
              "description": "Threads archived by threadpress.", **(extra or {})}
    if base_url:
        config["base_url"] = base_url
    (site / "threadpress.yaml").write_text(json.dumps(config), encoding="utf-8")
    for name, src in threads.items():
        dest = content / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(src, Path) and src.is_dir():
            shutil.copytree(src, dest, dirs_exist_ok=True)
        elif isinstance(src, Path):
            shutil.copyfile(src, dest)
        else:
            dest.write_text(src, encoding="utf-8")
    return site


def build(site: Path, output: Path, base_url: str | None = None) -> Path:
    from threadpress.build import build_site
    status = build_site(site, output=output, base_url=base_url, quiet=True)
    assert status == 0, f"threadpress build of {site} failed"
    return output


def has_example() -> bool:
    return EXAMPLE.is_dir() and any(p.suffix in (".yaml", ".yml", ".json") for p in EXAMPLE.rglob("*"))


# --- the fixture threads ----------------------------------------------------------------------

LOREM = ("Archived threads outlive the forums they came from, so every comment keeps its "
         "original id and a permanent address. ")


def _comment(cid: str, parent: str | None, author: str, body: str, minute: int) -> dict:
    c = {"id": cid, "author": author, "created": f"2026-02-01T{10 + minute // 60:02d}:"
         f"{minute % 60:02d}:00Z", "score": (minute * 7) % 23, "body": body}
    if parent is not None:
        c["parent"] = parent
    return c


def nav_thread() -> str:
    """A long thread for link tests: targets sit far from the links that lead to them.

    top → first → mid (depth 2: many long replies, then `late`, depth 3) · a chain `deep-0`…`deep-19` · `branch`
    with `hidden` inside its reply group · `quoter`, the last comment, quoting `top` with >>top.
    """
    long = LOREM * 4
    cs = [_comment("top", None, "ana", "The first comment. " + long, 0),
          _comment("first", "top", "bo", "A reply. " + long, 1),
          _comment("mid", "first", "ana", "A reply to the reply, with many replies. " + long, 2)]
    for i in range(14):
        cs.append(_comment(f"filler-{i}", "mid", "cy", f"Filler {i}. " + long, 3 + i))
    cs.append(_comment("late", "mid", "dee", "A later reply to mid, far below it. " + long, 20))
    parent = None
    for i in range(20):
        cs.append(_comment(f"deep-{i}", parent, "ed" if i % 2 else "flo",
                           f"Level {i} of a deep chain. " + LOREM * 2, 30 + i))
        parent = f"deep-{i}"
    cs.append(_comment("branch", None, "gus", "A comment whose replies get collapsed. " + long, 60))
    cs.append(_comment("hidden", "branch", "hal", "Inside the branch. " + long, 61))
    cs.append(_comment("hidden-2", "hidden", "ivy", "Deeper inside the branch. " + long, 62))
    for i in range(6):
        cs.append(_comment(f"tail-{i}", None, "jo", f"Tail {i}. " + long, 70 + i))
    cs.append(_comment("quoter", None, "kim", "Going back to the start: >>top is still right. "
                       + long, 80))
    return json.dumps({"title": "Navigation test thread", "author": "ana",
                       "created": "2026-02-01T09:00:00Z", "body": "Links between comments.",
                       "comments": cs}, indent=1)


WIDE_CODE = "x = " + " + ".join(f"value_{i}" for i in range(60))
LONG_URL = "https://example.org/" + "/".join(f"segment-{i}-of-a-very-long-path" for i in range(12))
LONG_WORD = "Donaudampfschifffahrtsgesellschaftskapitän" * 6


def layout_thread(depth: int = 30) -> str:
    """Long URLs, long unbroken words, wide code blocks and tables, nested `depth` deep."""
    body = (f"See {LONG_URL} and <{LONG_URL}?q=1>. {LONG_WORD}\n\n"
            f"```python\n{WIDE_CODE}\n```\n\n`inline_{LONG_WORD}`\n\n"
            "| " + " | ".join(f"column {i}" for i in range(14)) + " |\n"
            "|" + "---|" * 14 + "\n| " + " | ".join(f"cell-{i}-{LONG_WORD[:20]}" for i in range(14))
            + " |\n")
    cs, parent = [], None
    for i in range(depth + 1):
        c = _comment(f"l{i}", parent, LONG_WORD[:60] if i % 5 == 0 else f"user{i}", body, i)
        c["url"] = LONG_URL
        if i % 3 == 1:
            c["format"], c["body"] = "text", f"Plain text {LONG_URL} {LONG_WORD}\n> {LONG_WORD}"
        cs.append(c)
        parent = c["id"]
    return json.dumps({"title": "Layout: " + LONG_WORD, "url": LONG_URL, "author": LONG_WORD[:40],
                       "tags": [LONG_WORD[:50], "layout"], "body": body, "comments": cs},
                      indent=1)


# --- serving ----------------------------------------------------------------------------------

class _Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, and like GitHub Pages: 404.html (of the site the path is under) for misses."""

    sites: tuple[str, ...] = ("",)   # URL prefixes with a site: "" and/or "repo/"

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def send_error(self, code, message=None, explain=None):
        if code != 404:
            return super().send_error(code, message, explain)
        path = unquote(urlsplit(self.path).path).lstrip("/")
        prefix = max((s for s in self.sites if path.startswith(s)), key=len, default=None)
        page = Path(self.directory) / (prefix or "") / "404.html"
        if prefix is None or not page.is_file():
            return super().send_error(code, message, explain)
        data = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)


@dataclass
class Server:
    root: Path
    url: str                                    # http://127.0.0.1:PORT/
    httpd: http.server.ThreadingHTTPServer = field(repr=False)


@pytest.fixture(scope="session")
def serve():
    """serve(folder, sites=("",)) → a Server on 127.0.0.1 at a random port, for the session."""
    servers: list[Server] = []

    def start(folder: Path, sites: tuple[str, ...] = ("",)) -> Server:
        handler = type("Handler", (_Handler,), {"sites": sites})
        httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        s = Server(folder, f"http://127.0.0.1:{httpd.server_address[1]}/", httpd)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.httpd.shutdown()
        s.httpd.server_close()


@dataclass
class Site:
    theme: str
    output: Path
    url: str          # where the output is served, ending in /


@pytest.fixture(scope="session")
def fixture_site(theme, tmp_path_factory, serve) -> Site:
    """The test threads (navigation, hostile, layout), built with `theme` and served at /."""
    root = tmp_path_factory.mktemp(f"fixtures-{theme}")
    site = write_site(root / "site", theme, {
        "nav.json": nav_thread(), "layout.json": layout_thread(),
        "hostile.yaml": HERE / "fixtures" / "hostile.yaml"})
    out = build(site, root / "out")
    return Site(theme, out, serve(out).url)


@pytest.fixture(scope="session")
def example_sites(theme, tmp_path_factory, serve) -> dict[str, Site]:
    """The bundled example site (content/ at the repo root; the fixture threads when there is
    none yet) with `theme`: served at the root ("root") and as a project site under /repo/,
    built with base_url set to that URL ("repo")."""
    root = tmp_path_factory.mktemp(f"example-{theme}")
    threads = ({"": EXAMPLE} if has_example() else
               {"nav.json": nav_thread(), "layout.json": layout_thread()})
    site = write_site(root / "site", theme, threads)
    at_root = build(site, root / "at-root")
    holder = root / "pages"
    holder.mkdir()
    server = serve(holder, sites=("repo/",))
    repo_url = server.url + "repo/"
    build(site, holder / "repo", base_url=repo_url)
    return {"root": Site(theme, at_root, serve(at_root).url), "repo": Site(theme, holder / "repo", repo_url)}


@pytest.fixture(scope="session")
def example_thread(example_sites) -> str:
    """The path (from the site root) of the example site's thread with the most comments."""
    out = example_sites["root"].output
    best = max(out.rglob("thread.json"),
               key=lambda p: len(json.loads(p.read_text(encoding="utf-8"))["comments"]))
    return best.parent.relative_to(out).as_posix() + "/"


@pytest.fixture
def new_page(browser):
    """new_page(**context_options) → a page in a fresh context, closed after the test."""
    contexts = []

    def make(**options):
        options.setdefault("viewport", {"width": 1280, "height": 800})
        ctx = browser.new_context(**options)
        ctx.set_default_timeout(WAIT)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


SHOWN_JS = """
([id, other]) => {
  const el = document.getElementById(id);
  if (!el) return {missing: true};
  const r = el.getBoundingClientRect();
  const x = Math.min(Math.max(r.left, 0) + 6, innerWidth - 1), y = Math.max(r.top, 0) + 6;
  const hit = document.elementFromPoint(x, y);
  const ref = other ? document.getElementById(other) : [...document.querySelectorAll('[id^="c-"]')]
      .find(e => e !== el && !e.contains(el) && !el.contains(e));
  return {
    top: r.top, height: r.height, viewport: innerHeight, docTop: r.top + scrollY,
    rendered: el.checkVisibility ? el.checkVisibility() : r.height > 0,
    hit: hit ? hit.outerHTML.slice(0, 200) : null, unobscured: !!hit && el.contains(hit),
    bg: getComputedStyle(el).backgroundColor,
    otherBg: ref ? getComputedStyle(ref).backgroundColor : null, other: ref ? ref.id : null,
  };
}
"""


IN_VIEW = """id => { const el = document.getElementById(id); if (!el) return null;
  const r = el.getBoundingClientRect();
  return r.height > 0 && r.top >= 0 && r.top < innerHeight ? scrollY + 1 : null; }"""


def target_state(page, anchor_id: str, other: str | None = None) -> dict:
    """Where the comment with id `anchor_id` is: in view, unobscured, highlighted?"""
    return page.evaluate(SHOWN_JS, [anchor_id, other])


def assert_shown(page, anchor_id: str, other: str | None = None) -> dict:
    """The comment is scrolled into view, unobscured and highlighted (waiting for smooth
    scrolling, if a theme has it, to bring it there)."""
    steady = [page.evaluate(IN_VIEW, anchor_id) for _ in range(2)]
    if not (steady[0] and steady[0] == steady[1]):   # (wait_for_function needs JavaScript)
        try:
            page.wait_for_function(
            """id => { const el = document.getElementById(id); if (!el) return false;
                       const r = el.getBoundingClientRect(), y = scrollY;
                       const stable = window.__lastScrollY === y; window.__lastScrollY = y;
                       return stable && r.height > 0 && r.top >= 0 && r.top < innerHeight; }""",
            arg=anchor_id, timeout=WAIT)
        except Exception:
            pass  # the assertions below say what is wrong
    s = target_state(page, anchor_id, other)
    where = f"#{anchor_id} on {page.url}"
    assert not s.get("missing"), f"{where}: no such element"
    assert s["rendered"] and s["height"] > 0, f"{where} is hidden: {s}"
    assert 0 <= s["top"] < s["viewport"], f"{where} is not scrolled into view: {s}"
    assert s["unobscured"], f"{where} is covered at its top-left corner by {s['hit']}"
    assert s["otherBg"] is not None, f"{where}: no other comment to compare with"
    assert s["bg"] != s["otherBg"], \
        f"{where} is not highlighted: background {s['bg']} is the same as #{s['other']}'s"
    return s


# Pagefind's results have settled: its message gives the count ("1 result for …", not
# "Searching for …"), no result is a loading placeholder any more, and two polls in a row see
# the same results (and, when `n` is given, n of them).
SETTLED_JS = """n => {
  const box = document.getElementById('search');
  const message = box && box.querySelector('.pagefind-ui__message');
  const results = box ? [...box.querySelectorAll('.pagefind-ui__result')] : [];
  const done = !!message && /^\\d+ results? for /.test(message.textContent.trim())
    && !box.querySelector('.pagefind-ui__loading');
  const seen = done ? [message.textContent, ...results.map(r => r.textContent)].join('\\n') : null;
  const steady = seen !== null && window.__searchSeen === seen;
  window.__searchSeen = seen;
  return steady && (n === null || results.length === n);
}"""


def settled_results(page, n: int | None = None):
    """The search page's results (a locator) once Pagefind has finished showing them (`n` of
    them, if given); fails with what the page shows if they do not settle within WAIT."""
    try:
        page.wait_for_function(SETTLED_JS, arg=n, polling=100, timeout=WAIT)
    except Exception:
        shown = page.evaluate("""() => { const m = document.querySelector('.pagefind-ui__message');
            return [m && m.textContent, document.querySelectorAll('.pagefind-ui__result').length,
                    document.querySelectorAll('#search .pagefind-ui__loading').length]; }""")
        raise AssertionError(f"search results did not settle{f' on {n}' if n is not None else ''}"
                             f" within {WAIT} ms on {page.url}: message, results, loading = "
                             f"{shown}") from None
    return page.locator("#search .pagefind-ui__result")


def thread_data(site: Site, path: str) -> dict:
    return json.loads((site.output / path / "thread.json").read_text(encoding="utf-8"))


def anchor(cid: str) -> str:
    from threadpress.anchors import anchor as a
    return a(cid)


def encode(cid: str) -> str:
    from threadpress.anchors import encode_id
    return encode_id(cid)


# --- pages that record what goes wrong --------------------------------------------------------

RECORD_DIALOGS = """
(() => {
  window.__calls = [];
  for (const name of ['alert', 'confirm', 'prompt', 'print', 'open']) {
    const original = window[name];
    window[name] = function (...args) { window.__calls.push([name, String(args[0])]); return null; };
  }
})();
"""


class Recorder:
    """Console errors, page errors, dialogs, failed requests and HTTP errors of one page."""

    def __init__(self, page, allow_status: set[str] | None = None) -> None:
        self.page = page
        self.problems: list[str] = []
        self.allow = allow_status or set()
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e} ({page.url})"))
        page.on("dialog", self._dialog)
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, m) -> None:
        where = m.location.get("url") or self.page.url
        # the browser logs an expected 404 (a missing page showing 404.html) as an error too
        if m.type == "error" and not (where in self.allow and "status of 404" in m.text):
            self.problems.append(f"console error: {m.text} ({where})")

    def _failed(self, r) -> None:
        # a favicon still loading when the test moves to the next page is aborted: not a fault
        if r.failure == "net::ERR_ABORTED" and r.resource_type not in (
                "document", "stylesheet", "script", "image", "font"):
            return
        self.problems.append(f"request failed: {r.url} ({r.failure})")

    def _dialog(self, d) -> None:
        self.problems.append(f"dialog {d.type}: {d.message} ({self.page.url})")
        d.dismiss()

    def _response(self, r) -> None:
        if r.status >= 400 and r.url not in self.allow:
            self.problems.append(f"HTTP {r.status}: {r.url}")

    def calls(self) -> list:
        try:
            return self.page.evaluate("window.__calls || []")
        except Exception:  # the page may be navigating
            return []


def same_site_links(page, base: str) -> list[str]:
    """Absolute URLs (without fragment) of links on the page that stay under `base`."""
    hrefs = page.eval_on_selector_all("a[href]", "as => as.map(a => a.href)")
    return sorted({h.split("#")[0] for h in hrefs if h.startswith(base)})


def safe_name(s: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", s).strip("-") or "page"
