"""Make README.md's relative links absolute, for the copy PyPI shows (run by the release workflow).

On GitHub, `docs/format.md` and `docs/screenshots/x.png` resolve against the repository; on PyPI
they lead nowhere. Links go to the file's page at the released tag, images to its raw bytes.

    python .github/scripts/readme_for_pypi.py OWNER/REPO TAG [README.md]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

# ![alt](path) and [text](path); <img src="path"> and <a href="path">. Absolute URLs, #anchors
# and mailto: are left alone.
MARKDOWN = re.compile(r"(?P<image>!?)\[(?P<text>[^\]]*)\]\((?P<path>(?![a-z][a-z0-9+.-]*:|#)[^)\s]+)\)")
HTML = re.compile(r"""(?P<attr>src|href)="(?P<path>(?![a-z][a-z0-9+.-]*:|#)[^"]+)\"""")


def absolute(text: str, repo: str, ref: str) -> str:
    """TEXT with every relative link and image made absolute for REPO at REF."""
    page = f"https://github.com/{repo}/blob/{ref}/"
    raw = f"https://raw.githubusercontent.com/{repo}/{ref}/"

    def markdown(m: re.Match) -> str:
        base = raw if m["image"] else page
        return f"{m['image']}[{m['text']}]({base}{m['path']})"

    def html(m: re.Match) -> str:
        base = raw if m["attr"] == "src" else page
        return f'{m["attr"]}="{base}{m["path"]}"'

    return HTML.sub(html, MARKDOWN.sub(markdown, text))


def main(argv: list[str]) -> int:
    repo, ref, *rest = argv
    path = Path(rest[0] if rest else "README.md")
    path.write_text(absolute(path.read_text(encoding="utf-8"), repo, ref), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
