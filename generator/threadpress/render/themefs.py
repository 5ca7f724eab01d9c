"""Reading theme templates safely: links that leave the theme, unreadable files, and templates
that include or extend themselves each become a message naming the template."""

from __future__ import annotations

from pathlib import Path

import jinja2
from jinja2 import meta

from .. import sitefs
from ..errors import ThreadpressError


class ThemeLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader for one theme's templates folder that refuses symbolic links leading
    out of the theme (the next theme layer's template is used instead; the build warns about
    them) and turns a template it cannot read into a ThreadpressError naming it."""

    def __init__(self, folder: Path) -> None:
        super().__init__(str(folder))
        self.theme = folder.parent

    def get_source(self, environment: jinja2.Environment, template: str):
        try:
            source, filename, uptodate = super().get_source(environment, template)
        except jinja2.TemplateNotFound:
            raise
        except OSError as e:
            path = Path(self.searchpath[0]) / template
            raise sitefs.unreadable(path, e) from None
        except UnicodeDecodeError:   # jinja reads templates as UTF-8: say where it is not
            path = Path(self.searchpath[0]) / template
            sitefs.decode_text(sitefs.read_bytes(path), sitefs.shown(path))
            raise
        if not sitefs.inside(Path(filename), self.theme):
            raise jinja2.TemplateNotFound(template)   # the build warns: sitefs.theme_problems
        return source, filename, uptodate


def recursion_error(env: jinja2.Environment, template: str) -> ThreadpressError:
    """The message for a RecursionError met rendering `template`: the include/extends cycle
    when one can be found among the templates' literal names, else the template itself."""
    cycle = include_cycle(env, template)
    if cycle:
        chain = " → ".join(cycle)
        return ThreadpressError.one(f"template error: templates include or extend each other "
                                    f"without end ({chain})", _filename(env, cycle[0]) or cycle[0])
    return ThreadpressError.one("template error: recursion too deep (a template that includes, "
                                "extends or calls itself without end?)",
                                _filename(env, template) or template)


def include_cycle(env: jinja2.Environment, start: str) -> list[str] | None:
    """A cycle of {% include/extends/import %} by literal name reachable from `start`, as the
    list of names from the first repeated one back to it; None when there is none."""
    path: list[str] = []
    on_path: set[str] = set()
    done: set[str] = set()
    stack: list[tuple[str, list[str]]] = [(start, _references(env, start))]
    path.append(start)
    on_path.add(start)
    while stack:
        name, todo = stack[-1]
        if not todo:
            stack.pop()
            path.pop()
            on_path.discard(name)
            done.add(name)
            continue
        nxt = todo.pop()
        if nxt in on_path:
            return path[path.index(nxt):] + [nxt]
        if nxt not in done:
            stack.append((nxt, _references(env, nxt)))
            path.append(nxt)
            on_path.add(nxt)
    return None


def _references(env: jinja2.Environment, name: str) -> list[str]:
    try:
        source = env.loader.get_source(env, name)[0]
        return [n for n in meta.find_referenced_templates(env.parse(source)) if n]
    except (jinja2.TemplateError, ThreadpressError, OSError):
        return []


def _filename(env: jinja2.Environment, name: str) -> str | None:
    try:
        return sitefs.shown(env.loader.get_source(env, name)[1])
    except (jinja2.TemplateError, ThreadpressError, OSError):
        return None
