"""`threadpress import hn-dump`: Firebase/BigQuery items → one thread per story."""

from __future__ import annotations

import io
import json
from pathlib import Path

import dumpfiles
from dumpfiles import parsed
from support import loads_cleanly
from threadpress.cli import main
from threadpress.errors import ThreadpressError
from threadpress.importers.dumpio import Progress
from threadpress.importers.dumps import run_dump

OWN = Path(__file__).resolve().parent / "fixtures" / "import"


def story(i: int, kids: list[int] = (), **fields) -> dict:
    d = {"id": i, "type": "story", "by": "pg", "time": 1160418111 + i, "title": f"Story {i}",
         "url": f"https://example.org/{i}", "score": 10, "descendants": len(kids),
         "kids": list(kids)}
    d.update(fields)
    return d


def comment(i: int, parent: int, kids: list[int] = (), **fields) -> dict:
    d = {"id": i, "type": "comment", "by": f"user{i}", "time": 1160418111 + i, "parent": parent,
         "text": f"<p>comment {i}</p>", "kids": list(kids)}
    d.update(fields)
    return d


def import_dump(site: Path, *files: Path, **opts):
    return run_dump("hn-dump", [str(f) for f in files], site / "content", "yaml",
                    progress=Progress(io.StringIO()), **opts)


def thread_file(site: Path, tid: int) -> dict:
    [path] = (site / "content" / "hn").glob(f"{tid}.*")
    return parsed(path)


def shape(t: dict) -> list[tuple]:
    return [(c["id"], c.get("parent")) for c in t["comments"]]


ITEMS = [story(1, [3, 2]), comment(2, 1, [4]), comment(3, 1), comment(4, 2),
         story(10, [11], type="poll", parts=[12, 13], title="Poll?"),
         {"id": 12, "type": "pollopt", "poll": 10, "parent": 10, "text": "Yes", "score": 5,
          "time": 1160418200},
         {"id": 13, "type": "pollopt", "poll": 10, "parent": 10, "text": "No", "score": 2,
          "time": 1160418200},
         comment(11, 10, dead=True, text="[dead]"),
         {"id": 20, "type": "job", "by": "yc", "time": 1160418300, "title": "Hiring",
          "text": "<p>Apply</p>"},
         comment(21, 1, deleted=True, by=None, text=None)]


def test_stories_polls_jobs_dead_and_deleted(tmp_path):
    site = tmp_path / "site"
    summary = import_dump(site, dumpfiles.write(tmp_path, "items", ITEMS, "zstd-long"))
    assert (summary.items, summary.threads, summary.orphans) == (10, 3, 0)
    t1 = thread_file(site, 1)
    assert t1["title"] == "Story 1" and t1["format"] == "html"
    assert shape(t1) == [("3", None), ("2", None), ("4", "2"), ("21", None)]  # `kids` order
    by = {c["id"]: c for c in t1["comments"]}
    assert by["21"]["deleted"] is True and "author" not in by["21"]
    poll = thread_file(site, 10)
    assert [(o["text"], o["votes"]) for o in poll["poll"]["options"]] == [("Yes", 5), ("No", 2)]
    assert shape(poll) == [("11", None)] and poll["comments"][0]["dead"] is True
    assert "body" not in poll["comments"][0]  # "[dead]" is a stand-in, not text
    assert thread_file(site, 20)["comments"] == []
    for tid in (1, 10, 20):
        loads_cleanly(thread_file(site, tid))


def test_same_as_the_single_thread_importer(tmp_path):
    """hn-dump writes what `import hn` writes for the same Firebase items."""
    src = OWN / "hn-firebase-small.jsonl"
    one, many = tmp_path / "one", tmp_path / "many"
    assert main(["import", "hn", str(src), "-o", str(one / "content")]) == 0
    import_dump(many, src)
    [a] = (one / "content" / "hn").iterdir()
    # the same file, but for `archived` (when the payload was saved), which only `import` stamps
    single = a.read_text().splitlines(keepends=True)
    assert (many / "content" / "hn" / a.name).read_text() == "".join(
        line for line in single if not line.startswith("archived: "))


def test_json_array_and_bigquery_strings(tmp_path):
    site = tmp_path / "site"
    quoted = [{k: str(v) if k in ("id", "parent", "time", "score") else v
               for k, v in item.items()} for item in ITEMS[:4]]
    for item in quoted:  # the BigQuery table has no kids, and a timestamp beside time
        item.pop("kids", None)
        item["timestamp"] = "2006-10-09 18:21:51 UTC"
    path = tmp_path / "bq.json"
    path.write_text(json.dumps(quoted, indent=1))
    import_dump(site, path)
    t = thread_file(site, 1)
    assert shape(t) == [("2", None), ("4", "2"), ("3", None)]  # no kids: id order
    assert t["points"] == 10 and t["created"] == "2006-10-09T18:21:52Z"


def test_replies_in_a_later_dump_find_their_story(tmp_path):
    site = tmp_path / "site"
    first = dumpfiles.write(tmp_path, "m1", ITEMS[:4], "gzip")
    import_dump(site, first)
    later = [comment(30, 4), comment(31, 30), comment(32, 99)]  # 99 was never imported
    summary = import_dump(site, dumpfiles.write(tmp_path, "m2", later, "bz2"))
    assert (summary.threads, summary.changed, summary.orphans) == (1, 1, 1)
    t = thread_file(site, 1)
    assert shape(t) == [("3", None), ("2", None), ("4", "2"), ("30", "4"), ("31", "30")]
    assert t["title"] == "Story 1" and not any(c.get("removed_upstream") for c in t["comments"])
    again = import_dump(site, tmp_path / "m2.jsonl.bz2")
    assert again.changed == 0
    both = tmp_path / "both"
    import_dump(both, first, tmp_path / "m2.jsonl.bz2")
    assert (both / "content/hn/1.yaml").read_bytes() == (site / "content/hn/1.yaml").read_bytes()


def test_deep_chain_and_parent_cycles_without_recursion(tmp_path):
    site = tmp_path / "site"
    depth = 3000
    # Parents with higher ids than their replies (never so on HN, possible in bad data): the
    # first item climbs the whole chain, and every item on the way learns its story.
    items = [story(90000, [depth + 1])] + [comment(i, i + 1 if i <= depth else 90000)
                                            for i in range(2, depth + 2)]
    items += [comment(90001, 90002), comment(90002, 90001)]  # a cycle: no story
    summary = import_dump(site, dumpfiles.write(tmp_path, "deep", items, "xz"))
    assert summary.orphans == 2
    t = loads_cleanly(thread_file(site, 90000))
    assert t.max_depth == depth - 1


def test_bad_lines_and_time_filter(tmp_path, capsys):
    site = tmp_path / "site"
    items = [story(1), "nope", {"id": "abc"}, comment(2, 1, time="soon"), comment(3, 1),
             comment(4, 1, time=1700000000), dict(comment(5, 1), kids=7), comment(6, 1, text={})]
    path = dumpfiles.write(tmp_path, "bad", items)
    assert main(["import", "hn-dump", str(path), "--until", "2020-01-01",
                 "-o", str(site / "content")]) == 0
    out = capsys.readouterr()
    lines = out.err.splitlines()
    assert [line.split(": warning:")[0] for line in lines] == [
        f"{path}:2", f"{path}:3", f"{path}:4", f"{path}:7", f"{path}:8"]
    assert [line.split(": warning: ")[1].split(":")[0] for line in lines[1:]] == [
        "id", "time", "kids", "text"]
    assert shape(thread_file(site, 1)) == [("3", None)]
    assert "1 filtered out" in out.out and "5 bad lines" in out.out


def test_subreddit_is_not_an_hn_option(tmp_path, capsys):
    path = dumpfiles.write(tmp_path, "x", ITEMS[:1])
    assert main(["import", "hn-dump", str(path), "--subreddit", "a", "-o", str(tmp_path)]) == 1
    assert "--subreddit is for reddit-dump" in capsys.readouterr().err


def test_any_field_values_give_files_or_bad_lines_never_a_traceback(tmp_path_factory):
    """Hostile items: whatever the values, each line is imported cleanly or counted as bad."""
    from hypothesis import HealthCheck, given, settings, strategies as st
    keys = ["id", "type", "by", "time", "text", "parent", "kids", "url", "score", "title",
            "descendants", "dead", "deleted", "parts", "poll"]
    values = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(),
                       st.sampled_from([2 ** 63, -2 ** 70, "\u00b2", "12\u0663", "007"]),
                       st.text(max_size=6), st.sampled_from(["1", "2", "story", "comment",
                                                             "pollopt", "poll", "[dead]"]),
                       st.lists(st.one_of(st.integers(0, 4), st.text(max_size=2)), max_size=3),
                       st.dictionaries(st.text(max_size=2), st.none(), max_size=1))
    hostile = st.dictionaries(st.sampled_from(keys), values, max_size=3)
    item = st.one_of(st.builds(lambda h: {**story(1, [2]), **h}, hostile),
                     st.builds(lambda h: {**comment(2, 1), **h}, hostile),
                     st.builds(lambda h: {**comment(3, 2), **h}, hostile))

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(item, min_size=1, max_size=5))
    def check(items):
        tmp = tmp_path_factory.mktemp("fuzz")
        try:
            summary = import_dump(tmp / "site", dumpfiles.write(tmp, "f", items))
        except ThreadpressError as exc:  # a thread the converter refuses: named, not a crash
            assert all(d.file for d in exc.diagnostics)
            return
        assert summary.items + summary.bad.count + summary.skipped == len(items)
        for path in (tmp / "site" / "content" / "hn").glob("*"):
            loads_cleanly(parsed(path))

    check()


def test_a_second_import_of_the_same_site_at_once_is_refused(tmp_path, capsys):
    import sqlite3
    site = tmp_path / "site"
    path = dumpfiles.write(tmp_path, "items", ITEMS[:4])
    import_dump(site, path)
    holder = sqlite3.connect(site / ".threadpress" / "hn-dump.sqlite", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # as a running import does
    try:
        assert main(["import", "hn-dump", str(path), "-o", str(site / "content")]) == 1
    finally:
        holder.close()
    err = capsys.readouterr().err
    assert err.startswith(f"{site / '.threadpress'}: error: the import's working database failed")
    assert not list((site / ".threadpress").glob("spill-*"))
