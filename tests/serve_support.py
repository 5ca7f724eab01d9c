"""Helpers for the tests of `threadpress serve`: a preview running in a thread, raw HTTP
requests, and the event stream the open pages listen to."""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

from threadpress.serve import Preview

BASE_URL = "https://me.github.io/archive/"
TIMEOUT = 20.0      # generous: two cores are shared by many test runs


def thread_yaml(title: str, comments: int = 2) -> str:
    lines = [f"title: {title!r}", "comments:"]
    for i in range(comments):
        parent = f", parent: 'c{i - 1}'" if i else ""
        lines.append(f"  - {{id: 'c{i}', author: u{i}, body: 'comment {i} of {title}'{parent}}}")
    return "\n".join(lines) + "\n"


def write_site(root: Path, threads: dict[str, str], base_url: str = BASE_URL) -> Path:
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "threadpress.yaml").write_text(f"title: Serve test\nbase_url: {base_url}\n")
    for name, text in threads.items():
        (root / "content" / name).write_text(text)
    return root


@dataclass
class Running:
    preview: Preview
    stop: threading.Event
    thread: threading.Thread

    @property
    def url(self) -> str:
        return self.preview.url

    @property
    def port(self) -> int:
        return self.preview.server.port


def start(site: Path) -> Running:
    """A preview of `site` on a free port, serving in a thread; its first build done."""
    preview = Preview(site, port=0)
    stop = threading.Event()
    thread = threading.Thread(target=preview.run, args=(stop,), daemon=True)
    thread.start()
    assert preview.ready.wait(TIMEOUT), "the first build did not finish"
    return Running(preview, stop, thread)


def finish(running: Running) -> None:
    running.stop.set()
    running.thread.join(TIMEOUT)
    assert not running.thread.is_alive(), "serve did not stop"
    assert not running.preview.watcher.running, "the file watcher did not stop"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes = field(repr=False)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


def get(port: int, path: str, method: str = "GET", hosts: list[str] | None = None,
        timeout: float = TIMEOUT) -> Response:
    """One request with `path` sent exactly as given (no client-side normalising of `..`);
    with `hosts`, these Host headers (none for []) instead of 127.0.0.1:PORT."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=hosts is not None, skip_accept_encoding=True)
        for host in hosts or []:
            conn.putheader("Host", host)
        conn.endheaders()
        r = conn.getresponse()
        return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


class Events:
    """The live-reload event stream, as a page's EventSource reads it."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        self.conn.request("GET", "/__threadpress/events")
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type") == "text/event-stream"

    def next(self, deadline: float | None = None) -> dict:
        """The next state the server sends (comments and retry lines skipped), by `deadline`
        (time.monotonic()) if given: the stream's keep-alive comments never let it time out."""
        while True:
            line = self.response.fp.readline()
            assert line, "the event stream ended"
            if line.startswith(b"data: "):
                return json.loads(line[6:])
            assert deadline is None or time.monotonic() < deadline, "no state in time"

    def until(self, ok: Callable[[dict], bool], timeout: float = TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.next(deadline)
            if ok(state):
                return state
        raise AssertionError("no such state within the time allowed")

    def close(self) -> None:
        self.conn.close()


def path_of(url: str) -> str:
    return urlsplit(url).path


def until(ok: Callable[[], bool], timeout: float = TIMEOUT, every: float = 0.05) -> None:
    """Wait for `ok()` to hold, polling; fails once `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while not ok():
        assert time.monotonic() < deadline, "not so within the time allowed"
        time.sleep(every)


def requests_in_flight() -> list[threading.Thread]:
    """The server's threads answering a request (socketserver names them after its method)."""
    return [t for t in threading.enumerate() if "process_request_thread" in t.name]
