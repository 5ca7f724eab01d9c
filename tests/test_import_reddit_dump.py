"""`threadpress import reddit-dump`: grouping, field variants, filters, months, errors."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

import dumpfiles
from dumpfiles import parsed
from dumpfiles import reddit_comment as rc, submission as rs
from support import REAL_FIXTURES, loads_cleanly
from threadpress.cli import main
from threadpress.errors import ThreadpressError
from threadpress.importers import reddit
from threadpress.importers.dumpio import Progress
from threadpress.importers.dumps import run_dump

# `path:line: warning: field: message` — bad lines carry a line but no column
WARNING = re.compile(r"^(?P<path>.+?):(?P<line>\d+): warning:(?: (?P<field>[^\s:]+):)? "
                     r"(?P<message>.*)$")


def month1() -> tuple[list[dict], list[dict]]:
    posts = [rs("aa1", title="Fish &amp; chips", selftext="&gt; quoted\n\n~~old~~ new"),
             rs("aa2", is_self=False, url="https://example.org/story", created_utc="1600000050"),
             rs("aa3", selftext="[removed]", author="[deleted]", score=..., permalink=...)]
    comments = [rc("c1", "aa1", created_utc=1600000100.0, edited=1600000500),
                rc("c2", "aa1", "c1", created_utc="1600000200", author="[deleted]",
                   body="[deleted]"),
                rc("c3", "aa1", "c2", body="[removed]", author="[deleted]", score=...,
                   distinguished="moderator", edited=...),
                rc("c4", "aa1", body="5 &lt; 6 &amp;&amp; so", subreddit=...),
                rc("c5", "aa2", created_utc=1600000300),
                rc("c6", "aa2", "c5", link_id="aa2", created_utc=1600000400)]  # no t3_ prefix
    return posts, comments


def import_dump(site: Path, *files: Path, **opts) -> object:
    return run_dump("reddit-dump", [str(f) for f in files], site / "content", "yaml",
                    progress=Progress(io.StringIO()), **opts)


def thread_file(site: Path, tid: str) -> dict:
    [path] = (site / "content" / "reddit").glob(f"{tid}.*")
    return parsed(path)


@pytest.fixture
def site(tmp_path) -> Path:
    return tmp_path / "site"


def test_groups_comments_under_submissions_by_link_and_parent(tmp_path, site):
    posts, comments = month1()
    summary = import_dump(site, dumpfiles.write(tmp_path, "RS", posts, "zstd"),
                          dumpfiles.write(tmp_path, "RC", comments, "zstd-long"))
    assert (summary.items, summary.threads, summary.changed, summary.bad.count) == (9, 3, 3, 0)
    t1 = thread_file(site, "aa1")
    assert [(c["id"], c.get("parent")) for c in t1["comments"]] == [
        ("c1", None), ("c2", "c1"), ("c3", "c2"), ("c4", None)]
    t2 = thread_file(site, "aa2")
    assert [(c["id"], c.get("parent")) for c in t2["comments"]] == [("c5", None), ("c6", "c5")]
    assert thread_file(site, "aa3")["comments"] == []
    for tid in ("aa1", "aa2", "aa3"):
        loads_cleanly(thread_file(site, tid))
    assert not list((site / ".threadpress").glob("spill-*"))  # the spill is gone


def test_fields_across_historical_variants(tmp_path, site):
    posts, comments = month1()
    import_dump(site, dumpfiles.write(tmp_path, "all", posts + comments, "gzip"))
    t1, t2, t3 = (thread_file(site, t) for t in ("aa1", "aa2", "aa3"))
    assert t1["title"] == "Fish & chips" and t1["body"] == "> quoted\n\n~~old~~ new"
    assert t1["format"] == "gfm" and t1["source"].endswith("/r/test/comments/aa1/post_aa1/")
    assert "url" not in t1  # a self post links to itself
    assert t2["url"] == "https://example.org/story" and t2["created"] == "2020-09-13T12:27:30Z"
    assert t3["deleted"] is True and t3["removed"] is True and "body" not in t3
    assert t3["source"] == "https://www.reddit.com/r/test/comments/aa3/"  # no permalink field
    by = {c["id"]: c for c in t1["comments"]}
    assert by["c1"]["created"] == "2020-09-13T12:28:20Z"
    assert by["c1"]["edited"] == "2020-09-13T12:35:00Z"
    assert by["c1"]["url"] == "https://www.reddit.com/r/test/comments/aa1/_/c1/"
    assert by["c2"]["deleted"] is True and "author" not in by["c2"] and "body" not in by["c2"]
    assert by["c3"]["removed"] is True and by["c3"]["distinguished"] == "moderator"
    assert "score" not in by["c3"] and "edited" not in by["c3"]
    assert by["c4"]["body"] == "5 < 6 && so" and by["c4"]["url"].startswith(
        "https://www.reddit.com/r/all/comments/aa1/")
    assert all(c["format"] == "gfm" for c in t1["comments"])


def test_one_mapping_for_api_and_dump():
    """The dump importer maps records with the API importer's functions, not copies."""
    import inspect
    from threadpress.importers import reddit_dump
    source = inspect.getsource(reddit_dump)
    assert "reddit.to_comment(" in source and "reddit.to_thread(" in source
    d = rc("x1", "p1", body="b")
    assert reddit.to_comment(d, None, {"permalink": "/r/t/comments/p1/_/"}, True)["body"] == "b"


@pytest.mark.parametrize("kind", list(dumpfiles.SUFFIX))
def test_every_compression_gives_the_same_files(tmp_path, kind):
    posts, comments = month1()
    site = tmp_path / kind
    import_dump(site, dumpfiles.write(tmp_path, f"d-{kind}", posts + comments, kind))
    plain = tmp_path / "plain-site"
    if not plain.exists():
        import_dump(plain, dumpfiles.write(tmp_path, "d-ref", posts + comments, "plain"))
    for name in ("aa1", "aa2", "aa3"):
        ours = (site / "content" / "reddit" / f"{name}.yaml").read_bytes()
        assert ours == (plain / "content" / "reddit" / f"{name}.yaml").read_bytes()


def test_next_month_merges_into_the_right_threads_idempotently(tmp_path, site):
    posts, comments = month1()
    import_dump(site, dumpfiles.write(tmp_path, "RS_2020-09", posts),
                dumpfiles.write(tmp_path, "RC_2020-09", comments))
    before = {p.name: p.read_bytes() for p in (site / "content" / "reddit").iterdir()}
    october = [rc("d1", "aa1", "c3", created_utc=1602000000),   # reply to last month's reply
               rc("d2", "aa1", created_utc=1602000100),
               rc("c4", "aa1", body="edited in October", created_utc=1600000100),
               rs("bb1", created_utc=1602000000)]
    oct_file = dumpfiles.write(tmp_path, "RC_2020-10", october, "zstd")
    summary = import_dump(site, oct_file)
    assert (summary.threads, summary.changed) == (2, 2)  # aa1 and bb1; aa2, aa3 untouched
    after = {p.name: p.read_bytes() for p in (site / "content" / "reddit").iterdir()}
    assert after["aa2.yaml"] == before["aa2.yaml"] and after["aa3.yaml"] == before["aa3.yaml"]
    t1 = thread_file(site, "aa1")
    assert [(c["id"], c.get("parent")) for c in t1["comments"]] == [
        ("c1", None), ("c2", "c1"), ("c3", "c2"), ("d1", "c3"), ("c4", None), ("d2", None)]
    assert t1["title"] == "Fish & chips"  # the submission from September is kept
    by = {c["id"]: c for c in t1["comments"]}
    assert by["c4"]["body"] == "edited in October"
    assert not any(c.get("removed_upstream") for c in t1["comments"])
    again = import_dump(site, oct_file)
    assert again.changed == 0
    assert {p.name: p.read_bytes() for p in (site / "content" / "reddit").iterdir()} == after
    # Both months at once give the same files as one after the other.
    fresh = tmp_path / "fresh"
    import_dump(fresh, dumpfiles.write(tmp_path, "RS_2020-09b", posts),
                dumpfiles.write(tmp_path, "RC_2020-09b", comments), oct_file)
    assert {p.name: p.read_bytes() for p in (fresh / "content" / "reddit").iterdir()} == after


def test_comments_before_their_submission_get_a_stub_then_the_real_thing(tmp_path, site):
    import_dump(site, dumpfiles.write(tmp_path, "RC", [rc("k1", "zz9"), rc("k2", "zz9", "k1")]))
    stub = thread_file(site, "zz9")
    assert stub["title"] == "Reddit post zz9" and len(stub["comments"]) == 2
    loads_cleanly(stub)
    import_dump(site, dumpfiles.write(tmp_path, "RS", [rs("zz9", title="Real title")]))
    full = thread_file(site, "zz9")
    assert full["title"] == "Real title" and full["author"] == "op"
    assert [c["id"] for c in full["comments"]] == ["k1", "k2"]


def test_a_dump_and_an_api_import_meet_in_one_file(tmp_path, site):
    """The CLI's default: a new thread file is JSON, an existing one keeps its format."""
    api = REAL_FIXTURES / "reddit" / "comments-3hahrw-funny-continue-thread.json"
    assert main(["import", "reddit", str(api), "-o", str(site / "content")]) == 0
    n = len(thread_file(site, "3hahrw")["comments"])
    path = dumpfiles.write(tmp_path, "RC", [rc("zzzzz1", "3hahrw"), rc("k1", "new1")])
    assert main(["import", "reddit-dump", str(path), "-o", str(site / "content")]) == 0
    assert sorted(p.name for p in (site / "content" / "reddit").iterdir()) == [
        "3hahrw.yaml", "new1.json"]
    t = thread_file(site, "3hahrw")
    assert len(t["comments"]) == n + 1 and t["comments"][-1]["id"] == "zzzzz1"
    assert t["title"] and not any(c.get("removed_upstream") for c in t["comments"])
    loads_cleanly(thread_file(site, "new1"))


def test_subreddit_and_time_filters(tmp_path, site):
    recs = [rs("s1", subreddit="AskHistorians"), rs("s2", subreddit="other"),
            rc("k1", "s1", subreddit="askhistorians", created_utc=1590000000),  # May 2020
            rc("k2", "s1", subreddit="AskHistorians", created_utc=1600000000),  # Sep 2020
            rc("k3", "s2", subreddit="other")]
    path = dumpfiles.write(tmp_path, "mixed", recs)
    summary = import_dump(site, path, subreddits=["r/askhistorians"], since="2020-06",
                          until="2020-10-01")
    assert [p.stem for p in (site / "content" / "reddit").iterdir()] == ["s1"]
    assert [c["id"] for c in thread_file(site, "s1")["comments"]] == ["k2"]
    assert summary.skipped == 3


def test_bad_lines_are_reported_by_line_and_field_and_not_fatal(tmp_path, site, capsys):
    recs = [rs("g1"), "{broken", rc("k1", "g1", created_utc="yesterday"), {"id": 5},
            {"id": "x", "what": "nothing"}, rc("k2", "g1"), rc("k3", "g1", body=["x"]),
            rc("k4", "g1", score="high"), rc("k5", "g1", edited="later")]
    path = dumpfiles.write(tmp_path, "bad", recs, "xz")
    assert main(["import", "reddit-dump", str(path), "-o", str(site / "content")]) == 0
    out = capsys.readouterr()
    found = [WARNING.match(line).groupdict() for line in out.err.splitlines()]
    assert [(d["path"], int(d["line"]), d["field"]) for d in found] == [
        (str(path), 2, None), (str(path), 3, "created_utc"), (str(path), 4, "id"),
        (str(path), 5, None), (str(path), 7, "body"), (str(path), 8, "score"),
        (str(path), 9, "edited")]
    assert out.out.strip() == "2 items imported, 1 threads, 1 written, 0 unchanged, 7 bad lines"
    assert [c["id"] for c in thread_file(site, "g1")["comments"]] == ["k2"]


def test_a_truncated_dump_imports_what_it_read_and_fails(tmp_path, site, capsys):
    whole = dumpfiles.compress(dumpfiles.lines([rs("t1"), rc("k1", "t1")]), "zstd")
    rest = dumpfiles.compress(dumpfiles.lines([rc(f"m{i}", "t1") for i in range(2000)]), "zstd")
    path = tmp_path / "RC_cut.zst"
    path.write_bytes(whole + rest[:len(rest) // 2])
    assert main(["import", "reddit-dump", str(path), "-o", str(site / "content")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    m = re.match(rf"^{re.escape(str(path))}:(\d+): error: truncated: the zstd stream stops", err[-1])
    assert m and 3 <= int(m.group(1)) < 2003
    read = int(m.group(1)) - 1  # every line before the break was imported
    assert [c["id"] for c in thread_file(site, "t1")["comments"]] == \
        ["k1"] + [f"m{i}" for i in range(read - 2)]


@pytest.mark.parametrize("args, message", [
    (["--since", "last week"], "--since: expected a date"),
    (["--until", "2020-13-01"], "--until: expected a date"),
])
def test_bad_options_name_the_option(tmp_path, capsys, args, message):
    path = dumpfiles.write(tmp_path, "RC", [rc("k1", "t1")])
    assert main(["import", "reddit-dump", str(path), *args, "-o", str(tmp_path / "c")]) == 1
    assert message in capsys.readouterr().err


def test_options_only_for_dumps_and_files_only(tmp_path, capsys):
    assert main(["import", "reddit", "x.json", "--subreddit", "a", "-o", str(tmp_path)]) == 1
    assert "are for reddit-dump and hn-dump" in capsys.readouterr().err
    assert main(["import", "reddit-dump", "-", "-o", str(tmp_path)]) == 1
    assert "not standard input" in capsys.readouterr().err
    with pytest.raises(ThreadpressError):
        run_dump("reddit-dump", [str(tmp_path / "missing.zst")], tmp_path / "c", "yaml",
                 progress=Progress(io.StringIO()))


def test_deep_reply_chain_in_a_dump(tmp_path, site):
    depth = 3000
    recs = [rs("deep")] + [rc(f"d{i}", "deep", f"d{i - 1}" if i else None) for i in range(depth)]
    import_dump(site, dumpfiles.write(tmp_path, "deep", recs, "zstd"))
    t = loads_cleanly(thread_file(site, "deep"))
    assert t.max_depth == depth - 1


def test_end_to_end_import_check_build(tmp_path, site):
    posts, comments = month1()
    path = dumpfiles.write(tmp_path, "all", posts + comments, "zstd")
    assert main(["import", "reddit-dump", str(path), "-o", str(site / "content")]) == 0
    assert main(["check", str(site)]) == 0
    assert main(["build", str(site), "-q", "-j", "1"]) == 0
    from dom import parse_file
    doc = parse_file(site / "output" / "reddit" / "aa1" / "index.html")
    assert "old" in [el.text for el in doc.find_all("del")]  # gfm: the post's ~~strike~~


def _values():
    from hypothesis import strategies as st
    return st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), st.floats(),
                     st.text(max_size=12), st.sampled_from(["t3_p1", "t1_k1", "t3_", "t1_", "", "[deleted]",
                                                            "1600000000", "1e30", float("nan"),
                                                            {"options": [1, {"text": 2}]}]),
                     st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3),
                                                                           st.none(), max_size=2))


def test_any_field_values_give_files_or_bad_lines_never_a_traceback(tmp_path_factory):
    """Hostile dumps: whatever the values, each line is imported cleanly or counted as bad."""
    from hypothesis import HealthCheck, given, settings, strategies as st
    keys = ["id", "link_id", "parent_id", "author", "body", "created_utc", "score", "edited",
            "distinguished", "subreddit", "permalink", "title", "selftext", "url", "is_self",
            "num_comments", "stickied", "poll_data", "link_flair_text"]
    hostile = st.dictionaries(st.sampled_from(keys), _values(), max_size=3)
    record = st.one_of(  # valid records with a few fields made hostile, or anything at all
        st.builds(lambda h: {**rs("p1"), **h}, hostile),
        st.builds(lambda h: {**rc("k1", "p1"), **h}, hostile),
        st.dictionaries(st.sampled_from(keys), _values(), max_size=8))

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(record, min_size=1, max_size=6))
    def check(recs):
        tmp = tmp_path_factory.mktemp("fuzz")
        summary = import_dump(tmp / "site", dumpfiles.write(tmp, "f", recs))
        assert summary.items + summary.bad.count + summary.skipped == len(recs)
        for path in (tmp / "site" / "content" / "reddit").glob("*"):
            loads_cleanly(parsed(path))

    check()


def test_a_publishers_edit_survives_the_next_month(tmp_path, site):
    """Dump imports merge through the import records like every import: hand edits stay."""
    posts, comments = month1()
    import_dump(site, dumpfiles.write(tmp_path, "m1", posts + comments))
    path = site / "content" / "reddit" / "aa1.yaml"
    edited = path.read_text().replace("comment c1", "comment c1, typo fixed by hand")
    path.write_text(edited)
    assert (site / "content" / "_imports" / "reddit" / "aa1.json").is_file()
    import_dump(site, dumpfiles.write(tmp_path, "m2", [rc("n1", "aa1", "c1"),
                                                       rc("c4", "aa1", body="updated upstream")]))
    by = {c["id"]: c for c in thread_file(site, "aa1")["comments"]}
    assert by["c1"]["body"] == "comment c1, typo fixed by hand"
    assert by["c4"]["body"] == "updated upstream" and by["n1"]["parent"] == "c1"
