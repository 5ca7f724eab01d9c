"""Tag pages, author pages and the lists of all tags and authors (see taxonomies.py)."""

from __future__ import annotations

from datetime import datetime
from itertools import islice
from typing import Any, Callable, Iterable, Iterator

from .. import routes, taxonomies
from ..model import Summary
from .pages import Renderer


def _pages(r: Renderer, template: str, path_of: Callable[[int], str], items: Iterable[Any],
           total: int, per: int, convert: Callable[[str, list], list], **context: Any
           ) -> Iterator[tuple[str, str]]:
    """Pages of `per` items each, read from `items` one page at a time."""
    pages = max(1, -(-total // per))
    it = iter(items)
    for n in range(1, pages + 1):
        path = path_of(n)
        chunk = convert(path, list(islice(it, per)))
        yield path, r.page(
            template, items=chunk, page=n, pages=pages, root=r.links.href(path, ""),
            page_url=lambda k, here=path: r.links.href(here, routes.folder_of(path_of(k))),
            canonical=r.links.absolute(path), **context)


def tag_pages(r: Renderer, ordered: list[Summary]) -> Iterator[tuple[str, str]]:
    """Each tag's threads (in index order, `per_page` a page), then the list of all tags."""
    terms = []
    for tag, threads in taxonomies.tag_pages(ordered):
        terms.append((tag, len(threads)))
        yield from _pages(r, "tag.html", lambda n, t=tag: routes.term_page(routes.TAGS, t, n),
                          threads, len(threads), r.config.per_page, lambda _, c: c, tag=tag,
                          description=f"Threads tagged {tag}")
    yield from _terms(r, routes.TAGS, terms, len(terms))


def author_pages(r: Renderer, posts: taxonomies.Posts, reuse: taxonomies.Reuse
                 ) -> Iterator[tuple[str, str]]:
    """Each author's posts (newest first), then the list of all authors; an author whose
    pages are unchanged is left to `reuse` (moved from the live output, not rendered)."""
    link = taxonomies.post_link(r.links, r.config.comment_pages)

    def convert(page: str, rows: list) -> list[dict[str, Any]]:
        return [{"href": link(page, slug, cid), "thread": title,
                 "thread_href": r.links.href(page, routes.slug_dir(slug)),
                 "created": datetime.fromisoformat(created) if created else None,
                 "text": text, "opening": pos < 0}
                for created, slug, title, pos, cid, text in rows]

    for name, count in posts.authors():
        digest = reuse.digest(posts, name)
        if reuse.keep(name, digest, routes.folder_of(routes.term_page(routes.AUTHORS, name, 1))):
            continue
        files = size = 0
        for path, text in _pages(r, "author.html",
                                 lambda n, a=name: routes.term_page(routes.AUTHORS, a, n),
                                 posts.of(name), count, taxonomies.POSTS_PER_PAGE, convert,
                                 author=name, count=count,
                                 description=f"Everything {name} wrote"):
            files, size = files + 1, size + len(text.encode("utf-8"))
            yield path, text
        reuse.pages[name] = [digest, files, size]
    yield from _terms(r, routes.AUTHORS, posts.authors(), posts.count())


def _terms(r: Renderer, taxonomy: str, terms: Iterable[tuple[str, int]], total: int
           ) -> Iterator[tuple[str, str]]:
    """The list of all tags or authors, with how many threads or posts each has."""

    def convert(page: str, chunk: list) -> list[dict[str, Any]]:
        return [{"name": name, "count": count, "href": r.links.href(
            page, routes.folder_of(routes.term_page(taxonomy, name, 1)))} for name, count in chunk]

    yield from _pages(r, "terms.html", lambda n: routes.terms_page(taxonomy, n), terms, total,
                      taxonomies.TERMS_PER_PAGE, convert, taxonomy=taxonomy,
                      description="")

