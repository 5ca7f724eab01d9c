"""Mail threads: quotes that repeat another message, signatures and list footers fold into
<details>, every word stays on the page (checked by parsing the rendered thread)."""

from __future__ import annotations

import re

import yaml

from dom import Element, parse
from threadpress.load import load_text
from threadpress.render import views

FOOTER = ("---------------------------------------------------------------------\n"
          "To unsubscribe, e-mail: dev-unsubscribe@lists.example.org\n"
          "For additional commands, e-mail: dev-help@lists.example.org")
OPENING = ("Hi all,\n\nI would like to move the resolver demos into the main branch so that "
           "they are built and released with everything else.\n\nWhat do you think?\n\nAnn\n\n"
           + FOOTER)
REPLY = ("Sounds good to me.\n\nBob\n-- \nBob Builder\nhttps://bob.example.org\n\n"
         "On Thu, 9 Nov 2017 at 06:35, Ann <ann@example.org> wrote:\n> Hi all,\n>\n"
         "> I would like to move the resolver demos into the main branch so that\n"
         "> they are built and released with everything else.\n>\n> What do you think?\n>\n"
         "> Ann\n\n" + FOOTER)
INLINE = ("> What do you think?\n\nThat it is a fine idea.\n\n"
          "Carol wrote about something this archive never saw:\n"
          "> a message from another month, quoted here\n> and nowhere else on this page\n"
          "> so it must stay open for the reader\n> to see what is being answered\n\nAgreed.")


def thread(text_format: str = "text", mail: bool = True) -> dict:
    t = {"title": "Resolver branches", "format": text_format, "body": OPENING,
         "comments": [{"id": "r1", "format": text_format, "body": REPLY},
                      {"id": "r2", "parent": "r1", "format": text_format, "body": INLINE}]}
    if mail:
        t["message_id"] = "root@example.org"
    return t


def rendered(data: dict) -> list[Element]:
    """The opening post's body and each comment's body, parsed."""
    loaded, diags = load_text(yaml.safe_dump(data, sort_keys=False), "t.yaml", "t")
    assert loaded is not None, [str(d) for d in diags]
    view = views.thread_view(loaded)
    return [parse(str(view.html))] + [parse(str(v.html)) for v in view.comments]


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def folds(doc: Element, kind: str) -> list[Element]:
    return doc.find_all("details", cls=f"mail-{kind}")


def outside_details(doc: Element) -> str:
    return " ".join(x.text for x in doc.find_all("p") if not _inside(x, "details"))


def _inside(el: Element, tag: str) -> bool:
    p = el.parent
    while p is not None:
        if p.tag == tag:
            return True
        p = p.parent
    return False


def test_quote_repeating_a_message_signature_and_footer_fold():
    opening, reply, _ = rendered(thread())
    [quote] = folds(reply, "quote")
    summary = quote.find("summary").text
    assert summary.startswith("On Thu, 9 Nov 2017 at 06:35, Ann") and "[8 quoted lines]" in summary
    assert "move the resolver demos" in quote.text and quote.find("blockquote") is not None
    [sig] = folds(reply, "signature")
    assert sig.find("summary").text == "signature" and "Bob Builder" in sig.text
    [footer] = folds(reply, "footer")
    assert "unsubscribe" in footer.text
    assert [d.attrs.get("open") for d in reply.find_all("details")] == [None, None, None]
    # what is left open is the reply itself
    assert outside_details(reply).split() == ["Sounds", "good", "to", "me.", "Bob"]
    # the opening post's own text stays open; only its footer folds
    assert not folds(opening, "quote") and len(folds(opening, "footer")) == 1
    assert "What do you think?" in outside_details(opening)


def test_every_word_stays_in_the_page():
    """Each body's words, in order, are in its HTML (summaries only add labels)."""
    data = thread()
    for body, doc in zip([data["body"]] + [c["body"] for c in data["comments"]], rendered(data)):
        shown = iter(words(doc.text))
        assert all(w in shown for w in words(body))  # an ordered subsequence


def test_quotes_of_messages_not_in_the_archive_and_short_inline_quotes_stay_open():
    _, _, inline = rendered(thread())
    assert not inline.find_all("details")
    quotes = inline.find_all("blockquote")
    assert "What do you think?" in quotes[0].text
    assert "nowhere else on this page" in quotes[1].text


def test_threads_that_are_not_mail_do_not_fold():
    for doc in rendered(thread(mail=False)):
        assert not doc.find_all("details")


def test_only_text_bodies_fold():
    for doc in rendered(thread(text_format="markdown")):
        assert not doc.find_all("details")


def test_a_quote_at_the_end_folds_however_short():
    data = thread()
    data["comments"].append({"id": "r3", "parent": "r1", "format": "text",
                             "body": "+1\n\n> Sounds good to me.\n> Bob"})
    last = rendered(data)[-1]
    [quote] = folds(last, "quote")
    assert quote.find("summary").text == "2 quoted lines"


def test_a_wrapped_attribution_line_is_joined_in_the_summary():
    data = thread()
    data["comments"][0]["body"] = REPLY.replace(" wrote:", "\nwrote:")
    _, reply, _ = rendered(data)
    [quote] = folds(reply, "quote")
    assert quote.find("summary").text.startswith("On Thu, 9 Nov 2017 at 06:35, Ann <ann@example.org> wrote:")
