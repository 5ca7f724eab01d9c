"""Lobsters importer: three schema generations of `/s/<short_id>.json`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from threadpress.errors import ThreadpressError
from threadpress.importers import lobsters
from threadpress.importers.common import run_import
from support import REAL_FIXTURES, loads_cleanly

OWN = Path(__file__).resolve().parent / "fixtures" / "import"
STORIES = REAL_FIXTURES / "lobsters"
REAL = {
    "story-d9ucpe-2021-schema.json": (7, 2),
    "story-tdfoqh-2022-schema.json": (7, 3),
    "story-tdfoqh-2025-schema.json": (10, 3),
}


def convert(path: Path) -> dict:
    [t] = lobsters.convert(path.read_bytes(), str(path))
    return t


def test_2021_tree_rebuilt_from_indent_levels():
    t = convert(OWN / "lobsters-2021.json")
    assert [(c["id"], c.get("parent")) for c in t["comments"]] == [
        ("c00001", None), ("c00002", "c00001"), ("c00003", "c00002"), ("c00004", "c00001"),
        ("c00005", None), ("c00006", "c00005")]
    by = {c["id"]: c for c in t["comments"]}
    assert by["c00001"]["author"] == "u1" and by["c00001"]["avatar"] == "https://lobste.rs/avatars/u1-100.png"
    assert by["c00002"]["edited"] == "2021-04-03T23:00:00Z" and "edited" not in by["c00001"]
    assert by["c00004"]["deleted"] is True and "moderator_action" not in by["c00004"]
    assert by["c00005"]["deleted"] is True and by["c00005"]["moderator_action"] is True
    assert by["c00006"]["flags"] == 2
    assert by["c00001"]["format"] == "html" and by["c00001"]["body"] == "<p>top</p>\n"
    assert by["c00001"]["url"] == "https://lobste.rs/s/aaaaaa/t#c_c00001"
    assert t["tags"] == ["programming", "linux"] and t["author"] == "sub" and t["points"] == 9
    assert t["url"] == "https://example.com/post" and "body" not in t
    assert t["source"] == "https://lobste.rs/s/aaaaaa/old_schema_story"
    assert t["created"] == "2021-04-03T21:00:00Z"
    loads_cleanly(t)


def test_2025_depth_and_string_users():
    t = convert(OWN / "lobsters-2025.json")
    assert [(c["id"], c.get("parent"), c["author"]) for c in t["comments"]] == [
        ("d00001", None, "a"), ("d00002", "d00001", "b"), ("d00003", None, "c")]
    assert t["comments"][1]["edited"] == "2025-01-01T16:00:00Z" and "avatar" not in t["comments"][0]
    assert "url" not in t and t["body"] == "<p>desc</p>\n" and t["format"] == "html"
    loads_cleanly(t)


def test_level_stack_without_parent_field_matches_parent_field():
    """Dropping parent_comment from the 2025 fixture must rebuild the same tree from depth."""
    data = json.loads((OWN / "lobsters-2025.json").read_text())
    with_parent = lobsters.convert(json.dumps(data).encode(), "a.json")[0]
    for c in data["comments"]:
        del c["parent_comment"]
    without = lobsters.convert(json.dumps(data).encode(), "b.json")[0]
    assert with_parent == without


@pytest.mark.parametrize("payload, message", [
    (b"[]", "not a Lobsters story .json"),
    (b'{"short_id": "x"}', "not a Lobsters story .json"),
    (b'{"short_id": "x", "title": "t", "comments": [{"comment": "no id"}]}', "comments[0]"),
    (b'{"short_id": "x", "title": "t", "comments": 5}', "not a Lobsters story .json"),
])
def test_bad_input(payload, message):
    with pytest.raises(ThreadpressError) as err:
        lobsters.convert(payload, "bad.json")
    assert err.value.diagnostics[0].file == "bad.json" and message in str(err.value)


def test_reddit_file_given_to_lobsters(tmp_path):
    with pytest.raises(ThreadpressError) as err:
        run_import("lobsters", [str(OWN / "reddit-small.json")], tmp_path, "json")
    assert "not a Lobsters story" in str(err.value) and not any(tmp_path.iterdir())


# --- the real payloads -----------------------------------------------------------------------

def _expected(path: Path) -> list[tuple[str, str | None]]:
    """Independent parent extraction: parent_comment when present, else the nearest earlier
    comment one level up (levels from depth, else indent_level)."""
    out, levels = [], []
    for c in json.loads(path.read_bytes())["comments"]:
        level = c["depth"] if "depth" in c else c["indent_level"] - 1
        if "parent_comment" in c:
            parent = c["parent_comment"]
        else:
            parent = next((sid for sid, lv in reversed(levels) if lv == level - 1), None) if level else None
        out.append((c["short_id"], parent))
        levels.append((c["short_id"], level))
    return out


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_story(name):
    path = STORIES / name
    count, depth = REAL[name]
    t = convert(path)
    assert len(t["comments"]) == count  # PROVENANCE.md
    assert [(c["id"], c.get("parent")) for c in t["comments"]] == _expected(path)
    assert not any(c.get("deleted") for c in t["comments"])  # all is_deleted/is_moderated false
    assert all(c["author"] and c["format"] == "html" and c["body"] for c in t["comments"])
    thread = loads_cleanly(t)
    assert thread.max_depth == depth - 1


def test_real_2022_and_2025_agree_on_shared_comments():
    a, b = STORIES / "story-tdfoqh-2022-schema.json", STORIES / "story-tdfoqh-2025-schema.json"
    old = {c["id"]: c.get("parent") for c in convert(a)["comments"]}
    new = {c["id"]: c.get("parent") for c in convert(b)["comments"]}
    assert all(new[k] == v for k, v in old.items())
    t = convert(b)
    assert t["author"] == "gioele" and t["tags"] == ["meta"] and "url" not in t
    assert t["source"] == "https://lobste.rs/s/tdfoqh/ranking_comments_by_sum_replies_scores"


def test_reimport_new_schema_over_old_merges(tmp_path):
    """Re-importing the 2025 capture over the 2022 one: new comments added, nothing lost."""
    a, b = STORIES / "story-tdfoqh-2022-schema.json", STORIES / "story-tdfoqh-2025-schema.json"
    [p] = run_import("lobsters", [str(a)], tmp_path, "yaml")
    run_import("lobsters", [str(b)], tmp_path, "yaml")
    once = p.read_bytes()
    run_import("lobsters", [str(b)], tmp_path, "yaml")
    assert p.read_bytes() == once
    merged = yaml.safe_load(once)
    assert {c["id"] for c in merged["comments"]} >= {c["id"] for c in convert(a)["comments"]}
    assert not any(c.get("removed_upstream") for c in merged["comments"])
