"""Mutants of a Python module: the small edits a real regression could make, as source patches.

Operators: comparisons flipped, arithmetic and boolean operators swapped, `not`/`-` dropped,
numbers nudged, True/False swapped, strings emptied, regexes weakened (an anchor, quantifier,
negation, class member or alternative dropped), one element dropped from a literal set, list,
tuple or dict of constants, a keyword argument dropped, look-alike calls swapped (ljust/rjust,
min/max, ...), and statements (including whole `if`/`for` blocks) deleted.

Each mutant replaces one span of the original text, so everything else (line numbers included)
stays as written. Its key names the function, the change and the line's text, not the line
number, so a key stays valid while the rest of the file changes (tools/mutation.toml lists
equivalent mutants by key).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Iterator

_CMP = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE,
        ast.GtE: ast.Gt, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot, ast.IsNot: ast.Is}
_BIN = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
        ast.FloorDiv: ast.Mult, ast.Mod: ast.FloorDiv, ast.BitOr: ast.BitAnd, ast.BitAnd: ast.BitOr}
_BOOL = {ast.And: ast.Or, ast.Or: ast.And}
_SWAP_CALLS = {"ljust": "rjust", "rjust": "ljust", "lstrip": "rstrip", "rstrip": "lstrip",
               "strip": "rstrip", "startswith": "endswith", "endswith": "startswith",
               "min": "max", "max": "min", "any": "all", "all": "any", "upper": "lower",
               "lower": "upper", "bisect_left": "bisect_right", "bisect_right": "bisect_left",
               "find": "rfind", "rfind": "find", "index": "rindex", "rindex": "index"}
_UNWRAP_CALLS = {"reversed", "sorted"}  # f(x) → x
_RE_FUNCS = {"compile", "match", "fullmatch", "search", "sub", "subn", "split", "finditer",
             "findall"}
_ESCAPE_WIDTH = {"x": 4, "u": 6, "U": 10}  # \\x1f, \\u00e9, \\U0001f600
PRAGMA = "pragma: no mutate"


@dataclass(frozen=True)
class Mutant:
    module: str
    key: str          # "qualname: change @ line text", stable while that line is unchanged
    line: int         # 1-based line of the change in the original text
    start: int        # the replaced span, as character offsets into the original text
    end: int
    replacement: str
    in_function: bool  # False: module level, so it acts at import time

    def apply(self, source: str) -> str:
        return source[:self.start] + self.replacement + source[self.end:]

    def diff(self, source: str) -> tuple[str, str]:
        """The changed lines before and after, for reports."""
        first = source.rfind("\n", 0, self.start) + 1
        old_end = source.find("\n", self.end)
        old_end = len(source) if old_end < 0 else old_end
        new = self.apply(source)
        new_end = old_end + len(self.replacement) - (self.end - self.start)
        return source[first:old_end].strip(), new[first:new_end].strip()


def mutants(source: str, module: str, message_calls: set[str] = frozenset()) -> list[Mutant]:
    """Every mutant of `source`; strings inside calls named in `message_calls` are left alone."""
    finder = _Finder(source, module, set(message_calls))
    finder.visit(ast.parse(source))
    return [m for m in finder.found if _compiles(m.apply(source))]


def _compiles(source: str) -> bool:
    try:
        compile(source, "<mutant>", "exec", dont_inherit=True)
    except SyntaxError:
        return False
    return True


class _Offsets:
    """AST positions (line, UTF-8 byte column) → character offsets into the text."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def at(self, line: int, col: int) -> int:
        return self.starts[line - 1] + len(self.lines[line - 1].encode()[:col].decode())

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self.at(node.lineno, node.col_offset),
                self.at(node.end_lineno, node.end_col_offset))


class _Finder(ast.NodeVisitor):
    def __init__(self, source: str, module: str, message_calls: set[str]) -> None:
        self.source, self.module, self.message_calls = source, module, message_calls
        self.pos = _Offsets(source)
        self.found: list[Mutant] = []
        self.names: list[str] = []
        self.depth = 0           # functions we are inside
        self.quiet = 0           # inside a message call or raise: strings are prose
        self.skip: set[int] = set()  # ids of nodes handled by their parent
        self.seen: dict[str, int] = {}

    # --- recording ----------------------------------------------------------------------

    def add(self, node: ast.AST, replacement: str, change: str, wrap: bool = True) -> None:
        line_text = self.pos.lines[node.lineno - 1].strip()
        if PRAGMA in line_text:
            return
        start, end = self.pos.span(node)
        if wrap and "\n" not in replacement:
            replacement = f"({replacement})"
        base = f"{'.'.join(self.names) or '<module>'}: {change} @ {line_text.split('  #')[0]}"
        n = self.seen.get(base, 0) + 1
        self.seen[base] = n
        key = base if n == 1 else f"{base} #{n}"
        self.found.append(Mutant(self.module, key, node.lineno, start, end, replacement,
                                 self.depth > 0))

    def add_changed(self, node: ast.AST, new: ast.AST, change: str) -> None:
        self.add(node, ast.unparse(new), change)

    # --- structure ----------------------------------------------------------------------

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:  # noqa: N802
        for d in node.decorator_list:
            self.visit(d)
        self.visit(node.args)
        self.names.append(node.name)
        self.depth += 1
        self.statements(node.body)
        self.depth -= 1
        self.names.pop()

    visit_AsyncFunctionDef = visit_FunctionDef  # noqa: N815

    def visit_ClassDef(self, node: ast.ClassDef) -> None:  # noqa: N802
        self.names.append(node.name)
        for stmt in _without_docstring(node.body):
            self.visit(stmt)
        self.names.pop()

    def visit_Module(self, node: ast.Module) -> None:  # noqa: N802
        for stmt in _without_docstring(node.body):
            self.visit(stmt)

    def visit_arguments(self, node: ast.arguments) -> None:  # noqa: N802
        for default in node.defaults + [d for d in node.kw_defaults if d is not None]:
            self.visit(default)

    def statements(self, body: list[ast.stmt]) -> None:
        """A function's statements: each may be deleted, then its insides are mutated."""
        for stmt in _without_docstring(body):
            if not isinstance(stmt, (ast.Pass, ast.FunctionDef, ast.ClassDef, ast.Import,
                                     ast.ImportFrom, ast.Global, ast.Nonlocal)):
                kind = type(stmt).__name__.lower()
                self.add(stmt, "pass", f"delete {kind}", wrap=False)
            if isinstance(stmt, ast.Break):
                self.add(stmt, "continue", "break → continue", wrap=False)
            self.visit(stmt)

    def generic_visit(self, node: ast.AST) -> None:
        for field, value in ast.iter_fields(node):
            if field in ("annotation", "returns"):
                continue  # type hints do nothing at run time
            items = value if isinstance(value, list) else [value]
            body = field in ("body", "orelse", "finalbody") and self.depth > 0
            if body and items and isinstance(items[0], ast.stmt):
                self.statements(items)
                continue
            for item in items:
                if isinstance(item, ast.AST):
                    self.visit(item)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:  # noqa: N802
        if self.depth:
            self.statements(node.body)
        else:
            self.generic_visit(node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:  # noqa: N802
        """Drop a literal part or a format spec; the parts' own positions are unreliable in 3.11,
        so the whole f-string is rewritten, and expressions inside are left alone."""
        if self.quiet:
            return
        for i, part in enumerate(node.values):
            rest = node.values[:i], node.values[i + 1:]
            if isinstance(part, ast.FormattedValue) and part.format_spec is not None:
                plain = ast.FormattedValue(part.value, part.conversion, None)
                self.add_changed(node, ast.JoinedStr([*rest[0], plain, *rest[1]]),
                                 f"drop format spec of f-string part {i}")
                spec = ast.unparse(part.format_spec)[2:-1]  # f'02X' → 02X
                unpadded = re.sub(r"^0?[0-9]+", "", spec)
                if unpadded != spec and "{" not in spec:
                    bare = ast.FormattedValue(part.value, part.conversion,
                                              ast.JoinedStr([ast.Constant(unpadded)]))
                    self.add_changed(node, ast.JoinedStr([*rest[0], bare, *rest[1]]),
                                     f"drop width {spec!r} → {unpadded!r} in f-string part {i}")
            elif isinstance(part, ast.Constant):
                self.add_changed(node, ast.JoinedStr([*rest[0], *rest[1]]),
                                 f"drop {_short(part.value)} from f-string")

    def visit_Raise(self, node: ast.Raise) -> None:  # noqa: N802
        self.quiet += 1
        self.generic_visit(node)
        self.quiet -= 1

    def visit_Import(self, node: ast.AST) -> None:  # noqa: N802
        return

    visit_ImportFrom = visit_Import  # noqa: N815

    # --- operators ----------------------------------------------------------------------

    def visit_Compare(self, node: ast.Compare) -> None:  # noqa: N802
        for i, op in enumerate(node.ops):
            new_op = _CMP.get(type(op))
            if new_op:
                new = ast.Compare(node.left, node.ops[:i] + [new_op()] + node.ops[i + 1:],
                                  node.comparators)
                self.add_changed(node, new, f"{_sym(op)} → {_sym(new_op())}")
        self.generic_visit(node)

    def visit_BinOp(self, node: ast.BinOp) -> None:  # noqa: N802
        new_op = _BIN.get(type(node.op))
        if new_op:
            self.add_changed(node, ast.BinOp(node.left, new_op(), node.right),
                             f"{_sym(node.op)} → {_sym(new_op())}")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:  # noqa: N802
        new_op = _BIN.get(type(node.op))
        if new_op:
            self.add(node, ast.unparse(ast.AugAssign(node.target, new_op(), node.value)),
                     f"{_sym(node.op)}= → {_sym(new_op())}=", wrap=False)
        self.generic_visit(node)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:  # noqa: N802
        new_op = _BOOL[type(node.op)]
        self.add_changed(node, ast.BoolOp(new_op(), node.values),
                         f"{_sym(node.op)} → {_sym(new_op())}")
        self.generic_visit(node)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> None:  # noqa: N802
        if isinstance(node.op, (ast.Not, ast.USub)):
            self.add_changed(node, node.operand, f"drop {_sym(node.op)}")
        if not (isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant)):
            self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:  # noqa: N802
        if id(node) in self.skip:
            return
        v = node.value
        if isinstance(v, bool):
            self.add(node, repr(not v), f"{v} → {not v}")
        elif isinstance(v, (int, float)):
            self.add(node, repr(v + 1), f"{v!r} → {v + 1!r}")
        elif isinstance(v, str) and not self.quiet:
            new = "XX" if v == "" else ""
            self.add(node, repr(new), f"{_short(v)} → {new!r}")

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        name = _call_name(node.func)
        is_re = isinstance(node.func, ast.Attribute) and _is_name(node.func.value, "re")
        if name in _RE_FUNCS and is_re and node.args and _is_str(node.args[0]):
            self.regex(node.args[0], _flags(node))
        if name in _SWAP_CALLS:
            self.add_changed(node, _renamed_call(node, _SWAP_CALLS[name]),
                             f"{name}() → {_SWAP_CALLS[name]}()")
        if name in _UNWRAP_CALLS and isinstance(node.func, ast.Name) and len(node.args) == 1:
            self.add_changed(node, node.args[0], f"{name}(x) → x")
        for i, kw in enumerate(node.keywords):
            if kw.arg is not None:
                new = ast.Call(node.func, node.args, node.keywords[:i] + node.keywords[i + 1:])
                self.add_changed(node, new, f"drop {kw.arg}=")
        quiet = name in self.message_calls
        self.quiet += quiet
        self.generic_visit(node)
        self.quiet -= quiet

    def visit_Assign(self, node: ast.Assign) -> None:  # noqa: N802
        target = node.targets[0]
        if (len(node.targets) == 1 and isinstance(target, ast.Name) and target.id.endswith("_RE")
                and _is_str(node.value)):
            self.regex(node.value, 0)
        self.generic_visit(node)

    def visit_Set(self, node: ast.Set) -> None:  # noqa: N802
        self.literal(node, "elts")

    def visit_List(self, node: ast.List) -> None:  # noqa: N802
        self.literal(node, "elts")

    def visit_Tuple(self, node: ast.Tuple) -> None:  # noqa: N802
        self.literal(node, "elts")

    def visit_Dict(self, node: ast.Dict) -> None:  # noqa: N802
        self.literal(node, "keys")

    def literal(self, node: ast.AST, field: str) -> None:
        """Drop each element of a literal collection of constants (a set of allowed tags...)."""
        elements = getattr(node, field)
        if (len(elements) >= 2 and all(isinstance(e, ast.Constant) for e in elements)
                and not isinstance(getattr(node, "ctx", None), ast.Store)):
            for i, e in enumerate(elements):
                new = _without(node, i)
                kind = type(node).__name__.lower()
                self.add_changed(node, new, f"drop {_short(e.value)} from the {kind}")
                self.skip.add(id(e))
        self.generic_visit(node)

    # --- regexes ------------------------------------------------------------------------

    def regex(self, node: ast.Constant, flags: int) -> None:
        self.skip.add(id(node))
        for change, pattern in regex_mutants(node.value):
            try:
                re.compile(pattern, flags)
            except re.error:
                continue
            self.add(node, repr(pattern), f"regex: {change}")


def regex_mutants(p: str) -> Iterator[tuple[str, str]]:
    """Weakened versions of a regex: (what changed, the new pattern)."""
    groups: list[list[int]] = []   # per open group: positions of its `(` and each top-level `|`
    cls_start, members = -1, []    # the open character class and its members' spans
    i = 0
    while i < len(p):
        c = p[i]
        width = _ESCAPE_WIDTH.get(p[i + 1:i + 2], 2) if c == "\\" else 1
        tok = p[i:i + width]
        if cls_start >= 0:
            if c == "]" and i > cls_start + 1 + (p[cls_start + 1] == "^"):
                if len(members) > 1:
                    for a, b in members:
                        yield f"drop {p[a:b]!r} from class at {cls_start}", p[:a] + p[b:]
                cls_start = -1
            elif c == "-" and members and i + 1 < len(p) and p[i + 1] != "]":
                a = members.pop()[0]
                w = _ESCAPE_WIDTH.get(p[i + 2:i + 3], 2) if p[i + 1] == "\\" else 1
                members.append((a, i + 1 + w))
                i += 1 + w
                continue
            else:
                members.append((i, i + width))
            i += width
            continue
        if tok in ("\\Z", "\\A", "\\b", "\\B") or c in "^$":
            yield f"drop {tok!r} at {i}", p[:i] + p[i + width:]
        elif c == "[":
            cls_start, members = i, []
            if p[i + 1:i + 2] == "^":
                yield f"drop negation at {i}", p[:i + 1] + p[i + 2:]
                i += 1
        elif c in "+*" and i and p[i - 1] not in "+*?":
            other = "*" if c == "+" else "+"
            yield f"{c!r} → {other!r} at {i}", p[:i] + other + p[i + 1:]
        elif c == "?" and i and p[i - 1] != "(":
            yield f"drop '?' at {i}", p[:i] + p[i + 1:]
        elif c == "(":
            groups.append([i])
        elif c == "|":
            (groups[-1] if groups else _top(groups)).append(i)
        elif c == ")" and groups:
            yield from _alternatives(p, groups.pop() + [i])
        i += width
    if groups and groups[0][:1] == [-1]:
        yield from _alternatives(p, groups[0] + [len(p)])


def _top(groups: list[list[int]]) -> list[int]:
    """The pattern's own top level, as a pseudo group opened before the first character."""
    groups.insert(0, [-1])
    return groups[0]


def _alternatives(p: str, marks: list[int]) -> Iterator[tuple[str, str]]:
    """Drop each alternative of a group whose `(`, `|`s and `)` sit at `marks`."""
    if len(marks) < 3:
        return
    open_ = marks[0]
    body_start = open_ + 1
    if p[body_start:body_start + 1] == "?":  # (?:...), (?P<name>...)
        m = re.match(r"\?(?::|P<\w+>|[=!]|<[=!])", p[body_start:])
        body_start += m.end() if m else 0
    bars = marks[1:-1]
    edges = [body_start] + [b + 1 for b in bars]
    ends = bars + [marks[-1]]
    for k, (a, b) in enumerate(zip(edges, ends)):
        cut = (a, b + 1) if k < len(bars) else (a - 1, b)  # the alternative and one `|`
        yield f"drop alternative {p[a:b]!r}", p[:cut[0]] + p[cut[1]:]


# --- helpers ----------------------------------------------------------------------------

def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    if body and isinstance(body[0], ast.Expr) and _is_str(body[0].value):
        return body[1:]
    return body


def _without(node: ast.AST, i: int) -> ast.AST:
    if isinstance(node, ast.Dict):
        return ast.Dict(node.keys[:i] + node.keys[i + 1:], node.values[:i] + node.values[i + 1:])
    rest = node.elts[:i] + node.elts[i + 1:]
    return type(node)(rest, ast.Load()) if hasattr(node, "ctx") else type(node)(rest)


def _renamed_call(node: ast.Call, name: str) -> ast.Call:
    func = node.func
    new_func = (ast.Attribute(func.value, name, ast.Load()) if isinstance(func, ast.Attribute)
                else ast.Name(name, ast.Load()))
    return ast.Call(new_func, node.args, node.keywords)


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _flags(call: ast.Call) -> int:
    """re.X (and friends) among a call's arguments, so a mutated pattern compiles as it would."""
    flags = 0
    for node in ast.walk(call):
        if isinstance(node, ast.Attribute) and _is_name(node.value, "re") and node.attr.isupper():
            value = getattr(re, node.attr, 0)
            flags |= value if isinstance(value, int) else 0
    return flags


def _sym(op: ast.AST) -> str:
    return ast.unparse(ast.Compare(ast.Name("a"), [op], [ast.Name("b")]))[2:-2] if isinstance(
        op, ast.cmpop) else {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/",
                             ast.FloorDiv: "//", ast.Mod: "%", ast.BitOr: "|", ast.BitAnd: "&",
                             ast.And: "and", ast.Or: "or", ast.Not: "not", ast.USub: "-"}[type(op)]


def _short(v: object) -> str:
    r = repr(v)
    return r if len(r) <= 30 else r[:27] + "..."
