"""Importing by URL or id: the requests each source makes, answered by a fake network."""

from __future__ import annotations

import io
import json
import urllib.request
from pathlib import Path

import pytest

from threadpress.cli import main
from threadpress.importers import common
from threadpress.load import load_content

OWN = Path(__file__).resolve().parent / "fixtures" / "import"


class FakeNetwork:
    """Stands in for urllib.request.urlopen: answers known URLs, records every request."""

    def __init__(self, answers: dict[str, bytes]) -> None:
        self.answers = answers
        self.asked: list[str] = []
        self.agents: set[str] = set()

    def __call__(self, request, timeout=None):
        url = request.full_url
        self.asked.append(url)
        self.agents.add(request.get_header("User-agent"))
        assert timeout, "every request has a timeout"
        if url not in self.answers:
            raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)
        return io.BytesIO(self.answers[url])


@pytest.fixture
def network(monkeypatch):
    def install(answers: dict[str, bytes]) -> FakeNetwork:
        fake = FakeNetwork(answers)
        monkeypatch.setattr(urllib.request, "urlopen", fake)
        monkeypatch.setattr(common, "_sleep", lambda s: None)
        return fake
    return install


def own(name: str) -> bytes:
    return (OWN / name).read_bytes()


def imported(tmp_path: Path, source: str, arg: str) -> list:
    site = tmp_path / "site"
    assert main(["import", source, arg, "-o", str(site / "content")]) == 0
    loaded = load_content(site / "content")
    assert not loaded.errors
    return loaded.threads


def test_lobsters_by_url_and_by_id(tmp_path, network):
    fake = network({"https://lobste.rs/s/tdfoqh.json": own("lobsters-2025.json")})
    [thread] = imported(tmp_path, "lobsters", "https://lobste.rs/s/tdfoqh/ranking_comments")
    assert thread.comments
    assert imported(tmp_path / "again", "lobsters", "tdfoqh")[0].id == thread.id
    assert fake.asked == ["https://lobste.rs/s/tdfoqh.json"] * 2
    assert all(a.startswith("threadpress/") for a in fake.agents)


def test_discourse_topic_url_asks_for_every_post(tmp_path, network):
    fake = network({"https://forum.example.org/t/42.json?print=true": own("discourse-topic-modern.json")})
    [thread] = imported(tmp_path, "discourse", "https://forum.example.org/t/some-topic/42/7")
    assert fake.asked == ["https://forum.example.org/t/42.json?print=true"]
    assert thread.source.startswith("https://forum.example.org/t/")


def test_github_issue_pages_through_comments(tmp_path, network):
    data = json.loads(own("github-issue-with-comments.json"))
    api = "https://api.github.com/repos/octo/repo/issues/7"
    first = [dict(data["comments"][0], id=1000 + i) for i in range(100)]
    fake = network({
        api: json.dumps(data["issue"]).encode(),
        f"{api}/comments?per_page=100&page=1": json.dumps(first).encode(),
        f"{api}/comments?per_page=100&page=2": json.dumps(data["comments"][1:]).encode(),
    })
    [thread] = imported(tmp_path, "github", "https://github.com/octo/repo/issues/7")
    assert fake.asked == [api, f"{api}/comments?per_page=100&page=1",
                          f"{api}/comments?per_page=100&page=2"]
    assert len(thread.comments) == 100 + len(data["comments"]) - 1


def test_mastodon_status_and_context(tmp_path, network):
    data = json.loads(own("mastodon-thread.json"))
    sid = data["status"]["id"]
    api = f"https://social.example/api/v1/statuses/{sid}"
    fake = network({api: json.dumps(data["status"]).encode(),
                    api + "/context": json.dumps(data["context"]).encode()})
    [thread] = imported(tmp_path, "mastodon", f"https://social.example/@someone/{sid}")
    assert fake.asked == [api, api + "/context"]
    assert thread.comments


@pytest.mark.parametrize("source, arg", [
    ("lobsters", "https://example.org/not/a/story"),
    ("discourse", "12345"),
    ("github", "https://github.com/octo/repo"),
    ("mastodon", "https://social.example/about"),
])
def test_unrecognised_addresses_are_clear_errors(tmp_path, network, capsys, source, arg):
    fake = network({})
    assert main(["import", source, arg, "-o", str(tmp_path / "c")]) == 1
    assert fake.asked == []
    err = capsys.readouterr().err
    assert arg in err and "expected e.g." in err
    assert not (tmp_path / "c").exists()


def test_a_failed_download_writes_nothing(tmp_path, network, capsys):
    fake = network({})
    assert main(["import", "lobsters", "tdfoqh", "-o", str(tmp_path / "c")]) == 1
    assert fake.asked == ["https://lobste.rs/s/tdfoqh.json"]
    assert "HTTP 404" in capsys.readouterr().err
    assert not (tmp_path / "c").exists()
