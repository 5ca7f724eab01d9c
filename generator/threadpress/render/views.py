"""What templates see: threads and comments with their rendered bodies and computed links.

All of it is computed in one linear pass per thread; templates only present it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Callable

from markupsafe import Markup

from .. import crosslinks, model, routes
from ..anchors import anchor
from ..crosslinks import Archive
from ..model import Comment, Summary, Thread
from ..times import to_time
from . import bodies, mail
from .urls import domain, safe_url   # domain: what templates show beside a link

DELETED, ANONYMOUS, REMOVED = "[deleted]", "anonymous", "[removed]"
INDENT_CAP = 12   # visual indentation stops growing here; the depth number stays visible
GROUP_CAP = 12    # collapsible groups nest at most this deep, so HTML nesting stays bounded


@dataclass
class Ref:
    """A link to another comment of the same thread."""

    id: str
    enc: str      # the id as a URL path segment
    anchor: str   # its anchor on the thread page
    author: str | None = None
    name: str = ANONYMOUS   # how titles name its author (see author_name)


@dataclass(frozen=True)
class Gaps:
    """What an importer recorded as missing: replies behind "more" stubs (`more_count`), a
    "continue this thread" link (`continue_thread`), a comment gone upstream
    (`removed_upstream`, set by a re-import)."""

    not_archived: int = 0
    continues: bool = False
    removed_upstream: bool = False


SCORE_UNIT = "points"   # what `points` and `score` count, unless `score_unit` says


def score_unit(extra: dict) -> str:
    """What the thread's `points` and its comments' `score` count (the `score_unit` extra an
    importer writes: likes on Discourse, reactions on GitHub), else points."""
    unit = extra.get("score_unit")
    return unit if isinstance(unit, str) and model.SCORE_UNIT.fullmatch(unit) else SCORE_UNIT


def score_text(n: int | None, unit: str = SCORE_UNIT) -> str:
    """`12 points`, `1 like`; "" when there is nothing to show: no score, or no likes (a
    count of likes or reactions is shown, as those sites show it, only when there are some)."""
    if n is None or (n == 0 and unit != SCORE_UNIT):
        return ""
    one = unit[:-1] if unit.endswith("s") else unit
    return f"{n} {one if n == 1 else unit}"


@dataclass(frozen=True)
class PollOption:
    text: str
    votes: int | None = None


@dataclass(frozen=True)
class Poll:
    """A poll's options as the source counted them (the thread's `poll` extra)."""

    options: tuple[PollOption, ...]
    total: int | None = None          # votes in all, when the source says
    ends: datetime | None = None      # when voting ends (or ended)


def _count_or_none(v: object) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None


def poll(extra: dict) -> Poll | None:
    """The `poll` extra, or None when there is none or it is not of the documented shape
    (load.py warns about that)."""
    p = extra.get("poll")
    options = p.get("options") if isinstance(p, dict) else None
    if not isinstance(options, list) or not options or not all(
            isinstance(o, dict) and isinstance(o.get("text"), str) for o in options):
        return None
    ends = p.get("ends")
    return Poll(tuple(PollOption(o["text"], _count_or_none(o.get("votes"))) for o in options),
                _count_or_none(p.get("total")),
                to_time(ends) if isinstance(ends, (str, datetime)) else None)


def gaps(extra: dict) -> Gaps | None:
    """The gaps an extras mapping records, or None when there are none (the usual case)."""
    more = extra.get("more_count")
    found = Gaps(more if isinstance(more, int) and not isinstance(more, bool) and more > 0 else 0,
                 extra.get("continue_thread") is True, extra.get("removed_upstream") is True)
    return found if found != Gaps() else None


@dataclass
class CommentView:
    c: Comment
    enc: str
    anchor: str
    html: Markup
    is_op: bool
    indent: int
    parent: Ref | None
    root: Ref | None              # its top-level comment (None when it is one)
    replies: list[Ref]
    quoted_by: list[Ref] = field(default_factory=list)
    close_before: int = 0         # collapsible groups that end before this comment
    opens_group: bool = False     # its replies follow inside a collapsible group
    close_after: int = 0          # groups still open after the last comment (last one only)
    closing: tuple = ()           # the comments whose groups end before this one, innermost first
    closing_after: tuple = ()     # the same after the last comment (last one only)
    origin_url: str | None = None  # the comment on the original site, when known
    gaps: Gaps | None = None       # what the archive lacks here (replies not archived, removal)
    action: bool = False           # a moderator's or the site's action ("This topic is now
                                   # pinned"), shown as an action line, not as a comment

    @property
    def id(self) -> str:
        return self.c.id

    @cached_property
    def excerpt(self) -> str:
        """The start of the body as one line of plain text (for context and previews)."""
        return excerpt(self.html)

    @property
    def name(self) -> str:
        """How titles name the comment's author (see author_name)."""
        return author_name(self.c)


@dataclass
class ThreadView:
    t: Thread
    html: Markup
    url: str | None               # safe http(s) links only, else None
    source: str | None
    domain: str | None
    comments: list[CommentView]
    count: int                    # comments, deleted ones included: they keep their place
    archived: datetime | None = None  # when the thread was imported (its `archived` field)
    total: int | None = None      # comments on the original site, when more than archived
    mailing_list: str | None = None  # the list a mail thread came through (no `source`)
    gaps: Gaps | None = None      # top-level comments the archive does not have
    archived_href: str | None = None   # `url` as a link to its archived copy, from the thread page
    score_unit: str = SCORE_UNIT  # what `points` and comments' `score` count (see score_text)
    poll: Poll | None = None      # a poll's options and votes (the `poll` extra)

    @property
    def slug(self) -> str:
        return self.t.slug

    @property
    def href(self) -> str:
        """The thread page's folder from the site root, URL-encoded."""
        return routes.url_path(routes.slug_dir(self.t.slug))


EXCERPT_CHARS = 160
_TAG = re.compile(r"<[^>]*>")


def excerpt(html_text: str, limit: int = EXCERPT_CHARS) -> str:
    """Plain text from sanitised HTML (so `&amp;` reads `&`), cut at a word near `limit`."""
    text = plain_text(html_text[: limit * 8])
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2:] else cut) + "…"


def author_name(c: Comment) -> str:
    """The author's name; REMOVED for a comment taken down (redactions.yaml), DELETED for a
    deleted comment, ANONYMOUS for one with no author."""
    if c.removed is not None:
        return REMOVED
    if c.deleted:
        return DELETED
    return c.author or ANONYMOUS


def plain_text(html_text: str) -> str:
    """Sanitised HTML as one line of plain text (tags dropped, entities decoded)."""
    return " ".join(html.unescape(_TAG.sub(" ", html_text)).split())


def origin_url(c: Comment, on_hn: bool) -> str | None:
    """The comment's own permalink, or for Hacker News ids the item page they name."""
    own = safe_url(c.url)
    if own or not on_hn or not c.id.isascii() or not c.id.isdigit():
        return own
    return f"https://news.ycombinator.com/item?id={c.id}"


def thread_view(thread: Thread, remote_images: bool = False, archive: Archive | None = None,
                comment_pages: bool = True) -> ThreadView:
    """The thread for templates; `remote_images` is the site's setting (see images.py); with an
    `archive`, links to archived items lead to their copies (and the archive records what was
    looked up)."""
    url = safe_url(thread.url)
    archived = thread.extra.get("archived")
    view = ThreadView(t=thread, html=Markup(""), url=url, source=safe_url(thread.source),
                      domain=domain(url), comments=[], count=len(thread.comments),
                      archived=to_time(archived) if isinstance(archived, (str, datetime)) else None,
                      gaps=gaps(thread.extra), total=_total(thread),
                      mailing_list=_text_extra(thread, "mailing_list"),
                      score_unit=score_unit(thread.extra), poll=poll(thread.extra))
    on_hn = domain(view.source) == "news.ycombinator.com"
    known = thread.positions.__contains__
    quoted: dict[str, list[str]] = {}
    views: list[CommentView] = []
    roots: list[Ref | None] = []
    refs = [Ref(c.id, routes.url_path(routes.comment_segment(c.id)), anchor(c.id), c.author,
                author_name(c))
            for c in thread.comments]
    folder = mail.Folder.of(thread) if mail.is_mail(thread) else None
    for i, c in enumerate(thread.comments):
        links: list[str] = []
        # a deleted comment may keep its text (Reddit keeps it when only the account is gone)
        html = _body(c.body, c.format, known, links, folder, i + 1, remote_images) \
            if c.body else ""
        if archive is not None and html:
            html = crosslinks.rewrite(html, thread.slug, archive, comment_pages)
        for target in dict.fromkeys(links):
            if target != c.id:
                quoted.setdefault(target, []).append(c.id)
        parent_i = None if c.parent is None else thread.positions[c.parent]
        # the top-level comment of each chain, carried down the pre-order: linear, not per-chain
        root = None if parent_i is None else (roots[parent_i] or refs[parent_i])
        roots.append(root)
        views.append(CommentView(
            c=c, enc=refs[i].enc, anchor=refs[i].anchor, html=Markup(html),
            is_op=bool(thread.author) and c.author == thread.author and not c.deleted,
            indent=min(c.depth, INDENT_CAP),
            parent=None if parent_i is None else refs[parent_i],
            root=root,
            replies=[refs[thread.positions[k]] for k in c.children],
            origin_url=origin_url(c, on_hn),
            gaps=gaps(c.extra) if c.extra else None,
            action=c.extra.get("action") is True,
        ))
    for target, sources in quoted.items():
        views[thread.positions[target]].quoted_by = [refs[thread.positions[s]] for s in sources]
    _groups(views)
    opening = _body(thread.body, thread.format, known, None, folder, 0, remote_images)
    if archive is not None:
        opening = crosslinks.rewrite(opening, thread.slug, archive, comment_pages)
        target = archive.resolve(url) if url else None
        if target is not None and target[0] != thread.slug:
            view.archived_href = crosslinks.archived_href(thread.slug, target, comment_pages)
    view.html = Markup(opening)
    view.comments = views
    return view


def _text_extra(thread: Thread, key: str) -> str | None:
    v = thread.extra.get(key)
    return v if isinstance(v, str) and v.strip() else None


def _total(thread: Thread) -> int | None:
    """The original site's comment count (the importer's `num_comments`), when it says more
    comments exist than the archive has."""
    n = thread.extra.get("num_comments")
    ok = isinstance(n, int) and not isinstance(n, bool) and n > len(thread.comments)
    return n if ok else None


def _body(body: str, fmt: str, known: Callable[[str], bool], links: list[str] | None,
          folder: mail.Folder | None, me: int, remote_images: bool) -> str:
    """One body as safe HTML; text bodies of mail threads fold quotes, signature and footer."""
    fold = folder.converter(me, bodies.text_html) if folder and fmt == "text" else None
    return bodies.render(body, fmt, known, links, fold, remote_images)


def summary(thread: Thread) -> Summary:
    """What site pages need of a thread: small, picklable, kept in the build state."""
    if thread.removed is not None:   # nothing of it is kept but its routes
        return Summary(slug=thread.slug, file=thread.path, id=thread.id, title="",
                       aliases=tuple(thread.aliases), removed=True)
    url = safe_url(thread.url)
    times = [c.created for c in thread.comments if c.created]
    return Summary(
        slug=thread.slug, file=thread.path, id=thread.id, title=thread.title, url=url,
        source=safe_url(thread.source), domain=domain(url), author=thread.author,
        created=thread.created, points=thread.points, score_unit=score_unit(thread.extra),
        tags=tuple(thread.tags),
        count=len(thread.comments), updated=max(times + ([thread.created] if thread.created else []),
                                                default=None),
        aliases=tuple(thread.aliases))


def _groups(views: list[CommentView]) -> None:
    """Mark where collapsible reply groups open and close, walking the flat pre-order once.

    `closing` names the comment whose group each close ends, so that a theme can say, at the
    end of a comment's replies, that more of them were not archived."""
    open_depths: list[int] = []
    openers: list[CommentView] = []
    for v in views:
        closed: list[CommentView] = []
        while open_depths and open_depths[-1] > v.c.depth:
            open_depths.pop()
            closed.append(openers.pop())
        v.close_before = len(closed)
        v.closing = tuple(closed)
        if v.c.children and v.c.depth < GROUP_CAP:
            v.opens_group = True
            open_depths.append(v.c.depth + 1)
            openers.append(v)
    if views:
        views[-1].close_after = len(open_depths)
        views[-1].closing_after = tuple(reversed(openers))


def sort_threads(threads: list[Summary], order: str) -> list[Summary]:
    """The index order: newest or oldest first (undated last), or by title; ties by slug."""
    if order == "title":
        return sorted(threads, key=lambda t: (t.title.casefold(), t.slug))
    sign = -1 if order == "newest" else 1
    dated = sorted((t for t in threads if t.created),
                   key=lambda t: (sign * t.created.timestamp(), t.slug))
    undated = sorted((t for t in threads if not t.created), key=lambda t: t.slug)
    return dated + undated
