"""The index: reply counts, and threads without replies listed apart when the site asks
(`index_singles: apart`), in both themes (checked by parsing pages and following links)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dom import Element, parse_file
from threadpress.build import build_site
from threadpress.cli import main

THEMES = ["default", "board"]


def write(root: Path, config: str) -> Path:
    (root / "content").mkdir(parents=True)
    for i in range(5):  # t0, t2, t4 have replies (i of them); t1, t3 have none
        replies = "".join(f"  - id: r{k}\n" for k in range(i)) if i % 2 == 0 else ""
        (root / "content" / f"t{i}.yaml").write_text(
            f"title: T{i}\ncreated: 2024-01-0{i + 1}T00:00:00Z\n"
            + ("comments:\n" + replies if replies else ""), encoding="utf-8")
    (root / "threadpress.yaml").write_text(config, encoding="utf-8")
    assert build_site(root, quiet=True) == 0
    return root / "output"


def listed(page: Path) -> list[tuple[str, str]]:
    """(title, reply-count link text) of each thread on an index page."""
    doc = parse_file(page)
    out = []
    for li in doc.find("ol", cls="threads").find_all("li"):
        count = [a for a in li.find_all("a") if a.attrs["href"].endswith("#comments")][0]
        out.append((li.find("a", cls="title").text, count.text))
    return out


def note(page: Path) -> Element | None:
    return parse_file(page).find("p", cls="listing-note")


@pytest.mark.parametrize("theme", THEMES)
def test_mixed_by_default_with_reply_counts(tmp_path, theme):
    out = write(tmp_path, f"theme: {theme}\n")
    assert listed(out / "index.html") == [
        ("T4", "4 comments"), ("T3", "0 comments"), ("T2", "2 comments"), ("T1", "0 comments"),
        ("T0", "0 comments")]
    assert note(out / "index.html") is None and not (out / "single").exists()


@pytest.mark.parametrize("theme", THEMES)
def test_threads_without_replies_are_listed_apart(tmp_path, theme):
    out = write(tmp_path, f"theme: {theme}\nindex_singles: apart\nper_page: 1\n")
    assert listed(out / "index.html") == [("T4", "4 comments")]
    assert listed(out / "page" / "2" / "index.html") == [("T2", "2 comments")]
    assert not (out / "page" / "3").exists()   # T0 has no replies either (range(0))
    link = note(out / "index.html").find("a")
    assert link.text == "3 threads without replies" and link.attrs["href"] == "single/"
    singles = [listed(out / "single" / "index.html"),
               listed(out / "single" / "page" / "2" / "index.html"),
               listed(out / "single" / "page" / "3" / "index.html")]
    assert singles == [[("T3", "0 comments")], [("T1", "0 comments")], [("T0", "0 comments")]]
    page2 = out / "single" / "page" / "2" / "index.html"
    doc = parse_file(page2)
    assert doc.find("h1").text == "Threads without replies"
    assert " ".join(note(page2).text.split()).startswith("3 threads with no replies, listed apart")
    back = note(page2).find("a").attrs["href"]
    assert (page2.parent / back / "index.html").resolve() == (out / "index.html").resolve()
    for rel in ("prev", "next"):
        href = doc.find("a", rel=rel).attrs["href"]
        assert (page2.parent / href / "index.html").is_file()
    thread = doc.find("a", cls="title").attrs["href"]
    assert (page2.parent / thread / "index.html").resolve() == (out / "t1" / "index.html").resolve()


def test_index_singles_must_be_mixed_or_apart(tmp_path, capsys):
    (tmp_path / "content").mkdir()
    (tmp_path / "threadpress.yaml").write_text("index_singles: hidden\n")
    assert main(["build", str(tmp_path), "-q"]) == 1
    err = capsys.readouterr().err
    assert err.endswith("error: index_singles: expected one of mixed, apart, found 'hidden'\n")
