"""How the Pages workflow that `init` writes installs threadpress: the way the running one was.

The running threadpress's PEP 610 record (`direct_url.json` in its dist-info, absent for an
install from a package index) says where it came from, and `plan` turns that into the line the
workflow gives pip, plus the wheel `init` puts into the archive when the source is on this
machine only (a folder, a wheel or sdist file), which the CI runner cannot reach. `plan` is pure;
`how_installed` and `wheel_bytes` do the reading and building around it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import io
import json
import re
import shlex
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from ..errors import ThreadpressError

NAME = "threadpress"
VENDOR = "vendor"           # the archive's folder for the wheel; committed (scaffold/gitignore)
VCS = ("git", "hg", "svn", "bzr")   # what pip can install from (PEP 610 names them so)
REMOTE = ("https", "http")
SETUPTOOLS = 77             # the oldest setuptools that builds threadpress (pyproject.toml)
# What the record may hold, before any of it reaches the workflow: the workflow is YAML run by
# a shell after GitHub expands `${{ … }}` in it, so quoting alone cannot make any text safe.
_URL = re.compile(r"[!#-~]+")              # printable ASCII, no space, no `"`
_REVISION = re.compile(r"[0-9A-Za-z._:+-]{1,128}")   # a commit, a revision number, a tag
_SUBDIRECTORY = re.compile(r"(?!/)(?!.*(?:^|/)\.\.(?:/|$))[0-9A-Za-z._/-]{1,255}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Wheel:
    """A wheel of the running threadpress that `init` writes into the archive at `path`: a
    copy of the wheel file it was installed from, or built from its source (a folder, an
    sdist, a local VCS URL)."""

    path: str                   # in the archive, e.g. vendor/threadpress-0.1.0-py3-none-any.whl
    copy: str | None = None     # a wheel file on this machine
    build: str | None = None    # what pip builds it from
    sha256: str | None = None   # of the file the install recorded: a copy must still match


@dataclass(frozen=True)
class Install:
    """How the workflow installs threadpress."""

    requirement: str            # what the workflow gives `pip install`
    says: str                   # the one line `init` prints about its choice
    note: str                   # the workflow's comment above the install step
    wheel: Wheel | None = None  # the file `init` adds to the archive, when there is one

    @property
    def command(self) -> str:
        """The install step's shell command: a path as it is, a requirement in quotes."""
        req = self.requirement
        if req == "." or req.startswith("./"):
            return f"pip install {req}"
        return f"pip install {shlex.quote(req)}" if set('"$`\\!') & set(req) else \
            f'pip install "{req}"'


# The install of this repository's own workflow: its checkout is threadpress's source.
THIS_REPOSITORY = Install(".", "this checkout", "threadpress from this checkout: this repository "
                          "is threadpress's own source, and publishes its example site.")


def wheel_name(version: str) -> str:
    return f"{NAME}-{version}-py3-none-any.whl"


def plan(direct_url: dict | None, version: str, where: str = "") -> Install:
    """The install that reproduces the running threadpress (`version`) from its PEP 610 record
    (None: it came from a package index). `where` names the record in messages."""
    if direct_url is None:
        return Install(f"{NAME}=={version}",
                       f"threadpress=={version}, as this threadpress came from a package index",
                       f"threadpress from PyPI, pinned to the version that ran `threadpress "
                       f"init`: a new release changes nothing here until you raise the pin. "
                       "To follow the development branch instead: pip install \"threadpress @ "
                       "git+https://github.com/threadpress/threadpress@main\"")
    url = direct_url.get("url") if isinstance(direct_url, dict) else None
    if not isinstance(url, str) or not url:
        raise ThreadpressError.one("this install record has no `url`; reinstall threadpress "
                                   "with pip and run init again", where)
    _plain(url, _URL, "url", where, forbid="${{")
    subdirectory = direct_url.get("subdirectory")
    if subdirectory is not None:
        _plain(subdirectory, _SUBDIRECTORY, "subdirectory", where)
    if isinstance(direct_url.get("vcs_info"), dict):
        return _vcs(url, direct_url["vcs_info"], subdirectory, version, where)
    if isinstance(direct_url.get("archive_info"), dict):
        return _archive(url, direct_url["archive_info"], version, where)
    if isinstance(direct_url.get("dir_info"), dict):
        return _folder(url, direct_url["dir_info"], subdirectory, version, where)
    raise ThreadpressError.one(f"this install record ({url}) names no vcs_info, archive_info "
                               "or dir_info; reinstall threadpress with pip and run init again",
                               where)


def _vcs(url: str, info: dict, subdirectory: object, version: str, where: str) -> Install:
    vcs, commit = info.get("vcs"), info.get("commit_id")
    if vcs not in VCS:
        raise ThreadpressError.one(
            f"threadpress was installed from {vcs!r} ({url}), which pip cannot pin; install it "
            "from git (pip install git+https://github.com/threadpress/threadpress), a folder or "
            "a wheel, and run init again", where)
    if not isinstance(commit, str) or not commit:
        raise ThreadpressError.one(f"this {vcs} install record ({url}) has no commit_id", where)
    _plain(commit, _REVISION, "commit_id", where)
    pinned = f"{vcs}+{url}@{commit}" + (f"#subdirectory={subdirectory}" if subdirectory else "")
    scheme = urlsplit(url).scheme
    if scheme == "file":   # a clone on this machine: the runner builds nothing from it
        return _vendored(Wheel(_vendor(version), build=pinned), version,
                         f"the {vcs} clone {url}, at {commit[:12]}")
    reach = "" if scheme in REMOTE else f" (the runner must be able to fetch it over {scheme})"
    return Install(f"{NAME} @ {pinned}",
                   f"{NAME} @ {pinned}, the {vcs} repository and commit this threadpress was "
                   f"installed from{reach}",
                   f"threadpress from its repository, at the commit that ran `threadpress "
                   f"init`; to upgrade, put another commit or a tag after the last @.")


def _archive(url: str, info: dict, version: str, where: str) -> Install:
    sha256 = _sha256(info)
    if sha256 is not None:
        _plain(sha256, _SHA256, "sha256", where)
    parts = urlsplit(url)
    if parts.scheme in REMOTE:
        checked = f"#sha256={sha256}" if sha256 and not parts.fragment else ""
        return Install(f"{NAME} @ {url}{checked}",
                       f"{NAME} @ {url}{checked}, the file this threadpress was installed from",
                       "threadpress from the file that the one which ran `threadpress init` was "
                       "installed from" + (", checked against its hash." if checked else "."))
    if parts.scheme != "file":
        raise ThreadpressError.one(f"threadpress was installed from {url}, which the workflow "
                                   "cannot fetch; install it from a wheel, a folder or git, and "
                                   "run init again", where)
    path = _local_path(parts)
    if path.endswith(".whl"):
        return _vendored(Wheel(_vendor(version), copy=path, sha256=sha256), version,
                         f"the wheel {path}")
    return _vendored(Wheel(_vendor(version), build=path), version, f"the sdist {path}")


def _folder(url: str, info: dict, subdirectory: object, version: str, where: str) -> Install:
    parts = urlsplit(url)
    if parts.scheme != "file":
        raise ThreadpressError.one(f"this folder install record names {url}, not a local "
                                   "folder", where)
    folder = Path(_local_path(parts))
    if isinstance(subdirectory, str) and subdirectory:
        folder = folder / subdirectory
    kind = "the editable install of" if info.get("editable") else "the folder"
    return _vendored(Wheel(_vendor(version), build=str(folder)), version, f"{kind} {folder}")


def _vendored(wheel: Wheel, version: str, source: str) -> Install:
    return Install(f"./{wheel.path}",
                   f"./{wheel.path}: a wheel of this threadpress {version}, made from "
                   f"{source}, which the runner cannot reach",
                   f"threadpress from the wheel that `threadpress init` put in {VENDOR}/, as the "
                   "threadpress that ran it came from a folder or a file on its machine, which "
                   "this runner cannot reach: commit that file. To upgrade, build a newer one "
                   f"from a threadpress clone (pip wheel --no-deps -w {VENDOR} CLONE), name it "
                   "here and delete the old one; once threadpress is on PyPI, "
                   "pip install \"threadpress==X.Y.Z\" instead.",
                   wheel)


def _vendor(version: str) -> str:
    return f"{VENDOR}/{wheel_name(version)}"


def _local_path(parts) -> str:
    return url2pathname(parts.path) if not parts.netloc else url2pathname(
        f"//{parts.netloc}{parts.path}")


def _sha256(info: dict) -> str | None:
    hashes = info.get("hashes")
    if isinstance(hashes, dict) and isinstance(hashes.get("sha256"), str):
        return hashes["sha256"]
    legacy = info.get("hash")   # the older "sha256=<hex>" form
    if isinstance(legacy, str) and legacy.startswith("sha256="):
        return legacy.split("=", 1)[1]
    return None


def _plain(value: object, shape: re.Pattern, what: str, where: str, forbid: str = "") -> None:
    """Refuse a record value that is not plain text of its shape (see _URL and the others)."""
    if not isinstance(value, str) or not shape.fullmatch(value) or (forbid and forbid in value):
        raise ThreadpressError.one(
            f"this install record's {what} is not a plain {what} ({value!r:.80}); reinstall "
            "threadpress with pip and run init again", where)


def note_lines(note: str, indent: str) -> str:
    """A note as YAML comment lines at `indent`, the first without it (the template has it)."""
    lines = textwrap.wrap(note, width=98 - len(indent) - 2, break_on_hyphens=False)
    return f"\n{indent}".join(f"# {line}" for line in lines)


# --- reading the running install, making the wheel ------------------------------------------

def how_installed(version: str) -> tuple[dict | None, str]:
    """The running threadpress's PEP 610 record (None: from an index) and the file it is in.

    Only a distribution an installer wrote (it has a RECORD) of the running version counts: a
    source tree's `threadpress.egg-info` in the current folder comes first on sys.path and has
    no record at all. Run from a source tree that is not installed (PYTHONPATH), the tree is
    the folder to build from."""
    for dist in metadata.distributions(name=NAME):
        if dist.read_text("RECORD") is None or dist.version != version:
            continue
        try:
            text = dist.read_text("direct_url.json")
        except (OSError, UnicodeDecodeError) as e:
            raise ThreadpressError.one(f"cannot read this install record: {e}",
                                       f"{NAME} {version}'s direct_url.json") from None
        # RECORD lists itself, in the dist-info folder: where the record is, for messages
        record = next((dist.locate_file(f.parent / "direct_url.json") for f in dist.files or ()
                       if f.name == "RECORD"), f"{NAME} {version}'s direct_url.json")
        if text is None:
            return None, ""
        try:
            data = json.loads(text)
        except ValueError as e:
            raise ThreadpressError.one(f"cannot read this install record: {e}", record) from None
        return (data if isinstance(data, dict) else {}), str(record)
    tree = Path(__file__).resolve().parents[3]
    if (tree / "pyproject.toml").is_file() and (tree / "generator" / NAME).is_dir():
        return {"url": tree.as_uri(), "dir_info": {}}, ""
    raise ThreadpressError.one(f"cannot tell how threadpress {version} was installed (no "
                               "installed distribution of it); install it with pip and run "
                               "init again", Path(__file__).resolve().parents[1])


def wheel_bytes(wheel: Wheel, version: str) -> bytes:
    """The wheel's bytes, copied or built, checked to be threadpress `version`."""
    if wheel.copy is not None:
        data = _copied(wheel)
    else:
        data = _built(str(wheel.build), version)
    found = _wheel_version(data)
    if found != version:
        source = wheel.copy or wheel.build
        raise ThreadpressError.one(
            f"this is threadpress {found or '(not a threadpress wheel)'} now, not the running "
            f"{version}: install threadpress from it again (pip install {source}) and run init "
            "again", str(source))
    return data


def _copied(wheel: Wheel) -> bytes:
    try:
        data = Path(str(wheel.copy)).read_bytes()
    except OSError as e:
        raise ThreadpressError.one(
            f"threadpress was installed from this wheel, which cannot be read now "
            f"({e.strerror}); install threadpress again (from a wheel, a folder, or "
            "pip install git+https://github.com/threadpress/threadpress) and run init again",
            str(wheel.copy)) from None
    if wheel.sha256 and hashlib.sha256(data).hexdigest() != wheel.sha256:
        raise ThreadpressError.one(
            "this wheel changed since threadpress was installed from it; install threadpress "
            "from it again (pip install --force-reinstall FILE) and run init again",
            str(wheel.copy))
    return data


@functools.lru_cache(maxsize=4)   # one process builds a source once (tests run init often)
def _built(source: str, version: str) -> bytes:
    """A wheel built from a folder, an sdist or a local VCS URL: offline with the setuptools
    already here when there is one, else with pip fetching the build backend."""
    failed = []
    for label, command in _builders(source):
        with tempfile.TemporaryDirectory(prefix="threadpress-wheel-") as out:
            done = subprocess.run([*command, out, source], capture_output=True, text=True)
            wheels = sorted(Path(out).glob(f"{NAME}-*.whl"))
            if done.returncode == 0 and len(wheels) == 1:
                return wheels[0].read_bytes()
            said = (done.stderr.strip() or done.stdout.strip()).splitlines()
            failed.append(f"{label} failed: {said[-1] if said else 'no wheel'}")
    tried = "; ".join(failed) if failed else "this Python has neither pip nor setuptools>=77"
    raise ThreadpressError.one(
        f"cannot build a wheel of threadpress {version} from this ({tried}); install "
        "setuptools>=77 here (pip install 'setuptools>=77') and run init again, or build the "
        f"wheel yourself (python -m build --wheel; uv build --wheel), install threadpress from "
        "it, and run init again", source)


def _builders(source: str) -> list[tuple[str, list[str]]]:
    """The build commands to try, in order, each named and to be followed by the output
    folder and the source: offline, with the build backend threadpress needs (setuptools 77 or
    newer) when it is here; else pip, fetching it from the index into an isolated build."""
    have = {m: importlib.util.find_spec(m) is not None for m in ("pip", "build")}
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
           "-q"]
    if not _backend_here():
        return [("pip wheel", [*pip, "-w"])] if have["pip"] else []
    commands = []
    if have["pip"]:
        commands.append(("pip wheel --no-build-isolation", [*pip, "--no-build-isolation", "-w"]))
    if have["build"] and Path(source).is_dir():
        commands.append(("python -m build --no-isolation",
                         [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir"]))
    return commands


def _backend_here() -> bool:
    """Whether setuptools 77 or newer (pyproject.toml's build requirement) is installed."""
    try:
        major = metadata.version("setuptools").split(".", 1)[0]
    except metadata.PackageNotFoundError:
        return False
    return major.isdigit() and int(major) >= SETUPTOOLS


def _wheel_version(data: bytes) -> str | None:
    """The version in a threadpress wheel's METADATA (None: not a threadpress wheel)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as whl:
            [meta] = [n for n in whl.namelist()
                      if n.count("/") == 1 and n.endswith(".dist-info/METADATA")]
            fields = Parser().parsestr(whl.read(meta).decode("utf-8"), headersonly=True)
    except (zipfile.BadZipFile, ValueError, UnicodeDecodeError):
        return None
    return fields["Version"] if (fields["Name"] or "").lower() == NAME else None
