"""`threadpress init`: the new site builds, its config is complete, it never overwrites by surprise;
and the GitHub workflows (the one init writes, this repository's own, the release) pin what they must."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from dataclasses import fields
from importlib.metadata import metadata
from pathlib import Path

import pytest
import yaml

from dom import parse_file
from test_build import check_links, comment_articles
from threadpress import __version__
from threadpress.build import build_site
from threadpress.cli import main
from threadpress.config import Config, commented_config, load_config
from threadpress.load import load_content
from threadpress.scaffold import site_files, workflow

REPO = Path(__file__).resolve().parents[1]
WRITTEN = ["threadpress.yaml", "content/welcome.yaml", ".gitignore", ".github/workflows/pages.yml",
           ".threadpress/secret"]
# The official actions, each at its current major version (checked against their repositories'
# tags when the workflow was last updated).
PAGES_ACTIONS = {"actions/checkout": "v7", "actions/setup-python": "v7",
                 "actions/configure-pages": "v5", "actions/upload-pages-artifact": "v5",
                 "actions/deploy-pages": "v5"}


@pytest.fixture
def new_site(tmp_path: Path) -> Path:
    site = tmp_path / "archive"
    assert main(["init", str(site)]) == 0
    return site


def test_init_writes_the_site_files_and_lists_them(tmp_path, capsys):
    site = tmp_path / "new" / "archive"  # parents are made too
    assert main(["init", str(site)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [str(site / rel) for rel in WRITTEN]
    assert sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()) == sorted(WRITTEN)


def test_init_without_a_folder_uses_the_current_one(tmp_path, monkeypatch, capsys):
    (tmp_path / ".git").mkdir()  # e.g. a clone of a new, empty repository
    (tmp_path / "README.md").write_text("# My archive\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert capsys.readouterr().err.splitlines()[-1].endswith("build it with: threadpress build")
    assert all((tmp_path / rel).is_file() for rel in WRITTEN)
    assert (tmp_path / "README.md").read_text(encoding="utf-8") == "# My archive\n"
    assert build_site(tmp_path, quiet=True) == 0


def test_init_says_how_to_build_and_warns_when_the_pin_cannot_install(tmp_path, capsys,
                                                                     monkeypatch):
    assert main(["init", str(tmp_path / "a b")]) == 0
    err = capsys.readouterr().err
    assert err.splitlines()[-1].endswith(f"cd '{tmp_path / 'a b'}' && threadpress build")
    assert "not a release" not in err
    monkeypatch.setattr("threadpress.cli.__version__", "0.2.0.dev3")
    assert main(["init", str(tmp_path / "c")]) == 0
    assert "threadpress 0.2.0.dev3 is not a release" in capsys.readouterr().err


def test_init_then_build_then_every_link_resolves(new_site):
    out = new_site / "output"
    assert build_site(new_site, quiet=True) == 0
    assert check_links(out) == []
    [thread] = load_content(new_site / "content").threads
    page = parse_file(out / thread.slug / "index.html")
    assert [a.attrs["id"] for a in comment_articles(page)] == ["c-1", "c-2", "c-3", "c-4"]
    index = parse_file(out / "index.html").find("ol", cls="threads")
    assert [a.attrs["href"] for a in index.find_all("a", cls="title")] == [f"{thread.slug}/"]


@pytest.mark.parametrize("theme", ["default", "board"])
def test_every_page_footer_links_to_the_package_page(new_site, theme):
    # The package page (not a repository) is where a reader who wants such an archive starts:
    # install command, docs and links, at an address that does not move with the repository.
    out = new_site / "output"
    assert build_site(new_site, theme=theme, quiet=True) == 0
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 4
    for page in pages:
        [link] = parse_file(page).find("footer", cls="site-foot").find_all("a")
        assert link.attrs["href"] == f"https://pypi.org/project/{metadata('threadpress')['Name']}/"
        assert link.text == "threadpress"


def test_example_thread_is_clean_and_shows_the_format(new_site):
    loaded = load_content(new_site / "content")
    assert loaded.diagnostics == []
    [thread] = loaded.threads
    assert thread.max_depth == 1  # nested replies
    assert any(c.deleted for c in thread.comments)
    assert ">>2" in thread.comment("4").body  # a quote link


def test_config_has_every_setting_commented_and_loads_clean(new_site):
    path = new_site / "threadpress.yaml"
    assert list(yaml.safe_load(path.read_text(encoding="utf-8"))) == [f.name for f in fields(Config)]
    settings = [line for line in path.read_text(encoding="utf-8").splitlines()
                if line and not line.startswith("#")]
    assert all(re.fullmatch(r"\w+: .+ {2,}# \S.*", line) for line in settings), settings
    assert load_config(new_site) == (Config(), [])


def test_every_setting_has_help_and_the_choices_come_from_the_checks():
    assert all(f.metadata.get("help") for f in fields(Config))
    lines = {line.split(":")[0]: line for line in commented_config().splitlines()}
    assert lines["sort"].endswith("# sibling order: original | oldest | newest | score")


def test_commented_config_writes_the_given_values(tmp_path):
    config = Config(title="It's: quoted?", per_page=7, params={"a": [1, 2]}, comment_pages=False)
    (tmp_path / "threadpress.yaml").write_text(commented_config(config), encoding="utf-8")
    assert load_config(tmp_path) == (config, [])


def test_readme_shows_the_same_settings():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Site config", 1)[1]
    block = re.search(r"```yaml\n(.*?)```", section, re.S).group(1)
    assert block == commented_config()


def test_init_refuses_to_overwrite_and_names_every_file(tmp_path, capsys):
    site = tmp_path / "archive"
    (site / "content").mkdir(parents=True)
    (site / "threadpress.yaml").write_text("title: Mine\n", encoding="utf-8")
    (site / ".gitignore").write_text("secret/\n", encoding="utf-8")
    assert main(["init", str(site)]) == 1
    err = capsys.readouterr().err.splitlines()
    named = [line.split(": error: ")[0] for line in err]
    assert named == [str(site / "threadpress.yaml"), str(site / ".gitignore")]
    assert all("already exists" in line and "--force" in line for line in err)
    assert (site / "threadpress.yaml").read_text(encoding="utf-8") == "title: Mine\n"
    assert not (site / "content" / "welcome.yaml").exists()  # nothing written at all
    assert not (site / ".github").exists()


def test_init_force_replaces_the_files_and_keeps_other_content(tmp_path):
    site = tmp_path / "archive"
    (site / "content").mkdir(parents=True)
    (site / "content" / "mine.yaml").write_text("title: Mine\n", encoding="utf-8")
    (site / "threadpress.yaml").write_text("title: Mine\n", encoding="utf-8")
    assert main(["init", str(site), "--force"]) == 0
    assert load_config(site) == (Config(), [])
    assert (site / "content" / "mine.yaml").read_text(encoding="utf-8") == "title: Mine\n"
    assert len(load_content(site / "content").threads) == 2


def test_init_force_still_refuses_a_folder_in_the_way(tmp_path, capsys):
    site = tmp_path / "archive"
    (site / "threadpress.yaml").mkdir(parents=True)
    assert main(["init", str(site), "--force"]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"{site / 'threadpress.yaml'}: error: already exists")


def test_init_where_a_file_blocks_the_folder_is_a_message(tmp_path, capsys):
    blocker = tmp_path / "archive"
    blocker.write_text("not a folder", encoding="utf-8")
    assert main(["init", str(blocker)]) == 1
    err = capsys.readouterr().err
    assert "cannot write" in err and str(blocker) in err and "Traceback" not in err


def test_init_help_shows_an_example(capsys):
    with pytest.raises(SystemExit) as done:
        main(["init", "--help"])
    assert done.value.code == 0
    help_text = capsys.readouterr().out
    example = help_text.split("example:", 1)[1]
    assert "threadpress init my-archive" in example and "threadpress build" in example
    assert "--force" in help_text


def test_gitignore_keeps_the_output_and_build_state_out_of_git(new_site):
    git = shutil.which("git")
    if git is None:
        pytest.skip("git is not installed")
    subprocess.run([git, "init", "-q", str(new_site)], check=True)
    probe = ["output/index.html", ".threadpress/state", ".threadpress/secret", ".output.tmp-1/x",
             "content/welcome.yaml", "threadpress.yaml", ".github/workflows/pages.yml",
             "content/_imports/hn/1.json"]
    run = subprocess.run([git, "check-ignore", *probe], cwd=new_site, capture_output=True,
                         text=True)
    assert run.stdout.split() == probe[:4]


# --- workflows ----------------------------------------------------------------------------------

def _workflow(text: str) -> dict:
    data = yaml.safe_load(text)
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def _steps(data: dict, job: str) -> list[dict]:
    return data["jobs"][job]["steps"]


def _uses(data: dict) -> dict[str, str]:
    used = [s["uses"] for job in data["jobs"] for s in _steps(data, job) if "uses" in s]
    return dict(u.split("@") for u in used)


def test_pages_workflow_installs_this_version_by_name_and_pins_the_official_actions(new_site):
    text = (new_site / ".github/workflows/pages.yml").read_text(encoding="utf-8")
    data = _workflow(text)
    assert data["on"]["push"]["branches"] == ["main"]
    assert data["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert _uses(data) == PAGES_ACTIONS
    runs = [s["run"] for s in _steps(data, "build") if "run" in s]
    assert f'pip install "threadpress=={__version__}"' in runs
    [build] = [r for r in runs if r.startswith("threadpress build")]
    assert '--base-url "${{ steps.pages.outputs.base_url }}/"' in build
    configure = next(s for s in _steps(data, "build") if s.get("uses", "").startswith(
        "actions/configure-pages"))
    assert configure["id"] == "pages"
    upload = next(s for s in _steps(data, "build") if "upload-pages-artifact" in s.get("uses", ""))
    assert upload["with"]["path"] == "output"
    assert data["jobs"]["deploy"]["needs"] == "build"
    assert data["jobs"]["deploy"]["environment"]["name"] == "github-pages"
    assert "git+https://" in text  # the development-branch form, documented beside the pin


def test_pages_workflow_pins_the_version_it_is_given():
    runs = [s.get("run") for s in _steps(_workflow(workflow("9.8.7")), "build")]
    assert 'pip install "threadpress==9.8.7"' in runs


def test_this_repositorys_pages_workflow_is_the_one_init_writes():
    ours = (REPO / ".github/workflows/pages.yml").read_text(encoding="utf-8")
    assert ours == site_files()[".github/workflows/pages.yml"], (
        "regenerate it: python -c \"from threadpress.scaffold import workflow; "
        "open('.github/workflows/pages.yml', 'w').write(workflow())\"")


def test_release_workflow_publishes_tags_with_trusted_publishing():
    data = _workflow((REPO / ".github/workflows/release.yml").read_text(encoding="utf-8"))
    assert data["on"] == {"push": {"tags": ["v*"]}}
    assert data["permissions"] == {"contents": "read"}  # id-token only where it publishes
    publish = data["jobs"]["publish"]
    assert publish["needs"] == "build"
    assert publish["environment"]["name"] == "pypi"
    assert publish["permissions"] == {"id-token": "write"}
    assert _steps(data, "publish")[-1] == {"uses": "pypa/gh-action-pypi-publish@release/v1"}
    assert all("password" not in s.get("with", {}) for s in _steps(data, "publish"))
    build = " ".join(s.get("run", "") for s in _steps(data, "build"))
    assert "python -m build" in build and "twine check --strict dist/*" in build
    assert '"v$version" != "$GITHUB_REF_NAME"' in build  # the tag must name the version
    assert _uses(data)["actions/checkout"] == PAGES_ACTIONS["actions/checkout"]


def test_release_makes_the_readme_links_absolute_for_pypi():
    runs = [s.get("run", "") for s in _steps(_workflow(
        (REPO / ".github/workflows/release.yml").read_text(encoding="utf-8")), "build")]
    rewrite = next(i for i, r in enumerate(runs) if "readme_for_pypi.py" in r)
    assert rewrite < next(i for i, r in enumerate(runs) if "python -m build" in r)
    readme_for_pypi = _load_script("readme_for_pypi")
    text = (REPO / "README.md").read_text(encoding="utf-8")
    done = readme_for_pypi.absolute(text, "o/r", "v9")
    assert not readme_for_pypi.MARKDOWN.search(done) and not readme_for_pypi.HTML.search(done)
    links = re.findall(r"https://(?:github\.com/o/r/blob|raw\.githubusercontent\.com/o/r)/v9/"
                       r"([^)\s\"]+)", done)
    assert len(links) >= 10 and all((REPO / path.split("#")[0]).exists() for path in links), links
    assert "](https://raw.githubusercontent.com/o/r/v9/docs/screenshots/" in done  # images: raw
    assert "[Importing](https://github.com/o/r/blob/v9/docs/import.md)" in done
    kept = '[a](#x) [b](https://e.org/p) [c](mailto:a@e.org) <a href="#y">'
    assert readme_for_pypi.absolute(kept, "o/r", "v9") == kept


def _load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / ".github" / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_getting_started_walks_through_init_build_and_push(capsys):
    text = (REPO / "docs" / "getting-started.md").read_text(encoding="utf-8")
    code = "\n".join(re.findall(r"```sh\n(.*?)```", text, re.S))
    commands = re.findall(r"^\s*(threadpress [\w-]+|git push|pip install)", code, re.M)
    order = [c for c in ("pip install", "threadpress init", "threadpress build", "git push")
             if c in commands]
    assert order == ["pip install", "threadpress init", "threadpress build", "git push"]
    firsts = [commands.index(c) for c in order]
    assert firsts == sorted(firsts)
    verbs = {c.split()[1] for c in commands if c.startswith("threadpress ")} - {"--version"}
    assert {"init", "import", "build"} <= verbs
    for verb in verbs:  # every verb the guide uses exists
        with pytest.raises(SystemExit) as done:
            main([verb, "--help"])
        assert done.value.code == 0
