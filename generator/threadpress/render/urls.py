"""Which URLs from archived content may become links on a page."""

from __future__ import annotations


def safe_url(url: str | None) -> str | None:
    """An http(s) URL as given, or None: javascript:, data: and the like never reach a page."""
    if not url:
        return None
    probe = "".join(ch for ch in url if ch > " " and ch != "\x7f").lower()
    if probe.startswith(("http://", "https://")):
        return url.strip()
    return None
