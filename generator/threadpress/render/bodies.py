"""Comment bodies → safe HTML: markdown, GitHub-flavoured markdown, HTML or plain text, `>>ID`
quote links, then sanitising.

Archived text is hostile. Whatever a format produced, the result goes through an allowlist
sanitiser (nh3, the Rust `ammonia` library) as the very last step, so no rendering path can
let script, event handlers, style or javascript:/data: URLs through.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from typing import Callable

import cmarkgfm
import markdown
import nh3
from markdown.inlinepatterns import InlineProcessor

from ..anchors import anchor
from . import cost
from . import images

TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "dl", "dt", "em",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "ins", "kbd", "li", "mark", "ol", "p", "pre",
        "q", "s", "samp", "small", "span", "strike", "strong", "sub", "summary", "sup", "table",
        "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul"}
ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"},
              "td": {"align"}, "th": {"align"}, "ol": {"start"}}
# Tags whose content is dropped with them, rather than kept as text.
DROP_CONTENT = {"script", "style", "template", "iframe", "object", "embed", "noscript", "textarea",
                "select", "math", "svg", "title", "xmp", "noembed", "noframes", "plaintext"}
REL = "nofollow ugc"   # no target=_blank anywhere, so no `noopener` is needed

_CODE_LANGUAGES = ("python", "py", "js", "javascript", "ts", "typescript", "json", "yaml", "sh",
                   "bash", "shell", "console", "html", "css", "sql", "c", "cpp", "go", "rust",
                   "java", "ruby", "diff", "text", "toml", "ini", "xml", "nginx", "apache")
_CLASSES = {"a": {"quotelink", "image"}, "code": {f"language-{x}" for x in _CODE_LANGUAGES},
            "details": {"mail-quote", "mail-signature", "mail-footer"}}
_CLEANER = nh3.Cleaner(
    tags=TAGS, clean_content_tags=DROP_CONTENT, attributes=ATTRIBUTES, strip_comments=True,
    link_rel=REL, url_schemes={"http", "https", "mailto"}, allowed_classes=_CLASSES,
)
# With the site's `remote_images: true`: <img> with a source and alt text, nothing else
# (no srcset, sizes, width, height, style); images.py already kept only http(s) sources.
_CLEANER_IMAGES = nh3.Cleaner(
    tags=TAGS | {"img"}, clean_content_tags=DROP_CONTENT,
    attributes={**ATTRIBUTES, "img": {"src", "alt"}}, strip_comments=True,
    link_rel=REL, url_schemes={"http", "https", "mailto"}, allowed_classes=_CLASSES,
)

# A `>>ID` link is carried through the format's renderer as a placeholder made of private-use
# characters, and GFM's raw-HTML `<` as another (_LT). A body's own private-use characters of
# these kinds are escaped first (each of ESC, OPEN, CLOSE, LT becomes ESC and a code), so a
# placeholder can never be forged, and they come back unchanged.
_OPEN, _CLOSE, _ESC, _LT = "\ue000", "\ue001", "\ue002", "\ue003"
_ESCAPES = {_OPEN: _ESC + "\ue004", _CLOSE: _ESC + "\ue005", _ESC: _ESC + "\ue006",
            _LT: _ESC + "\ue007"}
_UNESCAPES = {v[1]: k for k, v in _ESCAPES.items()}
_ESCAPE_RE = re.compile("[\ue000-\ue003]")
_UNESCAPE_RE = re.compile("\ue002([\ue004-\ue007])")
_PLACEHOLDER = _OPEN + "{}" + _CLOSE
_PLACEHOLDER_RE = re.compile(_OPEN + "(\\d+)" + _CLOSE)
# `>>ID` (or `&gt;&gt;ID` in HTML): the id runs to whitespace or markup; trailing punctuation
# is only part of it when that makes a known id.
_QUOTE_RE = re.compile(r"(?:>>|&gt;&gt;)([^\s<>\"'&]+)")
_URL_RE = r"\b(https?://[^\s<>\"'`\ue000\ue001]+)"
_TRAILING = ".,;:!?)]}*_~'\""
MAX_QUOTE_TRIM = 64   # trailing punctuation tried off a `>>ID` (bounds the work per link)


def render(body: str, fmt: str, known: Callable[[str], bool], quoted: list[str] | None = None,
           convert: Callable[[str], str] | None = None, remote_images: bool = False) -> str:
    """A body as sanitised HTML; `>>ID` of known ids become links, and are added to `quoted`.

    `convert` replaces the format's own text → HTML step (mail.py folds mail bodies with it);
    whatever it makes is sanitised like the rest. Images become links (images.py), with the
    image inside when `remote_images`.
    """
    links: list[str] = []
    text = _QUOTE_RE.sub(lambda m: _quote(m, known, links), _escape(body))
    if quoted is not None:
        quoted.extend(links)
    # a folded mail body depends on the other messages of its thread: it is not cached
    key = None if convert is not None else (fmt, "img" if remote_images else "", text, *links)
    cached = _CACHE.get(key) if key is not None else None
    if cached is not None:
        return cached
    if convert is not None:
        out = convert(text)
    elif fmt == "html":
        out = text
    elif fmt == "text":
        out = text_html(text)
    elif fmt == "gfm":
        out = _gfm(text)
    else:
        out = _plain_markdown(text) or _bounded_markdown(text)
    out = _unescape(_PLACEHOLDER_RE.sub(lambda m: _quote_link(links[int(m.group(1))]), out))
    out = (_CLEANER_IMAGES if remote_images else _CLEANER).clean(images.rewrite(out, remote_images))
    if key is not None:
        if len(_CACHE) >= CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = out
    return out


def _escape(text: str) -> str:
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()], text)


def _unescape(text: str) -> str:
    return _UNESCAPE_RE.sub(lambda m: _UNESCAPES[m.group(1)], text)


# Rendered bodies by format and text (after quote links are marked): archives repeat bodies
# ("[deleted]", signatures, bot messages), and a rebuild renders a changed thread's others.
CACHE_SIZE = 20_000
_CACHE: dict[tuple[str, ...], str] = {}


def _quote(m: re.Match, known: Callable[[str], bool], links: list[str]) -> str:
    """A placeholder for the longest known id the match makes with trailing punctuation cut
    off, or the match unchanged. Only the last MAX_QUOTE_TRIM cuts and the cut of all of it are
    tried, so a link costs no more than a bounded number of look-ups however long its tail."""
    found = m.group(1)
    bare = len(found.rstrip(_TRAILING))
    ends = list(range(len(found), max(bare, len(found) - MAX_QUOTE_TRIM) - 1, -1))
    if ends[-1] != bare:
        ends.append(bare)
    for end in ends:
        cid = _unescape(found[:end])
        if cid and known(cid):
            links.append(cid)
            return _PLACEHOLDER.format(len(links) - 1) + found[end:]
    return m.group(0)


def _quote_link(cid: str) -> str:
    # escaped again, as the rest of the body is: the last step restores its characters
    shown = _escape(html.escape(cid))
    return f'<a class="quotelink" href="#{anchor(cid)}">&gt;&gt;{shown}</a>'


# --- plain text -----------------------------------------------------------------------------

def text_html(text: str) -> str:
    """Escaped text: blank lines part paragraphs, newlines break lines, `>` lines are quotes."""
    out = []
    for para in re.split(r"\n[ \t]*\n+", text.replace("\r\n", "\n").strip("\n")):
        if para.strip():
            out.append(_text_paragraph(para))
    return "\n".join(out)


_QUOTE_PREFIX = re.compile(r"((?:>[ \t]?){0,%d})(.*)" % cost.MAX_QUOTE_DEPTH)


def _text_paragraph(para: str) -> str:
    parts: list[str] = []
    level = 0
    lines: list[str] = []

    def flush() -> None:
        if lines:
            parts.append("<p>" + "<br>\n".join(lines) + "</p>")
            lines.clear()

    for raw in para.split("\n"):
        m = _QUOTE_PREFIX.match(raw)   # deeper `>` than MAX_QUOTE_DEPTH stay as text
        depth = m.group(1).count(">")
        if depth != level:
            flush()
            parts.append("</blockquote>" * (level - depth) if depth < level
                         else "<blockquote>" * (depth - level))
            level = depth
        lines.append(_linkify(m.group(2)))
    flush()
    parts.append("</blockquote>" * level)
    return "".join(parts)


def _linkify(line: str) -> str:
    """A line of text, escaped, with bare URLs as links. URLs are found before escaping, so that
    `<https://e.org/>` ends at `>` rather than running on into `&gt;`."""
    out, done = [], 0
    for m in re.finditer(_URL_RE, line):
        url = _trim(m.group(1))
        escaped = html.escape(url)
        out += [html.escape(line[done:m.start(1)]), f'<a href="{escaped}">{escaped}</a>']
        done = m.start(1) + len(url)
    out.append(html.escape(line[done:]))
    return "".join(out)


def _trim(url: str) -> str:
    """A bare URL without its trailing punctuation, keeping balanced closing parentheses."""
    opened, closed = url.count("("), url.count(")")
    end = len(url)
    while end and url[end - 1] in _TRAILING:
        if url[end - 1] == ")":
            if opened >= closed:
                break
            closed -= 1
        end -= 1
    return url[:end]


# --- markdown -------------------------------------------------------------------------------

class _BareUrl(InlineProcessor):
    """Bare http(s) URLs become links, as on every discussion site."""

    def handleMatch(self, m: re.Match, data: str):  # noqa: N802 (markdown's API)
        url = _trim(m.group(1))
        el = etree.Element("a", {"href": url})
        el.text = url
        return el, m.start(0), m.start(0) + len(url)  # the trimmed punctuation stays text


def _new_markdown() -> markdown.Markdown:
    md = markdown.Markdown(extensions=["fenced_code", "sane_lists", "tables"],
                           output_format="html")
    # Raw HTML inside markdown is shown as text: archived markdown is not trusted to carry HTML.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.inlinePatterns.register(_BareUrl(_URL_RE, md), "bare_url", 105)
    return md


# Text in which python-markdown finds no syntax at all comes out as escaped paragraphs; making
# that HTML directly is exact (tests/test_bodies.py compares both on generated and real bodies)
# and about 50 times faster. The test is conservative: any character or line start that could
# mean something to Markdown or to the bare-URL pattern sends the body to python-markdown.
_NOT_PLAIN = re.compile(r"[^\w .,;:?!'\"/%$@()=+\n-]|_|://|^[ \d=+-]| $|\n[ \d=+-]| \n",
                        re.UNICODE)


def _plain_markdown(text: str) -> str | None:
    """What python-markdown makes of `text` when it holds no Markdown syntax; else None."""
    if _NOT_PLAIN.search(text):
        return None
    paras = [p.strip("\n") for p in re.split(r"\n\n+", text)]
    return "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paras if p)


_MD: markdown.Markdown | None = None


def _bounded_markdown(text: str) -> str:
    """Markdown, or escaped text when python-markdown would take quadratic time (or recurse
    too deep) on this body: see cost.py."""
    if cost.markdown_cost(text) > cost.MARKDOWN_BUDGET:
        return text_html(text)
    return _markdown(text)


def _markdown(text: str) -> str:
    global _MD
    if _MD is None:
        _MD = _new_markdown()
    return _MD.reset().convert(text)


# --- GitHub-flavoured markdown ---------------------------------------------------------------

# A `<` that would open raw HTML (a tag, closing tag, comment, declaration or processing
# instruction), but not an autolink such as <https://x.test> or <me@x.test>, written as
# CommonMark defines them: a `<` left alone that cmark-gfm then read as raw HTML would be
# dropped, text and all (`<!--@b.c-->` is a comment, not an address: `c-` ends no domain).
# An address may not start with `!` or `?` here: at a line's start `<!` and `<?` open an HTML
# block before any autolink is looked for (and no other `<` is raw HTML at all).
_RAW_HTML_START = re.compile(
    r"<(?=[A-Za-z/!?])(?![A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>)"
    r"(?![A-Za-z/][A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]*@"      # (after `<`, a letter or `/` only)
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"             # a domain: labels of 1 to 63
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*>)")   # not starting or ending in -
_TASK = re.compile(r'<input type="checkbox"( checked="")? disabled="" />')


def _gfm(text: str) -> str:
    """CommonMark with GitHub's extensions (tables, strikethrough, autolinks, task lists), by
    cmark-gfm, GitHub's own renderer.

    Raw HTML is shown as text, as in `markdown`: each `<` that would start a tag becomes a
    stand-in (_LT, which cmark-gfm passes through unchanged; a body's own is escaped) before
    parsing and `&lt;` after, wherever it ended up (text, code, attributes).
    Task-list boxes become ☐/☑ text rather than widening the sanitiser's allowlist to `input`.
    """
    source = _RAW_HTML_START.sub(_LT, text)
    out = cmarkgfm.github_flavored_markdown_to_html(source)
    out = _TASK.sub(lambda m: "\u2611" if m.group(1) else "\u2610", out)
    return out.replace(_LT, "&lt;")


def rebase_quotelinks(fragment: str, prefix: str) -> str:
    """Point a rendered body's `>>ID` links, and its links into the archive (crosslinks.py),
    which are relative to the thread page, at their targets from a page elsewhere."""
    if not prefix:
        return fragment
    return fragment.replace('class="quotelink" href="#', f'class="quotelink" href="{prefix}#') \
        .replace('class="archived" href="', f'class="archived" href="{prefix}')
