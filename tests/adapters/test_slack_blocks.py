"""Cards as Block Kit: escaping, Slack's size limits, the fallback text and the speech modal."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.slack.blocks import (
    FIELDS_PER_SECTION,
    SECTION_LIMIT,
    card_blocks,
    cut_escaped,
    escape,
    fallback_text,
    modal_text,
    split_escaped,
    text_modal,
    unescape,
)
from bot.core.kernel.cards import Button, Card, Field


def test_escape_defuses_mentions_and_links():
    assert escape("<!channel> <!here> <@U123> <#C1|x> <https://x|y> a&b") == (
        "&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;#C1|x&gt; &lt;https://x|y&gt; a&amp;b")


def test_a_speech_card_is_a_header_and_verbatim_escaped_text():
    blocks = card_blocks(Card("speech", title="<@U9> · Pro", body="Vote <!everyone> & win", user_text=True))
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "&lt;@U9&gt; · Pro", "emoji": True}}
    assert blocks[1]["text"] == {"type": "mrkdwn", "text": "Vote &lt;!everyone&gt; &amp; win", "verbatim": True}
    assert "<" not in json.dumps(blocks)


def test_limits_header_buttons_fields_and_long_bodies():
    many = tuple(Field(f"f{i}", "v" * 2500) for i in range(23))
    card = Card("list", title="T" * 400, body=("line\n" * 2000), fields=many + (Field("wide", "w", inline=False),),
                buttons=(Button("debate:1:vote:pro", "B" * 200, "primary"),), footer="F" * 5000)
    blocks = card_blocks(card)
    assert len(blocks) <= 50
    assert len(blocks[0]["text"]["text"]) == 150 and blocks[0]["text"]["text"].endswith("…")
    sections = [b for b in blocks if b["type"] == "section"]
    assert all(len(b["text"]["text"]) <= SECTION_LIMIT for b in sections if "text" in b)
    field_sections = [b["fields"] for b in sections if "fields" in b]
    assert [len(f) for f in field_sections] == [10, 10, 3]
    assert all(len(f["text"]) <= 2000 for fs in field_sections for f in fs)
    assert all(len(fs) <= FIELDS_PER_SECTION for fs in field_sections)
    assert sections[-1]["text"]["text"] == "*wide*\nw"  # a full-width field keeps its place
    [actions] = [b for b in blocks if b["type"] == "actions"]
    assert len(actions["elements"][0]["text"]["text"]) == 75
    assert blocks[-1]["type"] == "context" and len(blocks[-1]["elements"][0]["text"]) <= 2000


def test_secondary_buttons_have_no_style_and_only_slack_styles_are_used():
    blocks = card_blocks(Card("tally", buttons=(Button("a:1:b:c", "x", "success"), Button("a:1:b:d", "y", "danger"),
                                                Button("a:1:b:e", "z"))))
    assert [e.get("style") for e in blocks[0]["elements"]] == ["primary", "danger", None]


def test_the_fallback_text_is_escaped_and_never_empty():
    assert fallback_text(Card("notice", title="A <b>", body="c & d")) == "A &lt;b&gt;\nc &amp; d"
    assert fallback_text(Card("tally", fields=(Field("Pro", "1"),))) == "Pro: 1"
    assert fallback_text(Card("notice")) == "notice"


@given(st.text(alphabet="a&<> \n", max_size=400), st.integers(min_value=8, max_value=60))
def test_cutting_and_splitting_never_break_an_entity(text, limit):
    escaped = escape(text)
    cut = cut_escaped(escaped, limit)
    assert len(cut) <= limit
    body = cut.removesuffix("…")
    assert escape(unescape(body)) == body  # only whole entities
    pieces = split_escaped(escaped, limit)
    assert all(len(p) <= limit for p in pieces)
    assert all(escape(unescape(p)) == p for p in pieces)
    assert "".join(pieces).replace("\n", "") == escaped.replace("\n", "")


def test_the_speech_modal_is_limited_to_the_phase():
    view = text_modal(callback_id="speak", title="A very long modal title that Slack refuses", submit="Post",
                      close="Cancel", label="Speech", placeholder="Up to 1260", hint="Posted <here>",
                      max_length=1260, multiline=True, metadata={"channel": "C1"})
    assert view["callback_id"] == "speak" and json.loads(view["private_metadata"]) == {"channel": "C1"}
    assert len(view["title"]["text"]) == 24
    element = view["blocks"][0]["element"]
    assert element == {"type": "plain_text_input", "action_id": "text", "multiline": True, "max_length": 1260,
                       "placeholder": {"type": "plain_text", "text": "Up to 1260", "emoji": True}}
    assert view["blocks"][1]["elements"][0]["text"] == "Posted &lt;here&gt;"
    submitted = {**view, "state": {"values": {"speech": {"text": {"type": "plain_text_input", "value": "Hi"}}}}}
    assert modal_text(submitted) == "Hi" and modal_text(view) == ""
    # a custom format may allow more than a Slack text input takes: the modal still opens
    long = text_modal(callback_id="speak", title="t", submit="s", close="c", label="l", placeholder="p", hint="h",
                      max_length=5000, multiline=True, metadata={})
    assert long["blocks"][0]["element"]["max_length"] == 3000
