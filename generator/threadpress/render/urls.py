"""Reading archived URLs as a browser does: which may become links, and which site they name.

An archived URL is read once, by the WHATWG URL standard (the `ada` parser, which Node.js uses
and which passes the web platform tests), never by `urllib.parse`, which reads some URLs
otherwise than every browser: `https://evil.example\\@good.example/` is a link to
evil.example (a backslash ends the host of an http(s) URL, like `/`), where urllib finds
good.example. So the domain shown beside a link is always the host the browser goes to: tabs
and newlines dropped, userinfo set aside, `%65`, `0x7f.1` and `ＥＸＡＭＰＬＥ。com` read the
browser's way, an internationalised name in its ASCII (punycode) form, as the browser sends it.
And the link itself is the URL as the browser serialises it, userinfo removed, so a feed reader
or crawler with another URL parser goes to the same host.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import ada_url

SCHEMES = ("http:", "https:")
# A host a browser can look up: DNS labels (IDNA names in their punycode form), an IPv4 or an
# IPv6 address. The standard lets a host hold `*`, `!`, `$`, `(`, … which no DNS name has and
# which Chromium reads otherwise (`*` as `%2A`): a URL with such a host makes no link.
_HOST = re.compile(r"[a-z0-9_.-]+|\[[0-9a-f:.]+\]")


@dataclass(frozen=True)
class WebURL:
    """An absolute URL as a browser reads it."""

    href: str       # its serialisation, without userinfo: `https://evil.example/@good.example/`
    scheme: str     # with its colon: `https:`
    hostname: str   # `evil.example`, `xn--bcher-kva.example`, `127.0.0.1`, `[::1]`; or ""


def read_url(text: str | None) -> WebURL | None:
    """`text` parsed as an absolute URL by the WHATWG URL standard, or None when a browser would
    not take it for one (no scheme, a host that cannot be parsed, a lone surrogate) or its host
    is no name or address a browser could look up (see _HOST)."""
    if not text:
        return None
    try:
        url = ada_url.URL(text)
    except (ValueError, TypeError):   # UnicodeEncodeError is a ValueError
        return None
    if url.hostname and not _HOST.fullmatch(url.hostname):
        return None
    if url.username or url.password:   # (a URL without a host, javascript:, has none to clear)
        url.username = ""   # `https://good.example@evil.example/` names evil.example: say only that
        url.password = ""
    return WebURL(url.href, url.protocol, url.hostname)


def safe_url(url: str | None) -> str | None:
    """An http(s) URL as the browser will follow it, or None: javascript:, data:, relative and
    unparseable URLs never reach a page."""
    parsed = read_url(url)
    return parsed.href if parsed is not None and parsed.scheme in SCHEMES else None


def domain(url: str | None) -> str | None:
    """The host a link to `url` leads to, as shown beside it (without `www.`); None when it has
    none a browser would go to."""
    parsed = read_url(url)
    host = parsed.hostname if parsed is not None else ""
    return (host[4:] if host.startswith("www.") else host) or None
