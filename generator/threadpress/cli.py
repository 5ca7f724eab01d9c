"""The command line: the verbs over the stages (init, check, build, serve, import)."""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from . import __version__
from .errors import Diagnostic, ThreadpressError, plural, report

if TYPE_CHECKING:
    from .config import Config

# Shown under each command's help: one example says more than a paragraph of options.
EXAMPLES = {
    None: """examples:
  threadpress init my-archive && cd my-archive  # a new archive site
  threadpress import hn saved-item.json        # a saved payload → content/hn/<id>.yaml
  threadpress check                            # validate the thread files of the site in .
  threadpress build --base-url https://you.github.io/repo/
run `threadpress COMMAND --help` for a command's options""",
    "check": """examples:
  threadpress check                 # the site in the current folder
  threadpress check my-archive --strict""",
    "build": """examples:
  threadpress build                                   # . → ./output
  threadpress build my-archive -o public --theme board
  threadpress build --base-url https://you.github.io/repo/   # absolute 404 page, canonical links""",
    "import": """examples:
  threadpress import hn item.json                      # → content/hn/<id>.yaml
  threadpress import reddit https://www.reddit.com/r/x/comments/abc/ -o my-archive/content
  threadpress import github issue.json comments.json  # one issue: combined into one thread
  threadpress import mbox list.mbox --skip-from 'jira@|git@|jenkins' -v
see docs/import.md for how to save each source's payload""",
    "redact": """examples:
  threadpress redact                 # apply ./redactions.yaml to content/ and content/_imports/
  threadpress redact --dry-run       # only list the files it would change
  threadpress redact my-archive && git -C my-archive commit -am "Takedown"
the text stays in git history: docs/archive-care.md says how to rewrite it""",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return args.run(args)
    except ThreadpressError as e:
        report(e.diagnostics)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="threadpress", epilog=EXAMPLES[None], formatter_class=_Help,
        description="Publish discussion threads as static websites.")
    p.add_argument("--version", action="version", version=f"threadpress {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    init = sub.add_parser(
        "init", help="start a new archive site",
        description="Write a new archive site into DIR: threadpress.yaml (every setting, "
        "commented), an example thread in content/, a .gitignore, and a GitHub Pages workflow "
        "(.github/workflows/pages.yml). Nothing is overwritten unless --force is given.",
        epilog=INIT_EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    init.add_argument("dir", nargs="?", default=".", metavar="DIR",
                      help="the new site's folder, made if missing (default: .)")
    init.add_argument("--force", action="store_true", help="replace files that already exist")
    init.set_defaults(run=_init)

    check = sub.add_parser("check", help="validate every thread file and print a summary",
                           epilog=EXAMPLES["check"], formatter_class=_Help)
    check.add_argument("site", nargs="?", default=".", help="the site folder (default: .)")
    check.add_argument("--strict", action="store_true", help="fail on warnings too")
    check.set_defaults(run=_check)

    build = sub.add_parser("build", help="build the static site", epilog=EXAMPLES["build"],
                           formatter_class=_Help)
    build.add_argument("site", nargs="?", default=".", help="the site folder (default: .)")
    build.add_argument("-o", "--output", help="output folder (default: SITE/output)")
    build.add_argument("--base-url", help="absolute URL the site is served from")
    build.add_argument("--theme", help="theme name, instead of the config's `theme`")
    build.add_argument("-j", "--jobs", type=int, default=None,
                       help="parallel render processes (default: number of CPUs)")
    build.add_argument("-q", "--quiet", action="store_true", help="no progress or summary")
    build.add_argument("--strict", action="store_true", help="fail on warnings too")
    build.add_argument("--clean", action="store_true",
                       help="ignore the build state and render every thread (a cold build)")
    build.add_argument("--offline", action="store_true", default=None,
                       help="links end in index.html, so the site browses from the disk")
    build.set_defaults(run=_build)

    serve = sub.add_parser(
        "serve", help="build, serve locally and rebuild on every change, with live reload",
        description="Build the site into SITE/.threadpress/serve/ (output/ is left alone), serve "
        "it at http://ADDR:PORT under the path of base_url (/archive/ for "
        "https://me.github.io/archive/), and watch content/, themes/, threadpress.yaml, "
        "redactions.yaml and the pseudonym secret: "
        "each change rebuilds what it affects, and open pages reload by themselves or show "
        "the build's errors. Ctrl-C stops it.")
    serve.add_argument("site", nargs="?", default=".", help="the site folder (default: .)")
    serve.add_argument("-p", "--port", type=_port, default=8000,
                       help="port to listen on (default: 8000; 0: any free port)")
    serve.add_argument("--bind", default="127.0.0.1", metavar="ADDR",
                       help="address to listen on (default: 127.0.0.1, this machine only; "
                       "0.0.0.0 for every network). Requests must name the preview by "
                       "localhost, 127.0.0.1, [::1] or ADDR (with 0.0.0.0: also any IP "
                       "address or this machine's name); others get 421")
    serve.set_defaults(run=_serve)

    imp = sub.add_parser("import", help="convert saved discussions into thread files",
                         epilog=EXAMPLES["import"], formatter_class=_Help)
    imp.add_argument("source", help="hn, reddit, lobsters, discourse, github, mastodon, mbox, "
                     "or a whole dump: reddit-dump, hn-dump")
    imp.add_argument("inputs", nargs="+", metavar="INPUT", help="a file, - for stdin, or a URL/id "
                     "(dumps: files, .zst/.gz/.bz2/.xz or plain)")
    imp.add_argument("-o", "--output", default="content", help="folder for thread files (default: content)")
    imp.add_argument("--format", choices=("yaml", "json"), default=None,
                     help="thread file format (default: yaml; for reddit-dump and hn-dump, json "
                     "for new files and an existing file's own format)")
    imp.add_argument("-q", "--quiet", action="store_true", help="no progress or summary")
    imp.add_argument("--site-url", help="the original site's address, for payloads without it "
                     "(discourse: https://forum.example.org)")
    imp.add_argument("--subreddit", action="append", metavar="NAME",
                     help="reddit-dump: keep only this subreddit (repeat, or NAME,NAME)")
    imp.add_argument("--since", metavar="DATE", help="dumps: keep items created on or after DATE")
    imp.add_argument("--until", metavar="DATE", help="dumps: keep items created before DATE")
    imp.add_argument("--skip-from", action="append", metavar="PATTERN",
                     help="mbox: leave out messages whose From header (name and address) "
                     "matches this regular expression, case-insensitively; repeatable")
    imp.add_argument("-v", "--verbose", action="store_true",
                     help="list every file written (on standard output), not only the summary")
    imp.set_defaults(run=_import)

    red = sub.add_parser(
        "redact", help="apply redactions.yaml to the thread files and import records themselves",
        description="Remove what SITE/redactions.yaml names from the files under SITE/content "
        "(thread files and the import records in content/_imports/), in place: a removed "
        "comment keeps its id and place and loses its words and author; a removed thread keeps "
        "only its addresses. The build's pages stay the same; a re-import brings nothing back. "
        "Running it again changes nothing.", epilog=EXAMPLES["redact"], formatter_class=_Help)
    red.add_argument("site", nargs="?", default=".", help="the site folder (default: .)")
    red.add_argument("-n", "--dry-run", action="store_true",
                     help="list the files it would change, and what in each; write nothing")
    red.set_defaults(run=_redact)
    return p


class _Help(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' line breaks."""


INIT_EXAMPLE = """\
example:
  threadpress init my-archive && cd my-archive
  threadpress serve                   # a live preview at http://127.0.0.1:8000/
  threadpress build                   # → output/; open output/index.html
  git init -b main && git add . && git commit -m "A new archive"
  # push to GitHub, then Settings → Pages → Source: GitHub Actions

the whole walk, from install to a published archive: docs/getting-started.md in
threadpress's source (linked from https://pypi.org/project/threadpress/)
"""


def _init(args: argparse.Namespace) -> int:
    from .pseudonyms import make_secret, secret_path
    from .scaffold import WORKFLOW, create_site
    from .scaffold.install import how_installed, plan

    # The workflow installs threadpress the way this one was installed (its PEP 610 record):
    # the same version from PyPI, the same commit from git, or a wheel of it put in vendor/.
    record, record_file = how_installed(__version__)
    install = plan(record, __version__, record_file)
    for path in create_site(Path(args.dir), force=args.force, install=install):
        print(path)
    secret = secret_path(Path(args.dir))
    if not secret.exists():   # never replaced, even with --force: pseudonyms would change
        make_secret(Path(args.dir))
        print(secret)
    print(f"{WORKFLOW} installs {install.says}", file=sys.stderr)
    where = "" if args.dir == "." else f"cd {shlex.quote(args.dir)} && "
    print(f"a new archive site; build it with: {where}threadpress build", file=sys.stderr)
    return 0


def _check(args: argparse.Namespace) -> int:
    from .config import Config, load_config
    from .load import load_content
    from .redactions import Redactions, load_redactions, missing_comments, unmatched

    site = Path(args.site)
    try:
        config, diags = load_config(site)
    except ThreadpressError as e:  # still check the content, with the default settings
        config, diags = Config(), e.diagnostics
    try:
        red = load_redactions(site)
    except ThreadpressError as e:
        red, diags = Redactions(), diags + e.diagnostics
    diags = diags + _secret_diagnostics(site, config)
    loaded = load_content(site / "content", config.sort, keep=False,
                          inspect=lambda thread: missing_comments(thread, red))
    names = {n for b in loaded.loaded for n in (b.slug, b.id)}
    diags = diags + loaded.diagnostics + unmatched(red, names) + _theme_diagnostics(site, config)
    report(diags)
    comments = sum(b.comments for b in loaded.loaded)
    deepest = max((b.deepest for b in loaded.loaded), default=0)
    errors = sum(not d.warning for d in diags)
    warnings = len(diags) - errors
    print(f"{plural(len(loaded.loaded), 'thread')}, {plural(comments, 'comment')}, "
          f"deepest chain {deepest}, {plural(warnings, 'warning')}, {plural(errors, 'error')}")
    return 1 if errors or (args.strict and warnings) else 0


def _secret_diagnostics(site: Path, config: "Config") -> list[Diagnostic]:
    """What a build would say of the pseudonym secret (none in CI is an error); `check` reads
    it by the build's own rule and never writes one."""
    from .pseudonyms import load_secret

    if not config.anonymize_authors:
        return []
    try:
        load_secret(site, create=False)
    except ThreadpressError as e:
        return e.diagnostics
    return []


def _theme_diagnostics(site: Path, config: "Config") -> list[Diagnostic]:
    """What a build would say of the theme: its name, links leaving it, broken templates."""
    from . import sitefs
    from .render import pages
    from .theme import resolve_theme

    try:
        theme = resolve_theme(site, config.theme)
    except ThreadpressError as e:
        return e.diagnostics
    return sitefs.theme_problems(theme.template_dirs) + sitefs.theme_problems(
        theme.static_dirs, read=True) + pages.template_diagnostics(
        pages.Renderer(theme, config), theme)


def _build(args: argparse.Namespace) -> int:
    from .build import build_site

    return build_site(Path(args.site), output=args.output and Path(args.output),
                      base_url=args.base_url, theme=args.theme, jobs=args.jobs, quiet=args.quiet,
                      strict=args.strict, clean=args.clean, offline=args.offline)


def _port(text: str) -> int:
    """A TCP port number, for argparse (which turns the error into a usage message)."""
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, found {text!r}")
    return int(text)


def _serve(args: argparse.Namespace) -> int:
    from .serve import serve_site

    return serve_site(Path(args.site), port=args.port, bind=args.bind)


def _redact(args: argparse.Namespace) -> int:
    from .redact_files import redact_site

    outcome = redact_site(Path(args.site), write=not args.dry_run)
    report(outcome.diagnostics)
    if args.dry_run:
        for line in outcome.listing():
            print(line)
    print(outcome.summary())
    return 1 if outcome.errors else 0


def _import(args: argparse.Namespace) -> int:
    from .importers.common import import_threads
    from .importers.dumps import DUMPS, run_dump
    from .redact_files import for_import

    for_import(Path(args.output))  # a malformed redactions.yaml: one error, before any input
    if args.source in DUMPS:
        summary = run_dump(args.source, args.inputs, Path(args.output), args.format,
                           since=args.since, until=args.until, subreddits=args.subreddit)
        report(summary.bad.diagnostics())
        print(summary.line())
        return 0
    if args.subreddit or args.since or args.until:
        raise ThreadpressError.one("--subreddit, --since and --until are for reddit-dump and "
                                   "hn-dump")
    done = import_threads(args.source, args.inputs, Path(args.output), args.format or "yaml",
                          site_url=args.site_url, skip_from=args.skip_from, quiet=args.quiet)
    if args.verbose:  # without -v the summary line (standard error) gives the totals
        for item in done:
            print(f"{item.path}: {item.status}")
    return 0
