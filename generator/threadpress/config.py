"""The site config, `threadpress.yaml` at the site root: every key optional and defaulted."""

from __future__ import annotations

import difflib
import ipaddress
import re
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from . import sitefs
from .errors import Diagnostic, ThreadpressError
from .model import SORTS
from .parse import locate, parse

CONFIG_NAME = "threadpress.yaml"


def _setting(default: Any = MISSING, doc: str = "", **options: Any) -> Any:
    """A Config field with its one line of help (written beside it by `threadpress init`)."""
    return field(default=default, metadata={"help": doc}, **options)


@dataclass(frozen=True)
class Config:
    title: str = _setting("Threads", "site title")
    description: str = _setting("", "shown on the index and in its meta description")
    base_url: str = _setting("", "https://you.github.io/repo/ — enables canonical links, "
                                 "feeds and sitemaps")
    theme: str = _setting("default", "default | board | a folder under themes/")
    language: str = _setting("en", "<html lang>, search stemming: a BCP 47 tag (en-US, "
                                   "zh-Hans)")
    timezone: str = _setting("UTC", "IANA name, for displayed dates")
    date_format: str = _setting("%Y-%m-%d %H:%M", "strftime format")
    sort: str = _setting("original", "sibling order")
    index_order: str = _setting("newest", "thread index")
    index_singles: str = _setting("mixed", "threads without replies (apart: under single/)")
    comment_pages: bool = _setting(True, "a page per comment")
    context_depth: int = _setting(50, "ancestors shown on a comment page")
    per_page: int = _setting(30, "threads per index page")
    cname: str = _setting("", "writes CNAME for a custom domain (a host name)")
    offline: bool = _setting(False, "links end in index.html: the site browses from the disk")
    remote_images: bool = _setting(False, "show images from other sites (else a link with "
                                          "their alt text)")
    anonymize_authors: bool = _setting(False, "authors under stable pseudonyms (keyed with "
                                              ".threadpress/secret)")
    rewrite_links: bool = _setting(True, "links to threads the archive holds lead to its copy")
    taxonomies: list[str] = _setting(doc="pages per tag and per author, with their indexes",
                                     default_factory=lambda: list(TAXONOMIES))
    search: bool = _setting(True, "full-text search in the browser (Pagefind), a box on every "
                                  "page")
    params: dict[str, Any] = _setting(doc="anything, passed to themes as site.params",
                                      default_factory=dict)


TAXONOMIES = ("tags", "authors")
_CHOICES = {"sort": SORTS, "index_order": ("newest", "oldest", "title"),
            "index_singles": ("mixed", "apart")}
_MINIMUM = {"context_depth": 0, "per_page": 1}


def load_config(site: Path) -> tuple[Config, list[Diagnostic]]:
    """Read SITE/threadpress.yaml if present; raises ThreadpressError when a value is bad."""
    path = site / CONFIG_NAME
    if path.is_symlink() and not sitefs.inside(path, site):
        return Config(), [sitefs.outside_link(path)]
    if not path.is_file():
        return Config(), []
    name = str(path)
    data = sitefs.read_bytes(path)
    text = sitefs.decode_text(data, name)
    data = parse(text, name)  # raises ThreadpressError, placed, for malformed YAML
    if data is None:
        return Config(), []
    if not isinstance(data, dict):
        raise ThreadpressError.one("expected a mapping of settings", name, 1, 1)
    values, diags = _check(data, name)
    if diags:
        where = locate(text, name, [d.field for d in diags])
        for d in diags:
            d.line, d.column = where.get(d.field, (None, None))
    if any(not d.warning for d in diags):
        raise ThreadpressError(diags)  # the warnings too: every problem in one run
    return Config(**values), diags


def _check(data: dict, name: str) -> tuple[dict, list[Diagnostic]]:
    known = {f.name: f for f in fields(Config)}
    defaults = Config()
    values: dict[str, Any] = {}
    diags: list[Diagnostic] = []
    for key, value in data.items():
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else ""
            diags.append(Diagnostic(f"unknown setting {key!r} (ignored){hint}", name,
                                    field=(key,), warning=True))
            continue
        if value is None:
            continue
        problem = _problem(key, value, type(getattr(defaults, key)))
        if problem:
            diags.append(Diagnostic(problem, name, field=(key,)))
        else:
            values[key] = value.rstrip("/") + "/" if key == "base_url" and value else value
    return values, diags


def _problem(key: str, value: Any, expected: type) -> str | None:
    """What is wrong with one setting's value, or None."""
    if expected is bool and not isinstance(value, bool):
        return f"expected true or false, found {value!r}"
    if expected is int and (isinstance(value, bool) or not isinstance(value, int)):
        return f"expected an integer, found {value!r}"
    if expected is str and not isinstance(value, str):
        return f"expected a string, found {value!r}"
    if expected is dict and not isinstance(value, dict):
        return "expected a mapping"
    if expected is list:
        if not isinstance(value, list) or any(v not in TAXONOMIES for v in value):
            return f"expected a list of {', '.join(TAXONOMIES)} (or []), found {value!r}"
        return None
    if key in _CHOICES and value not in _CHOICES[key]:
        return f"expected one of {', '.join(_CHOICES[key])}, found {value!r}"
    if key in _MINIMUM and value < _MINIMUM[key]:
        return f"must be at least {_MINIMUM[key]}"
    if key == "timezone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            return f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)"
    if key == "base_url" and value:
        return _url_problem(value)
    if key == "language":
        return _language_problem(value)
    if key == "cname" and value and not _HOST.fullmatch(value):
        return (f"expected a domain name such as archive.example.org (letters, digits, '-' "
                f"and dots, no spaces), found {value!r}")
    if key == "theme" and (not value.strip() or "/" in value or "\\" in value
                           or value.startswith(".")):
        return f"expected a theme name, found {value!r}"
    return None


# A host name as DNS has it: dot-separated labels of letters, digits and inner hyphens,
# 63 characters each, 253 in all.
_HOST = re.compile(r"(?=.{1,253}\Z)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*"
                   r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


# A language tag as BCP 47 (RFC 5646, section 2.1) writes it: language (with extended
# subtags), script, region, variants, extensions, private use; or a private-use tag alone.
# Case does not matter (Pagefind lowercases it). Pagefind names its index files after the
# tag and takes `_` and `.` as separators in them, so only this form is let through.
_SUBTAGS = (r"(?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4,8})"   # language, extlang
            r"(?:-[a-z]{4})?"                                  # script
            r"(?:-(?:[a-z]{2}|[0-9]{3}))?"                     # region
            r"(?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*"        # variants
            r"(?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*"             # extensions
            r"(?:-x(?:-[a-z0-9]{1,8})+)?")                     # private use
_LANGUAGE = re.compile(rf"(?:{_SUBTAGS}|x(?:-[a-z0-9]{{1,8}})+)", re.IGNORECASE | re.ASCII)
LANGUAGE_MAX = 35   # characters: RFC 5646 section 4.4.1's limit for tags kept whole


def _language_problem(value: str) -> str | None:
    """What keeps `value` from being a language tag that `<html lang>` and Pagefind take."""
    if len(value) <= LANGUAGE_MAX and _LANGUAGE.fullmatch(value):
        return None
    shown = value if len(value) <= 60 else value[:60] + "…"
    hint = re.sub(r"[_.\s]+", "-", value.strip())
    fix = f"; did you mean {hint!r}?" if hint != value and len(hint) <= LANGUAGE_MAX \
        and _LANGUAGE.fullmatch(hint) else ""
    return (f"expected a BCP 47 language tag of at most {LANGUAGE_MAX} characters, subtags "
            f"joined by '-' (en, en-US, pt-BR, zh-Hans), found {shown!r}{fix}")


def _url_problem(value: str) -> str | None:
    """What keeps `value` from being a site's absolute http(s) address, or None."""
    if not value.startswith(("https://", "http://")):
        return f"expected an absolute http(s) URL, found {value!r}"
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return f"expected a URL without spaces or control characters, found {value!r}"
    try:
        parts = urlsplit(value)
        host, _ = parts.hostname, parts.port
    except ValueError as e:
        return f"expected an absolute http(s) URL ({e}), found {value!r}"
    if not host or not _host_ok(host):
        return f"expected an absolute http(s) URL with a host name, found {value!r}"
    if parts.query or parts.fragment:
        return f"expected a URL without ?query or #fragment, found {value!r}"
    return None


def _host_ok(host: str) -> bool:
    """A DNS name (international ones too) or an IP address."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    return bool(_HOST.fullmatch(ascii_host))


def base_url_notice(config: Config, site: Path) -> Diagnostic | None:
    """Without `base_url`, what breaks when the site is served under a path (GitHub Pages'
    https://you.github.io/repo/): a warning for the build to print, or None."""
    if config.base_url:
        return None
    return Diagnostic(
        "not set: add `base_url: https://you.github.io/repo/` or pass --base-url "
        "(for 404.html, canonical links, sitemaps and feeds)",
        str(site / CONFIG_NAME), field=("base_url",), warning=True)


def override(config: Config, **options: Any) -> Config:
    """The config with command-line options applied (None = not given), checked like the file."""
    given = {k: v for k, v in options.items() if v is not None}
    values, diags = _check(given, "command line")
    if diags:
        raise ThreadpressError([Diagnostic(f"--{d.field[0].replace('_', '-')}: {d.message}")
                                for d in diags])
    return replace(config, **values)


def commented_config(config: Config | None = None) -> str:
    """Every setting as `key: value  # help`, one a line, from Config's own fields.

    `threadpress init` writes this (after a header) and the README shows it, so neither can
    miss a setting; the choices of a setting come from the same table its check uses.
    """
    config = config or Config()
    lines = []
    for f in fields(Config):
        # one key at a time, so YAML quotes each value only where it must ('' , '%Y…')
        pair = yaml.safe_dump({f.name: getattr(config, f.name)}, allow_unicode=True,
                              default_flow_style=True, width=1 << 16)
        pair = pair.strip().removeprefix("{").removesuffix("}")
        about = f.metadata.get("help", "")
        if f.name in _CHOICES:
            about += ": " + " | ".join(_CHOICES[f.name])
        lines.append((pair, about))
    width = max(len(pair) for pair, _ in lines) + 2
    return "".join(f"{pair:<{width}}# {about}\n" for pair, about in lines)
