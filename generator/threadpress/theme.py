"""Themes: which folders a theme's templates and static files come from (no Jinja needed)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .errors import ThreadpressError
from .parse import locate


def builtin_themes() -> Path:
    return Path(str(resources.files("threadpress.themes")))


@dataclass(frozen=True)
class Theme:
    name: str
    template_dirs: tuple[Path, ...]   # most specific first
    static_dirs: tuple[Path, ...]     # least specific first: later ones override


def resolve_theme(site: Path, name: str, from_command_line: bool = False) -> Theme:
    """The site's themes/<name>/ over the built-in <name> over the built-in default.

    An unknown name is blamed on where it came from: `--theme`, or the config's `theme`."""
    layers = [site / "themes" / name, builtin_themes() / name, builtin_themes() / "default"]
    if not any(d.is_dir() for d in layers[:2]):
        known = sorted(p.name for p in builtin_themes().iterdir() if (p / "templates").is_dir())
        problem = (f"unknown theme {name!r} (built-in: {', '.join(known)}; "
                   f"or make {site / 'themes' / name})")
        if from_command_line:
            raise ThreadpressError.one(f"--theme: {problem}")
        config = site / "threadpress.yaml"
        line, column = locate(config.read_text(encoding="utf-8-sig"), str(config),
                              [("theme",)]).get(("theme",), (None, None))
        raise ThreadpressError.one(problem, config, line, column, field=("theme",))
    unique = list(dict.fromkeys(layers))
    return Theme(name,
                 tuple(d / "templates" for d in unique if (d / "templates").is_dir()),
                 tuple(d / "static" for d in reversed(unique) if (d / "static").is_dir()))
