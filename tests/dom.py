"""A small DOM from the standard library's HTML parser, so tests check structure, not strings."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterator

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list["Element | str"] = field(default_factory=list)
    parent: "Element | None" = None
    comments: list[str] = field(default_factory=list)  # on the document: every <!-- --> in it

    def iter(self) -> Iterator["Element"]:
        """This element and every element below it, in document order (no recursion)."""
        stack: list[Element] = [self]
        while stack:
            el = stack.pop()
            yield el
            stack.extend(reversed([c for c in el.children if isinstance(c, Element)]))

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> list["Element"]:
        out = []
        for el in self.iter():
            if tag and el.tag != tag:
                continue
            if cls and cls not in el.classes:
                continue
            if all(el.attrs.get(k) == v for k, v in attrs.items()):
                out.append(el)
        return out

    def find(self, tag: str | None = None, cls: str | None = None, **attrs: str) -> "Element | None":
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def text(self) -> str:
        parts = []
        stack: list[Element | str] = [self]
        while stack:
            node = stack.pop()
            if isinstance(node, str):
                parts.append(node)
            else:
                stack.extend(reversed(node.children))
        return "".join(parts)


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list) -> None:
        el = Element(tag, {k: (v if v is not None else "") for k, v in attrs}, parent=self.current)
        self.current.children.append(el)
        if tag not in VOID:
            self.current = el

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.current.children.append(
            Element(tag, {k: (v if v is not None else "") for k, v in attrs}, parent=self.current))

    def handle_endtag(self, tag: str) -> None:
        el = self.current
        while el is not self.root and el.tag != tag:
            el = el.parent
        if el is not self.root:
            self.current = el.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)

    def handle_comment(self, data: str) -> None:
        self.root.comments.append(data)


def parse(html: str) -> Element:
    b = _Builder()
    b.feed(html)
    b.close()
    return b.root


def parse_file(path: Path) -> Element:
    return parse(path.read_text(encoding="utf-8"))
