"""The package as users get it: the sdist and wheel build and pass `twine check`, carry what they
must, and the wheel installed into a fresh virtual environment runs `init` and `build`.

Offline: the build uses the running environment's setuptools (no build isolation), and the fresh
environment sees the running one's dependencies through a .pth file instead of downloading them.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from test_build import check_links
from threadpress import __version__

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
DEPENDENCIES = ("jinja2", "markupsafe", "markdown", "yaml", "nh3", "cmarkgfm", "zstandard")


def run(*args: str | Path, **kw) -> subprocess.CompletedProcess:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, **kw)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> dict[str, Path]:
    """The sdist and the wheel, built as the release builds them (the wheel from the sdist)."""
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, REPO)
    [sdist] = out.glob("threadpress-*.tar.gz")
    [wheel] = out.glob("threadpress-*-py3-none-any.whl")
    return {"sdist": sdist, "wheel": wheel}


def test_twine_check_passes(dist):
    done = run(sys.executable, "-m", "twine", "check", "--strict", dist["sdist"], dist["wheel"])
    assert done.stdout.count("PASSED") == 2


def test_wheel_metadata(dist):
    with zipfile.ZipFile(dist["wheel"]) as whl:
        meta = Parser().parsestr(whl.read(f"threadpress-{__version__}.dist-info/METADATA").decode())
    assert meta["Name"] == "threadpress" and meta["Version"] == __version__
    assert meta["Requires-Python"] == ">=3.10"
    assert meta["License-Expression"] == "MIT" and meta["License-File"] == "LICENSE"
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta.get_payload().startswith("# threadpress")  # the README, whole
    assert "Programming Language :: Python :: 3 :: Only" in meta.get_all("Classifier")
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    assert {"Homepage", "Source", "Issues", "Documentation"} <= set(urls)
    assert {r.split("<")[0].split(">")[0] for r in meta.get_all("Requires-Dist")
            if "extra ==" not in r} == {"jinja2", "markdown", "pyyaml", "nh3", "watchfiles",
                                        "cmarkgfm", "zstandard", "pagefind[bin]", "cbor2",
                                        "ada-url"}


def test_wheel_carries_themes_schema_scaffold_and_licence(dist):
    with zipfile.ZipFile(dist["wheel"]) as whl:
        names = set(whl.namelist())
    themes = [p for p in (REPO / "themes").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert themes and {f"threadpress/themes/{p.relative_to(REPO / 'themes').as_posix()}"
                       for p in themes} <= names
    scaffold = REPO / "generator" / "threadpress" / "scaffold"
    assert {f"threadpress/scaffold/{p.name}" for p in scaffold.iterdir() if p.is_file()} <= names
    assert "threadpress/schema/thread.schema.json" in names
    assert "threadpress/livereload.js" in names   # serve's client, read from the package
    assert f"threadpress-{__version__}.dist-info/licenses/LICENSE" in names
    assert not [n for n in names if n.startswith(("tests/", "docs/", "content/"))]


def test_sdist_carries_the_tests_docs_and_example_site(dist):
    with tarfile.open(dist["sdist"]) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for needed in ("LICENSE", "README.md", "pyproject.toml", "MANIFEST.in", "threadpress.yaml",
                   "tests/test_build.py", "tests/browser/conftest.py", "tests/dom.py",
                   "docs/getting-started.md", "content/tiny.yaml",
                   "generator/threadpress/scaffold/pages.yml", "themes/default/templates/base.html",
                   ".github/workflows/pages.yml", ".github/scripts/readme_for_pypi.py"):
        assert needed in names, needed
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]


def test_wheel_installed_in_a_fresh_venv_runs_init_and_build(dist, tmp_path):
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    site_packages = run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))")
    site_packages = Path(site_packages.stdout.strip())
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
        "--disable-pip-version-check", "--quiet", dist["wheel"])
    # Only now: with the running environment on its path, pip would find threadpress installed
    # there (a non-editable install) and skip the wheel.
    (site_packages / "_threadpress_test_deps.pth").write_text(
        "\n".join(sorted({_location(name) for name in DEPENDENCIES})) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    script = python.parent / ("threadpress.exe" if os.name == "nt" else "threadpress")

    where = run(python, "-c", "import threadpress; print(threadpress.__file__)", cwd=tmp_path,
                env=env)
    assert Path(where.stdout.strip()).is_relative_to(site_packages)  # the wheel, not the source
    assert run(script, "--version", env=env).stdout.strip() == f"threadpress {__version__}"
    run(script, "init", "archive", cwd=tmp_path, env=env)
    run(script, "build", "archive", "-q", cwd=tmp_path, env=env)
    out = tmp_path / "archive" / "output"
    assert (out / "static" / "style.css").is_file()  # the theme came from the wheel
    assert check_links(out) == []
    # installed from a wheel file, which the Pages runner cannot reach: init puts that wheel
    # into the archive and the workflow installs it
    wheel = f"vendor/{dist['wheel'].name}"
    workflow = (tmp_path / "archive" / ".github/workflows/pages.yml").read_text(encoding="utf-8")
    assert f"pip install ./{wheel}" in workflow
    assert (tmp_path / "archive" / wheel).read_bytes() == dist["wheel"].read_bytes()


def _location(module: str) -> str:
    """The folder a dependency is imported from (its site-packages)."""
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, module
    path = Path(spec.origin)
    return str(path.parent.parent if path.name == "__init__.py" else path.parent)
