"""Importers: turn a discussion site's saved payload into threadpress thread files."""

from __future__ import annotations

import importlib
from types import ModuleType

from ..errors import ThreadpressError

SOURCES: dict[str, str] = {
    "hn": "threadpress.importers.hn",
    "reddit": "threadpress.importers.reddit",
    "lobsters": "threadpress.importers.lobsters",
    "discourse": "threadpress.importers.discourse",
    "github": "threadpress.importers.github",
    "mastodon": "threadpress.importers.mastodon",
    "mbox": "threadpress.importers.mbox",
}


def get(source: str) -> ModuleType:
    """The importer module for a source name; ThreadpressError listing the known ones otherwise."""
    if source not in SOURCES:
        known = ", ".join(SOURCES)
        raise ThreadpressError.one(f"unknown import source {source!r}: expected one of {known}")
    return importlib.import_module(SOURCES[source])
