"""Images: a link with the alt text (or file name) by default, never loaded from the original
site; with `remote_images: true` the image itself, still sanitised (checked by parsing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dom import Element, parse, parse_file
from support import REAL_FIXTURES
from threadpress.build import build_site
from threadpress.importers.common import run_import
from threadpress.render.bodies import REL, render

NONE = lambda _: False  # noqa: E731
DISCOURSE = REAL_FIXTURES / "discourse" / "topic-57-try-discourse-sandbox.json"


def html(body: str, fmt: str = "html", remote: bool = False) -> Element:
    return parse(render(body, fmt, NONE, remote_images=remote))


def test_an_image_becomes_a_link_named_by_its_alt_text():
    doc = html('<p>look: <img src="https://e.org/a/cat.png" alt="a sleeping cat" width="900"></p>')
    assert doc.find("img") is None
    [a] = doc.find_all("a")
    assert (a.attrs["href"], a.text, a.attrs["class"], a.attrs["rel"]) == (
        "https://e.org/a/cat.png", "image: a sleeping cat", "image", REL)


def test_alt_text_that_says_nothing_gives_way_to_the_file_name():
    for alt in ('alt="image"', 'alt=""', ""):
        a = html(f'<img {alt} src="https://e.org/pics/my%20dog.jpg?x=1">').find("a")
        assert a.text == "image: my dog.jpg"


def test_markdown_images_too():
    a = html("![chart](https://e.org/chart.svg)", "markdown").find("a", cls="image")
    assert a.attrs["href"] == "https://e.org/chart.svg" and a.text == "image: chart"


def test_emoji_images_are_their_alt_text():
    doc = html('<p>yes <img class="emoji" src="https://e.org/e/smile.png" alt=":smile:"></p>')
    assert doc.find("p").text == "yes :smile:" and not doc.find_all("a")


def test_an_image_that_is_not_http_is_named_but_not_linked():
    doc = html('<img src="javascript:alert(1)" alt="x"><img src="data:image/png;base64,AA" alt="y">')
    assert not doc.find_all("a") and not doc.find_all("img")
    assert doc.text == "[image: x][image: y]"


def test_remote_images_show_the_image_inside_its_link_and_nothing_else():
    doc = html('<img src="https://e.org/cat.png" srcset="https://evil.example/x.png 2x" '
               'alt="cat" onerror="alert(1)" style="width:9999px" width="9999" loading="eager">',
               remote=True)
    a = doc.find("a", cls="image")
    [img] = a.find_all("img")
    assert img.attrs == {"src": "https://e.org/cat.png", "alt": "cat"}
    assert not html('<img src="javascript:alert(1)" alt="x">', remote=True).find_all("img")
    assert not html('<picture><source srcset="https://evil.example/x.png"></picture>',
                    remote=True).find_all("source")


def test_images_are_links_unless_remote_images_is_asked_for():
    body = '<img src="https://e.org/cat.png" alt="cat">'
    assert not parse(render(body, "html", NONE)).find_all("img")
    # the same body again, asked the other way, is not served from the render cache
    [img] = html(body, remote=True).find_all("img")
    assert img.attrs["src"] == "https://e.org/cat.png"
    assert not html(body).find_all("img")


@pytest.fixture(scope="module")
def discourse_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("discourse")
    run_import("discourse", [str(DISCOURSE)], root / "content", "yaml")
    return root


@pytest.mark.parametrize("remote", [False, True])
def test_the_discourse_image_only_post(discourse_site, remote):
    """Post 3 of the sandbox topic is nothing but an image: it shows as a link, not as empty."""
    (discourse_site / "threadpress.yaml").write_text(f"remote_images: {str(remote).lower()}\n")
    assert build_site(discourse_site, quiet=True) == 0
    [page] = (discourse_site / "output").rglob("57/index.html")
    body = parse_file(page).find("article", id="c-3").find("div", cls="body")
    [a] = body.find_all("a")
    assert a.attrs["href"] == "http://i288.photobucket.com/albums/ll164/stienman/ahh.gif"
    if remote:
        [img] = a.find_all("img")
        assert img.attrs == {"src": a.attrs["href"], "alt": "ahh.gif"}
    else:
        assert a.text == "image: ahh.gif" and not body.find_all("img")
