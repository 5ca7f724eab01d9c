"""Images in bodies: shown as a link with their alt text, not loaded from the original site.

Loading an archived post's images would tell third-party servers who reads the archive, and
the original may be gone (or replaced). So by default `<img>` (from HTML bodies, or markdown's
`![alt](src)`) becomes `<a class="image" href="src">image: alt</a>`, with the file name when the
alt text says nothing; emoji images become their alt text (`:smile:`). With the site's
`remote_images: true` the image is shown, inside that link. Either way the result still goes
through the sanitiser: only http(s) sources, and no `srcset`, sizes or other attributes.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from .urls import safe_url

# an <img …> tag; quoted attribute values may hold ">"
_IMG = re.compile(r"<img\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.I)
_SAYS_NOTHING = {"", "image", "img", "photo", "picture", "pic", "screenshot", "attachment"}


def rewrite(fragment: str, show: bool) -> str:
    """Every <img> of an HTML fragment as a link (and, when `show`, the image inside it)."""
    return _IMG.sub(lambda m: _replace(_attributes(m.group(0)), show), fragment)


def _replace(attrs: dict[str, str], show: bool) -> str:
    src = safe_url(attrs.get("src"))
    alt = " ".join((attrs.get("alt") or attrs.get("title") or "").split())
    if "emoji" in attrs.get("class", "").split():
        return html.escape(alt)
    label = alt if alt.lower() not in _SAYS_NOTHING else _file_name(src)
    text = html.escape(f"image: {label}" if label else "image")
    if src is None:
        return f"[{text}]"
    href = html.escape(src)
    inner = f'<img src="{href}" alt="{html.escape(label)}">' if show else text
    return f'<a class="image" href="{href}">{inner}</a>'


def _file_name(src: str | None) -> str:
    """The last part of the URL's path, decoded: `ahh.gif`."""
    if not src:
        return ""
    try:
        path = urlsplit(src).path
    except ValueError:
        return ""
    return unquote(path.rstrip("/").rsplit("/", 1)[-1])


class _TagReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        for k, v in attrs:
            self.attrs.setdefault(k, v or "")

    handle_startendtag = handle_starttag


def _attributes(tag: str) -> dict[str, str]:
    """One tag's attributes, entities decoded, the first of a repeated name winning."""
    reader = _TagReader()
    reader.feed(tag)
    reader.close()
    return reader.attrs
