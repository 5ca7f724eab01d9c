"""The plain data passed between stages: threads and their comments, after loading."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from .routes import slug_dir, url_path

FORMATS = ("markdown", "gfm", "html", "text")
SORTS = ("original", "oldest", "newest", "score")
# what a thread's `points` and its comments' `score` count (the `score_unit` extra): a plain
# lower-case plural noun, such as likes or reactions; points when not given
SCORE_UNIT = re.compile(r"[a-z][a-z-]{0,23}")


@dataclass
class Comment:
    """One comment. Tree fields are filled in by `tree.build`; links are ids, never objects,
    so a thread pickles and serialises without recursion however deep its chains are."""

    id: str
    author: str | None = None
    created: datetime | None = None
    edited: datetime | bool | None = None
    score: int | None = None
    body: str = ""
    format: str = "markdown"
    deleted: bool = False
    dead: bool = False
    url: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    removed: str | None = None       # taken down (redactions.yaml): the public reason, or ""
    # computed by tree.build
    parent: str | None = None        # id of the parent comment, None at top level
    depth: int = 0                   # 0 for top-level comments
    children: list[str] = field(default_factory=list)
    descendants: int = 0             # number of comments below this one
    index: int = 0                   # position in the thread's pre-order
    orphan: bool = False             # its `parent` named a comment that does not exist
    missing_parent: str | None = None


@dataclass
class Thread:
    """A thread and its comments, in pre-order (`comments`), with an id → index map."""

    id: str
    slug: str
    title: str
    path: str = ""                   # the file it was loaded from
    url: str | None = None
    source: str | None = None
    author: str | None = None
    created: datetime | None = None
    points: int | None = None
    tags: list[str] = field(default_factory=list)
    body: str = ""
    format: str = "markdown"
    sort: str | None = None          # sibling order; None = the site's default
    extra: dict[str, Any] = field(default_factory=dict)
    aliases: list[str] = field(default_factory=list)   # old slugs, each a redirect
    removed: str | None = None       # taken down (redactions.yaml): the public reason, or ""
    comments: list[Comment] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)
    max_depth: int = 0               # deepest comment's depth (0-based), -1 when no comments

    def comment(self, comment_id: str) -> Comment:
        return self.comments[self.positions[comment_id]]

    def get(self, comment_id: str) -> Comment | None:
        i = self.positions.get(comment_id)
        return None if i is None else self.comments[i]

    @property
    def roots(self) -> list[Comment]:
        return [c for c in self.comments if c.parent is None]

    def parent_of(self, c: Comment) -> Comment | None:
        return None if c.parent is None else self.comment(c.parent)

    def ancestors(self, c: Comment, limit: int | None = None) -> list[Comment]:
        """The chain from the top-level comment down to c's parent (the nearest `limit` when given)."""
        chain: list[Comment] = []
        p = c.parent
        while p is not None and (limit is None or len(chain) < limit):
            a = self.comment(p)
            chain.append(a)
            p = a.parent
        chain.reverse()
        return chain

    def replies(self, c: Comment) -> list[Comment]:
        return [self.comment(i) for i in c.children]


@dataclass(frozen=True)
class Summary:
    """A thread as site-wide pages (index, sitemap) need it, without its comments."""

    slug: str
    file: str
    id: str
    title: str
    url: str | None = None        # safe http(s) links only
    source: str | None = None
    domain: str | None = None
    author: str | None = None
    created: datetime | None = None
    points: int | None = None
    score_unit: str = "points"    # what `points` counts (render.views.score_unit)
    tags: tuple[str, ...] = ()
    count: int = 0                # comments
    updated: datetime | None = None   # the newest comment's time (or the thread's)
    aliases: tuple[str, ...] = ()     # old slugs: each has redirect pages
    removed: bool = False             # taken down: its address serves a notice, no index entry

    @property
    def href(self) -> str:
        """The thread's folder from the site root, URL-encoded (for index templates)."""
        return url_path(slug_dir(self.slug))
