"""The HTTP side of `threadpress serve`: the built site under the path of its base_url, served
safely, with the live-reload script added to HTML responses (never to the files) and an event
stream (Server-Sent Events) that tells open pages when a build finished or failed."""

from __future__ import annotations

import errno
import http.server
import ipaddress
import json
import mimetypes
import os
import re
import secrets
import socket
import socketserver
import sys
import threading
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from . import routes
from .errors import ThreadpressError

ENDPOINT = "/__threadpress/"          # the server's own URLs, outside any site path
EVENTS = ENDPOINT + "events"
CLIENT = ENDPOINT + "livereload.js"
KEEPALIVE = 15.0                      # seconds between comments on an idle event stream
TAIL = 4096                           # bytes of a page's end searched for </body>
CHUNK = 1 << 16

TEXT = "; charset=utf-8"
# Content types by suffix, not from the system's mime.types, so that every machine agrees.
TYPES = {".html": "text/html" + TEXT, ".htm": "text/html" + TEXT, ".css": "text/css" + TEXT,
         ".js": "text/javascript" + TEXT, ".json": "application/json", ".xml": "application/xml",
         ".txt": "text/plain" + TEXT, ".svg": "image/svg+xml", ".png": "image/png",
         ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
         ".avif": "image/avif", ".ico": "image/x-icon", ".woff": "font/woff",
         ".woff2": "font/woff2", ".pdf": "application/pdf", "": "text/plain" + TEXT}

NOT_BUILT = (b"<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
             b"<title>Not found</title></head>\n<body>\n<h1>Not found</h1>\n<p>Nothing is built at "
             b"this address (yet).</p>\n</body>\n</html>\n")


LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})
_HOST = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[^\[\]:/@\s]+)(?::(\d{1,5}))?")


def host_of(header: str) -> str | None:
    """The host a Host header names (`name`, `name:port`, `[v6]`, `[v6]:port`): a name in
    lower case, an IP address in its usual form; None when the header is malformed."""
    m = _HOST.fullmatch(header.strip())
    if not m or (m[2] and int(m[2]) > 65535):
        return None
    host, bracketed = m[1].strip("[]"), m[1].startswith("[")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None if bracketed else host.lower()
    return str(ip) if bracketed == (ip.version == 6) else None


@dataclass(frozen=True)
class Hosts:
    """The hosts a request's Host header may name. A page on any web site can make the browser
    send requests to the preview under the site's own name (DNS rebinding: evil.example made to
    resolve to 127.0.0.1) and read the answers, since for the browser they are the site's own;
    refusing every name but the preview's own closes that. The port is not compared: only the
    name is the attacker's, and a forwarded port (ssh -L, a container) brings another."""

    names: frozenset[str]
    any_ip: bool = False     # a preview bound to every address (0.0.0.0, ::)

    @classmethod
    def bound_to(cls, bind: str) -> "Hosts":
        """Loopback names and the bind address; bound to every address, also any IP address
        and this machine's own name (`box`, `box.local`): names a stranger cannot make resolve
        here, unlike any DNS name."""
        names = set(LOOPBACK)
        if bind in WILDCARDS:
            machine = socket.gethostname().lower()
            short = machine.split(".")[0]
            names |= {n for n in (machine, short, short and short + ".local") if n}
        else:
            names.add(host_of(f"[{bind}]" if ":" in bind else bind) or bind.lower())
        return cls(frozenset(names), bind in WILDCARDS)

    def allow(self, headers: list[str]) -> bool:
        """Whether a request with these Host headers is answered (exactly one is needed)."""
        host = host_of(headers[0]) if len(headers) == 1 else None
        if host is None:
            return False
        if host in self.names:
            return True
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False   # a DNS name that is not this machine's
        return self.any_ip or ip.is_loopback

    def refusal(self) -> bytes:
        names = ", ".join(f"[{n}]" if ":" in n else n for n in sorted(self.names))
        also = " and any IP address" if self.any_ip else ""
        return (f"Misdirected Request: this preview answers to {names}{also}, not to the name "
                "in this request's Host header.\n").encode()


def content_type(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    return TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


@dataclass(frozen=True)
class Snapshot:
    build: str            # changes whenever open pages should reload or show new errors
    errors: tuple[str, ...]


class Status:
    """What the last build did, shared by the builder and every open event stream."""

    def __init__(self, prefix: str = "/") -> None:
        self.prefix = prefix                 # the URL path the site is served under, with /
        self._cond = threading.Condition()
        self._run = secrets.token_hex(4)     # a restarted server never repeats a build id
        self._count = 0
        self._errors: tuple[str, ...] = ()
        self._stopping = False

    def snapshot(self) -> Snapshot:
        with self._cond:
            return Snapshot(f"{self._run}-{self._count}", self._errors)

    def publish(self, errors: list[str], rebuilt: bool) -> None:
        """After a build: wake the event streams when the pages or the errors changed."""
        with self._cond:
            if rebuilt or tuple(errors) != self._errors:
                self._count += 1
                self._errors = tuple(errors)
                self._cond.notify_all()

    def wait(self, seen: str | None, timeout: float) -> Snapshot | None:
        """The state once it differs from build `seen` (or after `timeout`); None when stopping."""
        with self._cond:
            self._cond.wait_for(lambda: self._stopping or f"{self._run}-{self._count}" != seen,
                                timeout)
            return None if self._stopping else Snapshot(f"{self._run}-{self._count}", self._errors)

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()


@dataclass(frozen=True)
class Found:
    """Where a request leads: a file, the same path with a slash added, or nothing."""

    kind: str                        # file | redirect | missing | refused
    path: Path | None = None


def locate(root: Path, rel: str) -> Found:
    """The file for the URL path `rel` (decoded, relative to the site's path) inside `root`.

    Refuses `..` segments, backslashes, NUL and anything whose real path (symlinks
    followed) leaves `root`; a folder is its index.html, reached with a trailing slash."""
    if rel and not routes.is_inside(rel):
        return Found("refused")
    target = root.joinpath(*[p for p in rel.split("/") if p])
    if target.is_dir():
        if rel and not rel.endswith("/"):
            return Found("redirect")
        target = target / routes.THREAD_PAGE
    real, top = os.path.realpath(target), os.path.realpath(root)
    if not real.startswith(top + os.sep):
        return Found("refused")
    return Found("file", Path(real)) if os.path.isfile(real) else Found("missing")


def reload_tag(build: str) -> bytes:
    return (f'<script src="{CLIENT}" data-build="{build}" data-events="{EVENTS}"></script>\n'
            .encode())


def body_end(f: BinaryIO, size: int) -> int:
    """Where the live-reload script goes in an HTML file: before its last </body>, else at the
    end. Only the file's tail is read: pages are streamed, never held whole."""
    start = max(0, size - TAIL)
    f.seek(start)
    at = f.read().lower().rfind(b"</body>")
    f.seek(0)
    return size if at < 0 else start + at


class Handler(http.server.BaseHTTPRequestHandler):
    server: "PreviewServer"
    server_version = "threadpress-serve"

    def log_message(self, format: str, *args: object) -> None:  # the terminal is for builds
        pass

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def _respond(self, head: bool) -> None:
        hosts = self.server.hosts
        if not hosts.allow(self.headers.get_all("Host") or []):   # the event stream too
            self.close_connection = True
            return self._send(421, hosts.refusal(), TYPES[".txt"], head)
        path = urlsplit(self.path).path
        if path == EVENTS:
            return self._head(200, "text/event-stream", 0) if head else self._events()
        if path == CLIENT:
            return self._send(200, client_script(), content_type(CLIENT), head)
        prefix = self.server.status.prefix
        if path != prefix and path in ("/", prefix.rstrip("/")):   # the site's own start
            return self._redirect(prefix)
        if not path.startswith(prefix):
            return self._not_found(head)
        found = locate(self.server.root, unquote(path[len(prefix):], errors="replace"))
        if found.kind == "refused":
            return self._send(403, b"Forbidden: outside the site\n", TYPES[".txt"], head)
        if found.kind == "redirect":
            query = urlsplit(self.path).query
            return self._redirect(path + "/" + ("?" + query if query else ""))
        if not (found.path and self._send_file(200, found.path, head)):
            self._not_found(head)

    def _not_found(self, head: bool) -> None:
        found = locate(self.server.root, routes.NOT_FOUND)
        if not (found.path and self._send_file(404, found.path, head)):
            self._send(404, NOT_BUILT, TYPES[".html"], head)

    def _send_file(self, code: int, path: Path, head: bool) -> bool:
        """Stream a file (the reload script added to HTML); False when it cannot be opened,
        as when a build swaps the output in that very moment."""
        try:
            f = open(path, "rb")
        except OSError:
            return False
        with f:
            size = os.fstat(f.fileno()).st_size
            ctype = content_type(path.name)
            html = ctype.startswith("text/html")
            tag = reload_tag(self.server.status.snapshot().build) if html else b""
            at = body_end(f, size) if html else size
            self._head(code, ctype, size + len(tag))
            if not head:
                _copy(f, self.wfile, at)
                self.wfile.write(tag)
                _copy(f, self.wfile, size - at)
        return True

    def _redirect(self, location: str) -> None:
        # 302, not 301: browsers keep a 301 for good, and another site (or base_url) may be
        # previewed on this port tomorrow
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, code: int, data: bytes, ctype: str, head: bool) -> None:
        if ctype.startswith("text/html"):
            data += reload_tag(self.server.status.snapshot().build)
        self._head(code, ctype, len(data))
        if not head:
            self.wfile.write(data)

    def _head(self, code: int, ctype: str, length: int) -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-store")   # a reload must show the new build
        self.end_headers()

    def _events(self) -> None:
        """Server-Sent Events: the current state at once, then each change, until closed."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = None
        try:
            self.wfile.write(b"retry: 500\n\n")
            while True:
                snap = self.server.status.wait(seen, KEEPALIVE)
                if snap is None:
                    return
                if snap.build == seen:
                    self.wfile.write(b": still here\n\n")
                else:
                    seen = snap.build
                    data = json.dumps({"build": snap.build, "errors": list(snap.errors)})
                    self.wfile.write(f"data: {data}\n\n".encode())
                self.wfile.flush()
        except OSError:     # the page went away
            return


def _copy(src: BinaryIO, dst: BinaryIO, n: int) -> None:
    """Copy n bytes (fewer if the file shrank meanwhile) in bounded chunks."""
    while n > 0:
        chunk = src.read(min(n, CHUNK))
        if not chunk:
            return
        dst.write(chunk)
        n -= len(chunk)


_CLIENT: list[bytes] = []


def client_script() -> bytes:
    if not _CLIENT:
        _CLIENT.append((resources.files("threadpress") / "livereload.js").read_bytes())
    return _CLIENT[0]


class PreviewServer(http.server.ThreadingHTTPServer):
    """Serves `root` (the folder serve builds into) at `status.prefix`."""

    daemon_threads = True

    def __init__(self, bind: str, port: int, root: Path, status: Status) -> None:
        self.root, self.status, self.hosts = root, status, Hosts.bound_to(bind)
        if ":" in bind:
            self.address_family = socket.AF_INET6
        try:
            super().__init__((bind, port), Handler)
        except OSError as e:
            raise ThreadpressError.one(_bind_problem(e, bind, port)) from None

    def server_bind(self) -> None:
        # HTTPServer's own looks the host name up (getfqdn): a DNS query, and nothing needs it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    @property
    def port(self) -> int:
        return self.server_address[1]

    def handle_error(self, request: object, client_address: tuple) -> None:
        """A client that hangs up mid-request or mid-response (a reload, a closed tab, an event
        stream left) is no error: nothing is said. Anything else is one line, never the
        traceback socketserver prints: the terminal is for builds."""
        e = sys.exc_info()[1]
        if isinstance(e, (ConnectionError, TimeoutError)):
            return
        print(f"serve: a request from {client_address[0]} failed: {type(e).__name__}: {e}",
              file=sys.stderr)


def _bind_problem(e: OSError, bind: str, port: int) -> str:
    if e.errno == errno.EADDRINUSE:
        return (f"port {port} on {bind} is in use (another `threadpress serve`?); "
                "choose another with --port, or --port 0 for any free port")
    if e.errno == errno.EACCES:
        return (f"no permission to listen on port {port} (ports below 1024 need privileges); "
                "choose another with --port")
    return f"cannot listen on {bind} port {port}: {e.strerror or e} (check --bind and --port)"
