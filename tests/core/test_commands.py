from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.commands import SPECS, Command, ParseError, parse, usage_keys


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/debate join side:pro", Command("debate", "join", {"side": "pro"})),
        ("/debate join CON", Command("debate", "join", {"side": "con"})),
        ("/debate start", Command("debate", "start", {})),
        ("/debate start motion:id-checks format:quick", Command("debate", "start", {"motion": "id-checks", "format": "quick"})),
        ('/debate start motion:"This house would ban masks"', Command("debate", "start", {"motion": "This house would ban masks"})),
        ("/debate extend seconds:30", Command("debate", "extend", {"seconds": 30})),
        ("/debate extend 30", Command("debate", "extend", {"seconds": 30})),
        ("/vote undecided", Command("vote", None, {"choice": "undecided"})),
        ("/speak Masks: a risk", Command("speak", None, {}, (), "Masks: a risk")),
        ('/speak  "quoted"  and   spaced ', Command("speak", None, {}, (), '"quoted"  and   spaced')),
        ("/ask Why ID?", Command("ask", None, {}, (), "Why ID?")),
        ('/poll vote id:3 1 "option two"', Command("poll", "vote", {"id": 3}, ("1", "option two"))),
        ("/mod warn user:<@!42> reason:“off topic”", Command("mod", "warn", {"user": "42", "reason": "off topic"})),
        ("/mod filter add word:bad", Command("mod", "filter", {"action": "add", "word": "bad"})),
        ("/motions id-checks", Command("motions", None, {"id": "id-checks"})),
        ("/formats", Command("formats")),
    ],
)
def test_parses_the_vocabulary(line, expected):
    assert parse(line) == expected


@pytest.mark.parametrize(
    ("line", "key", "usage"),
    [
        ("debate start", "parse.not_a_command", None),
        ("/dance", "parse.unknown_command", None),
        ("/debate", "parse.missing_subcommand", "usage.debate.summary"),
        ("/debate dance", "parse.unknown_subcommand", "usage.debate.summary"),
        ("/debate join", "parse.missing_option", "usage.debate.join"),
        ("/debate join side:maybe", "parse.bad_choice", "usage.debate.join"),
        ("/debate extend seconds:ten", "parse.not_a_number", "usage.debate.extend"),
        ("/debate start colour:red", "parse.unknown_option", "usage.debate.start"),
        ("/debate start format:quick format:oxford", "parse.repeated_option", "usage.debate.start"),
        ('/debate start motion:"unclosed', "parse.unclosed_quote", "usage.debate.start"),
        ("/vote pro con", "parse.unexpected", "usage.vote"),
        ("/ask", "parse.missing_text", "usage.ask"),
        ("/poll vote 1 2", "parse.missing_option", "usage.poll.vote"),
    ],
)
def test_mistakes_name_the_problem_and_the_usage(line, key, usage):
    with pytest.raises(ParseError) as err:
        parse(line)
    assert err.value.key == key
    assert err.value.usage == usage


def test_every_spec_has_a_usage_key():
    keys = usage_keys()
    for spec in SPECS.values():
        assert spec.usage_key in keys


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_no_input_raises_anything_but_parse_error(text):
    for line in (text, "/" + text, "/debate " + text, "/poll vote " + text, "/mod " + text):
        try:
            parse(line)
        except ParseError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1, max_size=200).filter(lambda s: s.strip()))
def test_speech_text_is_kept_as_typed(text):
    cmd = parse("/speak " + text)
    assert cmd.text == text.strip()
