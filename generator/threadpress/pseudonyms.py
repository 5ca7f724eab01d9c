"""Pseudonyms (`anonymize_authors: true`): every author name → a stable name from a keyed hash.

The pseudonym is an HMAC-SHA256 of the name keyed with the site's secret, so the same person
gets the same pseudonym in every thread and every build, and nobody without the secret can
test a guessed name against the published pseudonyms (a plain hash could be reversed by
hashing every known user name). The secret lives outside the output: the THREADPRESS_SECRET
environment variable (for CI), else SITE/.threadpress/secret, created on first need.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from .errors import ThreadpressError
from .model import Thread
from .redactions import Names, drop_urls, rename_comments, rewrite_texts

SECRET_ENV = "THREADPRESS_SECRET"
SECRET_FILE = Path(".threadpress") / "secret"
PREFIX = "anon-"
DIGITS = 10            # hex digits: a clash needs about a million authors (birthday bound)


def secret_path(site: Path) -> Path:
    return site / SECRET_FILE


def load_secret(site: Path, create: bool = True) -> bytes:
    """The site's secret: from the environment, else the secret file (made when missing).

    In CI (the `CI` variable set) a missing secret is an error rather than a new one: a
    secret made afresh on every run would give everyone new pseudonyms on every build."""
    env = os.environ.get(SECRET_ENV, "").strip()
    if env:
        return env.encode("utf-8")
    path = secret_path(site)
    if path.is_file():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value.encode("utf-8")
    if os.environ.get("CI"):
        raise ThreadpressError.one(
            f"anonymize_authors needs the site secret, and neither {SECRET_ENV} nor {path} is "
            f"set; give CI the secret of the archive (a repository secret passed as {SECRET_ENV})",
            path)
    if not create:
        return b""
    return make_secret(site).encode("utf-8")


def make_secret(site: Path) -> str:
    """Write a new random secret to SITE/.threadpress/secret (readable by its owner only)."""
    path = secret_path(site)
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(value + "\n")
    return value


def pseudonym(name: str, secret: bytes) -> str:
    digest = hmac.new(secret, name.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:DIGITS]


def anonymize(thread: Thread, secret: bytes) -> None:
    """Every author of the thread under a pseudonym, in place: the author fields, and the
    authors' names wherever the thread's texts hold them — however written (redactions.Names,
    the matcher takedowns use: entities and URL escapes decoded, any capitals, any white space
    between a name's words), with a mail address after one (`Name <addr> wrote:`), in
    mentions and their HTML, in links (`/@name`, `~name`, `/u/name`, `user?id=name`,
    `github.com/name`) and in extras (avatar URLs); comment ids and tags that hold a name;
    and the thread's and comments' own links when a part of their path is a name."""
    names = {n for n in [thread.author, *(c.author for c in thread.comments)] if n and n.strip()}
    if not names:
        return
    alias = {n: pseudonym(n, secret) for n in names}
    folded = {_fold(n): alias[n] for n in sorted(names, reverse=True)}   # of two in other capitals, one
    thread.author = alias.get(thread.author) if thread.author else None
    for c in thread.comments:
        if c.author:
            c.author = alias.get(c.author, c.author)
    matcher = Names(names)

    def change(text: str) -> str:
        return matcher.rename(text, lambda name: folded.get(_fold(name), PREFIX + "author"))

    renames = {c.id: new for c in thread.comments for new in [change(c.id)] if new != c.id}
    if renames:
        rename_comments(thread, renames)
    rewrite_texts(thread, change)
    thread.tags = list(dict.fromkeys(change(t) for t in thread.tags))
    drop_urls(thread, alias)


def _fold(name: str) -> str:
    return " ".join(name.split()).casefold()
