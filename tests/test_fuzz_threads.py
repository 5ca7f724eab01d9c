"""Whatever `check` accepts, `build` builds: generated thread files of random shapes, values and
text (surrogates, private-use characters, huge numbers, deep nesting, wrong types) either get
refused by `check` with `path:line:col` diagnostics and no traceback, or build with every
accepted comment's anchor on its thread page."""

from __future__ import annotations

import io
import json
import math
import tempfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dom import parse_file
from threadpress.anchors import anchor
from threadpress.cli import main
from threadpress.load import load_content
from support import parse_diagnostic

# text with everything that has broken something once: surrogates, the renderer's private-use
# placeholders, markdown's pathological openers, controls, and plain letters
PIECES = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from(["\ud800", "\udfff", "\ue000", "\ue001", "\ue002", "\uf8ff", "\U000f0000",
                     "[", "![", "<", ">>", "`", "*", "\x00", "\x07", "\u2028", "\ufeff", "a"]),
)
TEXT = st.one_of(st.lists(PIECES, max_size=20).map("".join),
                 st.builds(lambda c, n: c * n, st.sampled_from(["[", "<", "a", "\ue000", "# a\n"]),
                           st.integers(0, 3000)))
# ids stay short: an id over 255 bytes is the route table's business (see test_build)
IDS = st.one_of(st.integers(-10, 10**6), st.sampled_from(["017", "0x10", "1:20", "1_000", "+5",
                                                          ".5", "a/b", "..", "~"]),
                st.lists(PIECES, max_size=12).map("".join))
NUMBERS = st.one_of(st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True))
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT, IDS)


def deep(levels: int) -> object:
    value: object = "bottom"
    for _ in range(levels):
        value = [value]
    return value


EXTRA = st.one_of(SCALARS, st.integers(0, 300).map(deep),
                  st.dictionaries(TEXT, SCALARS, max_size=3))


@st.composite
def comments(draw, size: int) -> list[dict]:
    """A flat list naming parents, part of it folded into nested `replies`, with random fields."""
    ids = draw(st.lists(IDS, min_size=size, max_size=size))
    out: list[dict] = []
    for i, cid in enumerate(ids):
        c: dict = {"id": cid}
        if i and draw(st.booleans()):
            c["parent"] = ids[draw(st.integers(0, i - 1))]
        for key in draw(st.lists(st.sampled_from(["author", "body", "created", "score", "deleted",
                                                  "format", "url", "edited", "extra_key"]),
                                 max_size=4, unique=True)):
            c[key] = draw(SCALARS if key != "extra_key" else EXTRA)
        out.append(c)
    if out and draw(st.booleans()):   # a chain of nested replies under the first one
        chain = out[0]
        for c in draw(st.lists(st.fixed_dictionaries({"id": IDS, "body": TEXT}), max_size=30)):
            chain["replies"] = [c]
            chain = c
    return out


@st.composite
def thread_docs(draw) -> dict:
    doc: dict = {"title": draw(st.one_of(TEXT, SCALARS))}
    for key in draw(st.lists(st.sampled_from(["id", "slug", "url", "author", "created", "points",
                                              "tags", "body", "format", "sort", "mood"]),
                             max_size=4, unique=True)):
        doc[key] = draw(EXTRA if key == "mood" else SCALARS)
    doc["comments"] = draw(comments(draw(st.integers(0, 25))))
    return doc


def serialise(doc: dict, fmt: str) -> tuple[str, bytes]:
    """The document as a thread file's name and bytes; surrogates go out as JSON escapes (and in
    YAML as escapes too), non-finite floats as NaN/.nan, as a careless writer would."""
    if fmt == "json":
        return "t.json", json.dumps(doc, ensure_ascii=True).encode()
    try:
        text = yaml.safe_dump(doc, allow_unicode=False, width=10**9)
    except (yaml.YAMLError, RecursionError):
        text = json.dumps(doc, ensure_ascii=True)   # JSON is YAML too
    return "t.yaml", text.encode("utf-8", "surrogatepass")


def run(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        code = main(list(args))   # a traceback would escape from here and fail the test
    return code, err.getvalue()


def check_then_build(doc: dict, fmt: str) -> None:
    name, data = serialise(doc, fmt)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp)
        (site / "content").mkdir()
        (site / "content" / name).write_bytes(data)
        code, err = run("check", str(site))
        if code:
            lines = err.splitlines()
            assert lines, "check failed without saying why"
            for line in lines:
                d = parse_diagnostic(line)            # path:line:col: kind: field: message
                assert d["path"].endswith(name)
            assert run("build", str(site), "-q", "-j", "1")[0] == 1   # build agrees
            return
        assert run("build", str(site), "-q", "-j", "1")[0] == 0, err
        [thread] = load_content(site / "content").threads
        page = parse_file(site / "output" / thread.slug / "index.html")
        anchors = {el.attrs.get("id") for el in page.iter()}
        assert all(anchor(c.id) in anchors for c in thread.comments)
        json.loads((site / "output" / thread.slug / "thread.json").read_text(encoding="utf-8"),
                   parse_constant=lambda word: math.nan if pytest.fail(f"{word} in thread.json")
                   else None)


FAST = settings(max_examples=20, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.timeout(120)
@FAST
@given(thread_docs(), st.sampled_from(["json", "yaml"]))
def test_check_refuses_with_a_place_or_build_builds(doc, fmt):
    check_then_build(doc, fmt)


@pytest.mark.fuzz
@pytest.mark.timeout(3600)
@settings(FAST, max_examples=1000)
@given(thread_docs(), st.sampled_from(["json", "yaml"]))
def test_check_refuses_with_a_place_or_build_builds_more(doc, fmt):
    check_then_build(doc, fmt)
