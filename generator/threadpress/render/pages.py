"""Jinja themes → pages. Each thread's pages are a pure function of (thread, config, theme)."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from .. import __version__, feeds, routes, sitefs
from ..config import Config
from ..errors import Diagnostic, ThreadpressError, plural
from ..theme import Theme, builtin_themes, resolve_theme  # noqa: F401 (part of this API)
from ..anchors import anchor
from ..crosslinks import Archive
from ..model import Summary, Thread
from ..times import iso
from . import bodies, structured, themefs, views
from .quotemarks import quote_marks
from .views import CommentView, ThreadView

DESCRIPTION = 200   # characters of a page's meta description
# what `check` compiles in a site's own templates folder (see template_diagnostics)
TEMPLATE_SUFFIXES = (".html", ".htm", ".xml", ".txt", ".json", ".svg", ".j2", ".jinja",
                     ".jinja2")


class Renderer:
    """One theme's templates, with the helpers every template gets."""

    def __init__(self, theme: Theme, config: Config) -> None:
        self.config = config
        self.links = routes.Links(config.base_url)
        self.zone = ZoneInfo(config.timezone)
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader([
                *(themefs.ThemeLoader(d) for d in theme.template_dirs),
                # `{% extends "default/base.html" %}` reaches a built-in theme's own template,
                # so a theme can change one block of a page without copying the page
                jinja2.PrefixLoader({p.name: jinja2.FileSystemLoader(str(p / "templates"))
                                     for p in sorted(builtin_themes().iterdir())
                                     if (p / "templates").is_dir()})]),
            autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
            lstrip_blocks=True, keep_trailing_newline=True,
            auto_reload=False)   # a build reads each template once; no stat per page
        self.env.filters.update(date=self.date, iso=iso, domain=views.domain,
                                safe_url=views.safe_url, plural=plural, rebase=rebase)
        self.env.filters["permalink"] = self.permalink
        self.env.filters["quotemarks"] = quote_marks
        self.env.filters["tag_href"] = lambda tag: routes.term_href(routes.TAGS, tag)
        self.env.filters["score"] = views.score_text   # {{ n|score(thread.score_unit) }}
        self.env.globals.update(site=config, version=__version__)
        self._macro = None
        self._excerpt = None

    def date(self, t: datetime | None, fmt: str | None = None) -> str:
        """A time in the site's zone and format; empty when unknown."""
        return t.astimezone(self.zone).strftime(fmt or self.config.date_format) if t else ""

    def permalink(self, v: CommentView) -> str:
        """A comment's own address from the thread page: its page, or its anchor without pages."""
        return f"{routes.COMMENTS}/{v.enc}/" if self.config.comment_pages else f"#{v.anchor}"

    def comment_url(self, slug: str, v: CommentView | views.Ref, prefix: str) -> str:
        """A comment's permalink for structured data and feeds: absolute with base_url, else
        relative from a page `prefix` away from the thread page."""
        absolute = self.links.absolute(routes.slug_dir(slug))
        return (absolute or prefix) + self.permalink(v)

    def page(self, template: str, **context: Any) -> str:
        with template_errors(template, self.env):
            text = self.env.get_template(template).render(**context)
        return routes.offline_links(text) if self.config.offline else text

    def comment_html(self, v: CommentView, view: ThreadView, prefix: str, current: bool = False
                     ) -> Markup:
        """One comment through the theme's `comment` macro (in _comment.html)."""
        with template_errors("_comment.html", self.env):
            if self._macro is None:
                self._macro = self.env.get_template("_comment.html").module.comment
            return self._macro(v, view, prefix, current)

    def excerpt_html(self, v: CommentView, href: str, text: str) -> Markup:
        """One comment in a line: who, when, `text`, linking to `href` (the `excerpt` macro
        in _excerpt.html)."""
        with template_errors("_excerpt.html", self.env):
            if self._excerpt is None:
                self._excerpt = self.env.get_template("_excerpt.html").module.excerpt
            return self._excerpt(v, href, text)


@contextmanager
def template_errors(template: str, env: jinja2.Environment | None = None) -> Iterator[None]:
    """A theme's mistake as a message naming the template and its line: a syntax error, an
    undefined variable, a missing include, an error the template's own code raises
    (`{{ 1/0 }}`); with `env`, templates that include or extend each other without end too."""
    try:
        yield
    except ThreadpressError:
        raise   # already placed (an inner template's error, an unreadable template)
    except jinja2.TemplateSyntaxError as e:
        raise ThreadpressError.one(f"template error: {e.message}", e.filename or template,
                                   e.lineno) from None
    except RecursionError as e:
        if env is None:
            raise
        error = themefs.recursion_error(env, template)
        [d] = error.diagnostics
        file, line = template_line(e)
        if d.line is None and file is not None and sitefs.shown(file) == d.file:
            d.line = line   # a macro calling itself: where it calls
        raise error from None
    except jinja2.TemplateNotFound as e:
        file, line = template_line(e)   # where it is included, extended or imported
        if file is None:
            raise ThreadpressError.one(f"template error: {e}", template) from None
        raise ThreadpressError.one(f"template error: no template named {e.name!r}",
                                   sitefs.shown(file), line) from None
    except Exception as e:   # UndefinedError, ZeroDivisionError, a filter's bad argument, …
        file, line = template_line(e)
        if file is None and not isinstance(e, jinja2.TemplateError):
            raise   # not raised in a template: threadpress's own bug, shown whole
        text = str(e) if isinstance(e, jinja2.TemplateError) else f"{type(e).__name__}: {e}"
        raise ThreadpressError.one(f"template error: {text}",
                                   sitefs.shown(file) if file else template, line) from None


def template_line(e: BaseException) -> tuple[str | None, int | None]:
    """The template file and line where `e` was raised: the innermost frame of template code in
    its traceback (Jinja's rewritten frames, or compiled template code), else (None, None)."""
    found: tuple[str | None, int | None] = (None, None)
    tb = e.__traceback__
    while tb is not None:
        g = tb.tb_frame.f_globals
        if "__jinja_exception__" in g:   # a frame Jinja rewrote to point at the source
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        elif g.get("__jinja_template__") is not None and g["__jinja_template__"].filename:
            t = g["__jinja_template__"]
            found = (t.filename, t.get_corresponding_lineno(tb.tb_lineno))
        tb = tb.tb_next
    return found


def template_diagnostics(r: Renderer, theme: Theme) -> list[Diagnostic]:
    """Every template of the site's own theme folders compiled, and every kind of page rendered
    once from a sample thread, each mistake a message naming the template and line: `check` and
    `build` refuse a broken template even where no page uses it yet, and an error in what the
    template does with any thread (an undefined name, a missing include, a macro calling itself
    without end, `{{ 1/0 }}`) before a real thread is rendered. An error that only some
    thread's data brings out is found by the build alone, on that thread's page.
    The built-in themes are not checked: they are tested with threadpress."""
    builtin = builtin_themes()
    found: list[Diagnostic] = []
    own = [folder for folder in theme.template_dirs if not sitefs.inside(folder, builtin)]
    for folder in own:
        for path in sitefs.walk(folder, folder.parent, skip=lambda n: n.startswith(".")).files:
            if path.suffix not in TEMPLATE_SUFFIXES:   # an editor's backup, a note, an image
                continue
            name = path.relative_to(folder).as_posix()
            try:
                with template_errors(name, r.env):
                    r.env.get_template(name)
            except ThreadpressError as e:
                found += e.diagnostics
    if own and not found:
        found += _sample_diagnostics(r)
    return found


SAMPLE = """\
title: A sample thread
author: alice
created: 2024-01-02T03:04:05Z
tags: [sample]
url: https://example.org/sample
body: The *opening* post, with [a link](https://example.org/).
comments:
  - {id: '1', author: bob, created: 2024-01-02T04:00:00Z, score: 3, body: A reply.}
  - {id: '2', parent: '1', author: alice, created: 2024-01-02T05:00:00Z, body: "> A reply.\\n\\nIts answer."}
  - {id: '3', author: carol, created: 2024-01-03T00:00:00Z, body: Another.}
"""


def _sample_diagnostics(r: Renderer) -> list[Diagnostic]:
    """The first template error met rendering every kind of page from SAMPLE (one error: the
    pages share their templates, so the rest would repeat it)."""
    try:
        for _ in _sample_pages(r):
            pass
    except ThreadpressError as e:
        for d in e.diagnostics:
            d.message += " (on a sample page)"
        return e.diagnostics
    return []


def _sample_pages(r: Renderer) -> Iterator[tuple[str, str]]:
    """Every kind of page the build makes, for one sample thread: thread, comment, alias
    redirect, removed, index, tag, author and term lists, 404, search."""
    import tempfile
    from dataclasses import replace as copy

    from .. import taxonomies
    from ..load import load_text
    from . import lists

    thread, _ = load_text(SAMPLE, "sample.yaml", "sample")
    assert thread is not None
    thread.aliases = ["sample-before"]
    view = views.thread_view(thread, r.config.remote_images, None, r.config.comment_pages)
    yield from thread_pages(r, thread, None, view)
    yield from removed_pages(r, copy(thread, removed="", aliases=[]))
    summary = views.summary(thread)
    yield from index_pages(r, [summary])
    yield routes.NOT_FOUND, not_found_page(r)
    yield routes.SEARCH_PAGE, search_page(r, [routes.search_bundle("sample")])
    if "tags" in r.config.taxonomies:
        yield from lists.tag_pages(r, [summary])
    if "authors" in r.config.taxonomies:
        with tempfile.TemporaryDirectory(prefix="threadpress-sample-") as folder:
            taxonomies.spill(view, taxonomies.side_file(folder, "sample.yaml", ""))
            store = taxonomies.Posts(folder, {"sample.yaml": (summary, "")})
            try:
                yield from lists.author_pages(r, store, taxonomies.Reuse(Path(folder), ""))
            finally:
                store.close()


def rebase(html: Markup, prefix: str) -> Markup:
    """A body's `>>ID` links, pointed at the thread page from a page `prefix` away from it."""
    return Markup(bodies.rebase_quotelinks(str(html), prefix))


def thread_pages(r: Renderer, thread: Thread, archive: Archive | None = None,
                 view: ThreadView | None = None) -> Iterator[tuple[str, str]]:
    """(path, text) for a thread's page, its JSON, when enabled its comment pages, and the
    redirects of its aliases; a removed thread's addresses serve a notice instead."""
    yield from alias_pages(r, thread)
    if thread.removed is not None:
        yield from removed_pages(r, thread)
        return
    yield from _thread_pages(r, thread, archive, view)


def alias_pages(r: Renderer, thread: Thread) -> Iterator[tuple[str, str]]:
    """Redirects from each old slug, and from its comment pages, to the current ones."""
    here = routes.thread_page(thread.slug)
    for alias in thread.aliases:
        yield _redirect(r, routes.thread_page(alias), here)
        for c in thread.comments:
            page = routes.comment_page(alias, c.id)
            if r.config.comment_pages:
                yield _redirect(r, page, routes.comment_page(thread.slug, c.id))
            else:
                yield _redirect(r, page, here, anchor(c.id))


def _redirect(r: Renderer, page: str, target: str, fragment: str = "") -> tuple[str, str]:
    folder = routes.folder_of(target)
    href = r.links.href(page, folder) or "./"
    if r.config.offline:
        href += "index.html"
    href += f"#{fragment}" if fragment else ""
    canonical = r.links.absolute(target)
    return page, r.page("redirect.html", target=href,
                        canonical=canonical and canonical + (f"#{fragment}" if fragment else ""))


def removed_pages(r: Renderer, thread: Thread) -> Iterator[tuple[str, str]]:
    """A notice where the thread was, at its page and its comment pages, so links to them land;
    its JSON says only that it was removed."""
    pages = [routes.thread_page(thread.slug)]
    if r.config.comment_pages:
        pages += [routes.comment_page(thread.slug, c.id) for c in thread.comments]
    for page in pages:
        yield page, r.page("removed.html", reason=thread.removed, root=r.links.href(page, ""),
                           canonical=None, description="")
    yield routes.thread_json(thread.slug), json.dumps(
        {"slug": thread.slug, "removed": thread.removed or True}, ensure_ascii=False) + "\n"


def _thread_pages(r: Renderer, thread: Thread, archive: Archive | None,
                  view: ThreadView | None = None) -> Iterator[tuple[str, str]]:
    view = view or views.thread_view(thread, r.config.remote_images, archive,
                                     r.config.comment_pages)
    slug = thread.slug
    page = routes.thread_page(slug)
    snippets = [r.comment_html(v, view, "") for v in view.comments]
    here = structured.thread_url(r.links, page, slug)
    yield page, r.page(
        "thread.html", thread=view, comments=view.comments, snippets=snippets,
        structured=structured.thread_data(view, here, lambda v: r.comment_url(slug, v, "")),
        root=r.links.href(page, ""), thread_root="", feed=routes.FEED if r.links.base_url else None,
        canonical=r.links.absolute(page), description=views.excerpt(view.html, DESCRIPTION))
    yield routes.thread_json(slug), thread_json(thread)
    if r.links.base_url:
        yield routes.thread_feed(slug), feeds.thread_feed(r, view)
    if not r.config.comment_pages:
        return
    del snippets
    # Every comment page sits at the same depth below its thread page: one prefix serves all.
    first = routes.comment_page(slug, view.comments[0].id) if view.comments else page
    to_thread = r.links.href(first, routes.slug_dir(slug))
    to_root = r.links.href(first, "")
    # A comment page: the comment in full; its ancestors (capped) and replies as excerpts, or,
    # for a theme that shows the chain whole (board), the ancestors in full (`chain`).
    # Each snippet is rendered the first time a page shows it and reused by every other page
    # that does, so the work stays linear in the comments (an ancestor appears on the pages of
    # all its descendants), and what no template reads is never rendered.
    # The parent gets a longer excerpt than the ancestors above it: a trail, not a transcript.
    as_parent, as_ancestor = (Snippets(lambda v, chars=chars: r.excerpt_html(
        v, f"{to_thread}#{v.anchor}", views.excerpt(v.html, chars)))
        for chars in (views.EXCERPT_CHARS, views.EXCERPT_CHARS // 2))
    as_reply = Snippets(lambda v: r.excerpt_html(v, to_thread + r.permalink(v), v.excerpt))
    whole = Snippets(lambda v: r.comment_html(v, view, to_thread))
    depth = r.config.context_depth
    for v in view.comments:
        chain = [view.comments[a.index] for a in thread.ancestors(v.c, limit=depth)]
        cut = chain[0].c.parent if chain and chain[0].c.parent is not None else None
        path = routes.comment_page(slug, v.id)
        yield path, r.page(
            "comment.html", thread=view, comment=v,
            snippet=r.comment_html(v, view, to_thread, current=True),
            structured=structured.comment_data(
                view, v, r.comment_url(slug, v, to_thread),
                r.comment_url(slug, v.parent, to_thread) if v.parent else
                structured.thread_url(r.links, path, slug)),
            ancestors=Page(chain, lambda i, n=len(chain): as_parent if i == n - 1
                           else as_ancestor),
            chain=Page(chain, lambda i: whole),
            replies=Page([view.comments[thread.positions[k]] for k in v.c.children],
                         lambda i: as_reply),
            more_above=None if cut is None else view.comments[thread.positions[cut]],
            root=to_root, thread_root=to_thread, canonical=r.links.absolute(path),
            description=v.excerpt)


class Snippets:
    """One way of showing a thread's comments (an excerpt, the whole comment), each rendered
    the first time a page asks for it and kept for the other pages that show it."""

    def __init__(self, render: Callable[[CommentView], Markup]) -> None:
        self._render = render
        self._done: dict[int, Markup] = {}

    def __call__(self, v: CommentView) -> Markup:
        html = self._done.get(v.c.index)
        if html is None:
            html = self._done[v.c.index] = self._render(v)
        return html


class Page(Sequence[Markup]):
    """The snippets one page shows, in order (`how(i)` says which Snippets the i-th one is),
    rendered only when the template reads them: a theme that shows the chain whole never
    pays for its excerpts, and the default theme never for the whole chain."""

    def __init__(self, comments: list[CommentView],
                 how: Callable[[int], Snippets]) -> None:
        self._comments = comments
        self._how = how

    def __len__(self) -> int:
        return len(self._comments)

    @overload
    def __getitem__(self, i: int) -> Markup: ...
    @overload
    def __getitem__(self, i: slice) -> list[Markup]: ...

    def __getitem__(self, i: int | slice) -> Markup | list[Markup]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        return self._how(i)(self._comments[i])


def index_pages(r: Renderer, threads: list[Summary]) -> Iterator[tuple[str, str]]:
    """The paginated list of threads: index.html, page/2/index.html, … With the site's
    `index_singles: apart`, threads without replies are listed apart, under single/."""
    singles = [t for t in threads if not t.count] if r.config.index_singles == "apart" else []
    if singles:
        threads = [t for t in threads if t.count]
    yield from _listing(r, threads, "", "all" if not singles else "discussed", len(singles))
    if singles:
        yield from _listing(r, singles, routes.SINGLES, "single", len(singles))


def _listing(r: Renderer, threads: list[Summary], listing_dir: str, listing: str,
             singles: int) -> Iterator[tuple[str, str]]:
    """One paginated listing in `listing_dir` ("" for the site's index)."""
    per = r.config.per_page
    pages = max(1, -(-len(threads) // per))
    for n in range(1, pages + 1):
        path = routes.index_page(n, listing_dir)
        yield path, r.page(
            "index.html", threads=threads[(n - 1) * per: n * per], page=n, pages=pages,
            root=r.links.href(path, ""), listing=listing, singles=singles,
            singles_url=r.links.href(path, routes.SINGLES),
            page_url=lambda k, here=path: r.links.href(
                here, routes.folder_of(routes.index_page(k, listing_dir))),
            feed=r.links.href(path, routes.FEED) if r.links.base_url else None,
            canonical=r.links.absolute(path), description=r.config.description)


def not_found_page(r: Renderer) -> str:
    """404.html is served at any depth, so its links start from base_url or the domain's root."""
    return r.page("404.html", root=r.config.base_url or "/", canonical=None, description="")


def search_page(r: Renderer, bundles: list[str]) -> str:
    """search/index.html: Pagefind's UI over every shard (`bundles`, from the site root); the
    query comes from the box on every page (`?q=`)."""
    path = routes.SEARCH_PAGE
    return r.page("search.html", root=r.links.href(path, ""),
                  bundles=[r.links.href(path, b) for b in bundles],
                  canonical=r.links.absolute(path), description="")


def thread_json(thread: Thread) -> str:
    """The normalised thread, for readers and tools: flat comments in pre-order, compact."""
    data = {
        "id": thread.id, "slug": thread.slug, "title": thread.title, "url": thread.url,
        "source": thread.source, "author": thread.author, "created": iso(thread.created) or None,
        "points": thread.points, "tags": thread.tags, "format": thread.format, "body": thread.body,
        "extra": thread.extra,
        "comments": [_compact({
            "id": c.id, "parent": c.parent, "depth": c.depth, "author": c.author,
            "created": iso(c.created) or None,
            "edited": c.edited if isinstance(c.edited, bool) or c.edited is None else iso(c.edited),
            "score": c.score, "deleted": c.deleted, "dead": c.dead, "url": c.url,
            "format": c.format, "body": c.body, "orphan": c.orphan, "extra": c.extra,
            "removed": c.removed if c.removed else c.removed is not None,
        }) for c in thread.comments],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"),
                      default=_json_default) + "\n"


_ALWAYS = ("id", "depth")
_EMPTY = (None, False, "", {}, "markdown")   # "markdown": the default format


def _compact(comment: dict[str, Any]) -> dict[str, Any]:
    """A comment without its empty fields: an absent key means null, false, "" or {}, and an
    absent `format` means markdown."""
    return {k: v for k, v in comment.items()
            if k in _ALWAYS or not any(v is e or (v == e and type(v) is type(e)) for e in _EMPTY)}


def _json_default(v: Any) -> Any:
    if isinstance(v, datetime):
        return iso(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)
