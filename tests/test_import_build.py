"""Every importer, end to end through the CLI: import → check → build, for real and own payloads."""

from __future__ import annotations

from pathlib import Path

import pytest

from dom import parse_file
from support import NO_MBOX_CORPUS, REAL_FIXTURES
from test_build import check_links
from threadpress.anchors import anchor
from threadpress.cli import main
from threadpress.load import load_content

HERE = Path(__file__).resolve().parent
OWN = HERE / "fixtures" / "import"

REAL = {
    "hn": ["hn-algolia/item-2396027-whoishiring-2011-04.json"],
    "reddit": ["reddit/comments-3hahrw-funny-continue-thread.json",
               "reddit/comments-fo7p5b-announcements-polls.json"],
    "lobsters": ["lobsters/story-d9ucpe-2021-schema.json", "lobsters/story-tdfoqh-2022-schema.json",
                 "lobsters/story-tdfoqh-2025-schema.json"],
    "discourse": ["discourse/topic-57-try-discourse-sandbox.json"],
    "github": ["github/issue-pygithub-28-timeline.json", "github/issue-comments-github-to-sqlite.json",
               "github/discussion-pygithub-2993-graphql.json"],
}
# the real mail archives are not in the repository: the mbox case is listed, and skipped
REAL_SOURCES = [*sorted(REAL), pytest.param("mbox", marks=pytest.mark.skip(reason=NO_MBOX_CORPUS))]
OWN_FILES = {
    "hn": ["hn-algolia-small.json", "hn-firebase-small.jsonl"],
    "reddit": ["reddit-small.json"],
    "lobsters": ["lobsters-2021.json"],
    "discourse": ["discourse-topic-modern.json"],
    "github": ["github-issue-with-comments.json", "github-discussion-replies.json"],
    "mastodon": ["mastodon-thread.json"],
    "mbox": ["mbox-small.mbox"],
}


def run_pipeline(tmp_path: Path, source: str, inputs: list[Path]) -> Path:
    site = tmp_path / "site"
    assert main(["import", source, *map(str, inputs), "-o", str(site / "content")]) == 0
    assert main(["check", str(site)]) == 0
    assert main(["build", str(site), "-q", "-j", "1"]) == 0
    return site


def assert_site_complete(site: Path) -> None:
    out = site / "output"
    loaded = load_content(site / "content")
    assert loaded.threads and not loaded.errors
    for thread in loaded.threads:
        doc = parse_file(out / thread.slug / "index.html")
        ids = [el.attrs["id"] for el in doc.iter() if el.attrs.get("id", "").startswith("c-")]
        assert ids == [anchor(c.id) for c in thread.comments]
    assert check_links(out) == []


@pytest.mark.parametrize("source", sorted(OWN_FILES))
def test_own_fixtures_import_check_and_build(tmp_path, source, capsys):
    site = run_pipeline(tmp_path, source, [OWN / f for f in OWN_FILES[source]])
    assert_site_complete(site)


@pytest.mark.parametrize("source", REAL_SOURCES)
def test_real_payloads_import_check_and_build(tmp_path, source, capsys):
    site = run_pipeline(tmp_path, source, [REAL_FIXTURES / f for f in REAL[source]])
    assert_site_complete(site)


def test_importing_the_wrong_source_writes_nothing(tmp_path, capsys):
    out = tmp_path / "content"
    assert main(["import", "hn", str(OWN / "reddit-small.json"), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "reddit-small.json" in err
    assert not out.exists() or not any(out.rglob("*.*"))


def test_site_url_gives_discourse_topics_their_permalinks(tmp_path, capsys):
    out = tmp_path / "content"
    payload = REAL_FIXTURES / "discourse" / "topic-57-try-discourse-sandbox.json"
    assert main(["import", "discourse", str(payload), "-o", str(out),
                 "--site-url", "https://try.discourse.org", "--format", "json"]) == 0
    import json
    (thread_file,) = (out / "discourse").iterdir()
    data = json.loads(thread_file.read_text())
    assert data["source"].startswith("https://try.discourse.org/t/")
    assert all(c["url"].startswith(data["source"].rstrip("/") + "/") for c in data["comments"])


def test_site_url_is_refused_where_it_means_nothing(tmp_path, capsys):
    assert main(["import", "hn", str(OWN / "hn-algolia-small.json"), "-o", str(tmp_path),
                 "--site-url", "https://news.ycombinator.com"]) == 1
    assert "--site-url is not used by hn" in capsys.readouterr().err
