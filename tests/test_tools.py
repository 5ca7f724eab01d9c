"""What the command line tells its user: import summaries, combined GitHub inputs, sender
filters, help with examples, blame on the right place, did-you-mean hints, plurals."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from support import REAL_FIXTURES, diagnostics, parse_diagnostic
from threadpress.cli import main
from threadpress.errors import plural

HERE = Path(__file__).resolve().parent
MBOX = HERE / "fixtures" / "import" / "mbox-small.mbox"
TIMELINE = REAL_FIXTURES / "github" / "issue-pygithub-28-timeline.json"
ISSUE = REAL_FIXTURES / "github" / "issue-pygithub-28.json"
# (sender, Message-ID, In-Reply-To, subject): a dev list where people and bots both write
LIST = [("Alice <alice@example.org>", "p1", None, "Resolver branch consolidation"),
        ("GitBox <git@apache.org>", "b1", None, "[GitHub] bob commented on pull request #7"),
        ("Bob <bob@example.org>", "p2", "p1", "Re: Resolver branch consolidation"),
        ("jira@apache.org", "b2", "p2", "[jira] Commented: (MNG-1) Resolver branch"),
        ("Carol <carol@example.org>", "p3", "p2", "Re: Resolver branch consolidation"),
        ("asfgit <git@git.apache.org>", "b3", "b1", "Re: [GitHub] pull request #7"),
        ("Dan <dan@example.org>", "p4", "p1", "AW: Resolver branch consolidation")]


def dev_list(path: Path) -> Path:
    """An mbox of `LIST`, each message posted through dev@maven.apache.org."""
    mails = [f"From x@example.org Mon Nov  6 10:0{n}:00 2017\nFrom: {sender}\nSubject: {subject}\n"
             f"Message-ID: <{mid}@example.org>\n"
             + (f"In-Reply-To: <{parent}@example.org>\n" if parent else "")
             + f"List-Post: <mailto:dev@maven.apache.org>\n\nmessage {mid}\n"
             for n, (sender, mid, parent, subject) in enumerate(LIST)]
    path.write_text("\n".join(mails))
    return path


def test_plural():
    assert [plural(n, "error") for n in (0, 1, 2)] == ["0 errors", "1 error", "2 errors"]
    assert plural(1, "reply", "replies") == "1 reply" and plural(3, "reply", "replies") == "3 replies"


def test_import_prints_a_summary_and_lists_files_only_with_v(tmp_path, capsys):
    assert main(["import", "mbox", str(MBOX), "-o", str(tmp_path / "a")]) == 0
    out, err = capsys.readouterr()
    files = sorted((tmp_path / "a" / "mbox").iterdir())
    comments = sum(len(yaml.safe_load(p.read_text())["comments"]) for p in files)
    assert out == ""
    assert err.splitlines()[-1].startswith(
        f"imported {plural(len(files), 'thread')}, {plural(comments, 'comment')} from 1 input ")
    assert main(["import", "mbox", str(MBOX), "-o", str(tmp_path / "b"), "-v"]) == 0
    assert sorted(capsys.readouterr().out.splitlines()) == [
        f"{tmp_path / 'b' / 'mbox' / p.name}: new" for p in files]


def test_skip_from_leaves_out_matching_senders(tmp_path, capsys):
    mbox = dev_list(tmp_path / "dev.mbox")
    main(["import", "mbox", str(mbox), "-o", str(tmp_path / "all")])
    main(["import", "mbox", str(mbox), "-o", str(tmp_path / "people"),
          "--skip-from", r"git@(git\.)?apache\.org", "--skip-from", "jira@"])
    capsys.readouterr()
    every = [yaml.safe_load(p.read_text()) for p in (tmp_path / "all" / "mbox").iterdir()]
    kept = [yaml.safe_load(p.read_text()) for p in (tmp_path / "people" / "mbox").iterdir()]
    assert any(t["author"] == "GitBox" for t in every)
    assert not any(x.get("author") in ("GitBox", "asfgit") for t in kept
                   for x in [t] + t["comments"])
    assert len(kept) < len(every)
    # the discussion people had is still whole
    [people] = kept
    assert people["title"] == "Resolver branch consolidation"
    assert [(c["author"], c.get("parent")) for c in people["comments"]] == [
        ("Bob", None), ("Carol", "p2@example.org"), ("Dan", None)]
    # where the threads came from: the list they were posted to (List-Post)
    assert {t.get("mailing_list") for t in every} == {"dev@maven.apache.org"}


def test_skip_from_refuses_a_bad_pattern_and_other_sources(tmp_path, capsys):
    assert main(["import", "mbox", str(MBOX), "-o", str(tmp_path), "--skip-from", "("]) == 1
    assert "--skip-from '(': not a regular expression" in capsys.readouterr().err
    assert main(["import", "hn", str(MBOX), "-o", str(tmp_path), "--skip-from", "x"]) == 1
    assert "--skip-from is only for mbox" in capsys.readouterr().err


def test_github_issue_and_its_comments_as_two_inputs_are_combined(tmp_path, capsys):
    for order in ([ISSUE, TIMELINE], [TIMELINE, ISSUE]):
        out = tmp_path / order[0].stem
        assert main(["import", "github", *map(str, order), "-o", str(out)]) == 0
        [path] = (out / "github").iterdir()
        t = yaml.safe_load(path.read_text())
        assert t["title"] == "Issue created by PyGithub" and t["author"] == "jacquev6"
        assert t["body"] and len(t["comments"]) == 3
        assert not any(c.get("removed_upstream") for c in t["comments"])
    capsys.readouterr()


def test_help_shows_examples_and_describes_format(capsys):
    for args in (["--help"], ["import", "--help"], ["build", "--help"], ["check", "--help"]):
        with pytest.raises(SystemExit):
            main(args)
        out = capsys.readouterr().out
        assert "examples:\n  threadpress " in out
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--format {yaml,json} thread file format" in out
    assert "--skip-from PATTERN" in out


def test_unknown_theme_on_the_command_line_is_blamed_on_it(site, capsys):
    root = site({"content/a.yaml": "title: A\n", "threadpress.yaml": "theme: default\n"})
    assert main(["build", str(root), "--theme", "nosuch", "-q"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("threadpress: error: --theme: unknown theme 'nosuch'")
    assert "threadpress.yaml" not in err
    (root / "threadpress.yaml").write_text("theme: nosuch\n")
    assert main(["build", str(root), "-q"]) == 1
    assert parse_diagnostic(capsys.readouterr().err.splitlines()[0])["path"].endswith(
        "threadpress.yaml")


def test_unknown_config_key_gets_did_you_mean(site, capsys):
    root = site({"content/a.yaml": "title: A\n", "threadpress.yaml": "titel: X\nzzz: 1\n"})
    assert main(["check", str(root)]) == 0
    lines = capsys.readouterr().err.splitlines()
    first, second = (parse_diagnostic(x) for x in lines)
    assert (first["line"], first["field"], first["kind"]) == (1, "titel", "warning")
    assert first["message"].endswith("did you mean `title`?")
    assert second["field"] == "zzz" and "did you mean" not in second["message"]


def test_a_key_one_edit_from_a_known_one_warns(site, capsys):
    root = site({"content/a.yaml": """\
        title: A
        tag: [x]
        subreddit: kept quietly
        comments:
          - id: a
            bdy: hello
          - id: b
            body: fine
            socre: 3
            more_count: 4
        """})
    assert main(["check", str(root)]) == 0
    found = [parse_diagnostic(x) for x in capsys.readouterr().err.splitlines()]
    assert [(d["line"], d["field"], d["kind"], d["message"].rsplit(" ", 1)[-1]) for d in found] == [
        (2, "tag", "warning", "`tags`?"),
        (6, "comments[0].bdy", "warning", "`body`?"),
        (9, "comments[1].socre", "warning", "`score`?")]


def test_build_warns_when_base_url_is_missing_and_says_what_breaks(site, capsys):
    root = site({"content/a.yaml": "title: A\n"})
    assert main(["build", str(root), "--strict"]) == 0   # advice: --strict does not fail on it
    [line] = [x for x in capsys.readouterr().err.splitlines() if "warning: base_url" in x]
    [found] = diagnostics(line)
    assert (found["path"], found["kind"]) == (str(root / "threadpress.yaml"), "warning")
    # one short line, naming the setting to add and the option
    assert found["message"].startswith("base_url: not set: add `base_url: https://")
    assert "--base-url" in found["message"] and len(found["message"]) <= 140
    assert main(["build", str(root), "--base-url", "https://you.github.io/repo/"]) == 0
    assert main(["build", str(root), "-q"]) == 0
    assert "warning: base_url" not in capsys.readouterr().err


def test_extras_the_renderer_reads_are_checked(site, capsys):
    root = site({"content/a.yaml": """\
        title: A
        archived: last tuesday
        num_comments: many
        comments:
          - id: a
            more_count: -3
            removed_upstream: "yes"
          - id: b
            more_count: 2
            continue_thread: true
        """})
    assert main(["check", str(root)]) == 0   # warnings: the values are not shown
    found = [parse_diagnostic(x) for x in capsys.readouterr().err.splitlines()]
    assert [(d["line"], d["field"], d["kind"]) for d in found] == [
        (2, "archived", "warning"), (3, "num_comments", "warning"),
        (6, "comments[0].more_count", "warning"), (7, "comments[0].removed_upstream", "warning")]
    assert all(d["message"].endswith("not shown") for d in found)
