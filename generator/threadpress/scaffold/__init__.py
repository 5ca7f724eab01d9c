"""`threadpress init`: a new archive site, from the templates beside this module."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .. import __version__
from ..config import CONFIG_NAME, commented_config
from ..errors import Diagnostic, ThreadpressError

WORKFLOW = ".github/workflows/pages.yml"
VERSION_MARK = "@VERSION@"

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


def workflow(version: str = __version__) -> str:
    """The GitHub Pages workflow, installing threadpress pinned to `version`."""
    return template(TEMPLATES[WORKFLOW]).replace(VERSION_MARK, version)


def site_files() -> dict[str, str]:
    """Relative path → text, for every file `init` writes."""
    files = {CONFIG_NAME: CONFIG_HEADER + commented_config()}
    for rel, name in TEMPLATES.items():
        files[rel] = workflow() if rel == WORKFLOW else template(name)
    return files


def create_site(root: Path, force: bool = False) -> list[Path]:
    """Write a new site into ROOT (made if missing); returns the files written.

    Refuses, naming every one, if any of the files exists, unless `force`: then they are
    replaced. Nothing is written when it refuses.
    """
    files = site_files()
    targets = [root / rel for rel in files]
    taken = [p for p in targets if p.exists() or p.is_symlink()]
    blocking = [p for p in taken if not force or p.is_dir()]
    if blocking:
        raise ThreadpressError([Diagnostic(f"already exists; not overwriting ({_hint(p)})", str(p))
                                for p in blocking])
    for path, text in zip(targets, files.values()):
        _write(path, text)
    return targets


def _hint(path: Path) -> str:
    return "a folder is in the way" if path.is_dir() else "use --force to replace it"


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():  # replace the link itself, never the file it points to
            path.unlink()
        path.write_bytes(text.encode("utf-8"))
    except OSError as e:
        raise ThreadpressError.one(f"cannot write: {e.strerror}", e.filename or path) from None
