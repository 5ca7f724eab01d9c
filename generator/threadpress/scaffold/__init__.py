"""`threadpress init`: a new archive site, from the templates beside this module."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import yaml

from .. import __version__
from ..config import CONFIG_NAME, commented_config
from ..errors import Diagnostic, ThreadpressError
from .install import THIS_REPOSITORY, Install, Wheel, note_lines, plan, wheel_bytes

__all__ = ["THIS_REPOSITORY", "WORKFLOW", "Install", "create_site", "plan", "site_files",
           "workflow"]

WORKFLOW = ".github/workflows/pages.yml"
INSTALL_MARK, NOTE_MARK = "@INSTALL@", "@NOTE@"

# Where each template goes in the new site. Templates have no leading dot in the package
# (package-data globs skip dot files); the site's names do.
TEMPLATES = {
    "content/welcome.yaml": "welcome.yaml",
    ".gitignore": "gitignore",
    WORKFLOW: "pages.yml",
}

CONFIG_HEADER = """\
# This archive's settings. Every key is optional; the values below are the defaults.
# A bad value fails the build with a message naming the key and its line.
"""


def template(name: str) -> str:
    """The text of one template shipped with the package."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def workflow(install: Install | None = None) -> str:
    """The GitHub Pages workflow, installing threadpress as `install` says (by default: this
    version from PyPI)."""
    install = install or plan(None, __version__)
    text = template(TEMPLATES[WORKFLOW])
    indent = text.split(NOTE_MARK, 1)[0].rsplit("\n", 1)[1]
    return text.replace(NOTE_MARK, note_lines(install.note, indent)).replace(
        INSTALL_MARK, _scalar(install.command))


def _scalar(text: str) -> str:
    """TEXT as a YAML value: plain when it reads back as itself, else double-quoted."""
    try:
        if yaml.safe_load(f"k: {text}") == {"k": text}:
            return text
    except yaml.YAMLError:
        pass
    return json.dumps(text, ensure_ascii=False)


def site_files(install: Install | None = None) -> dict[str, str]:
    """Relative path → text, for every text file `init` writes."""
    files = {CONFIG_NAME: CONFIG_HEADER + commented_config()}
    for rel, name in TEMPLATES.items():
        files[rel] = workflow(install) if rel == WORKFLOW else template(name)
    return files


def create_site(root: Path, force: bool = False, install: Install | None = None) -> list[Path]:
    """Write a new site into ROOT (made if missing), its workflow installing threadpress as
    `install` says (by default: this version from PyPI); returns the files written, the wheel
    for the workflow among them when `install` has one.

    Refuses, naming every one, if any of the files exists, unless `force`: then they are
    replaced. Nothing is written when it refuses, or when the wheel cannot be made.
    """
    install = install or plan(None, __version__)
    files: dict[str, str | bytes | Wheel] = dict(site_files(install))
    if install.wheel is not None:
        files[install.wheel.path] = install.wheel
    targets = [root / rel for rel in files]
    taken = [p for p in targets if p.exists() or p.is_symlink()]
    blocking = [p for p in taken if not force or p.is_dir()]
    if blocking:
        raise ThreadpressError([Diagnostic(f"already exists; not overwriting ({_hint(p)})", str(p))
                                for p in blocking])
    data = [wheel_bytes(v, __version__) if isinstance(v, Wheel) else v for v in files.values()]
    for path, content in zip(targets, data):
        _write(path, content)
    return targets


def _hint(path: Path) -> str:
    return "a folder is in the way" if path.is_dir() else "use --force to replace it"


def _write(path: Path, content: str | bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():  # replace the link itself, never the file it points to
            path.unlink()
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    except OSError as e:
        raise ThreadpressError.one(f"cannot write: {e.strerror}", e.filename or path) from None
