from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.kernel.commands import QUOTES, SPECS, Command, ParseError, _tokens, parse, usage_keys


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
        # natural forms: the user and the word need no `user:` / `word:`
        ("/mod warn bob", Command("mod", "warn", {"user": "bob"})),
        ('/mod warn @bob reason:"off topic"', Command("mod", "warn", {"user": "bob", "reason": "off topic"})),
        ("/mod mute bob 15", Command("mod", "mute", {"user": "bob", "minutes": 15})),
        ("/mod unmute <@42>", Command("mod", "unmute", {"user": "42"})),
        ("/mod strikes bob", Command("mod", "strikes", {"user": "bob"})),
        ("/mod log bob limit:5", Command("mod", "log", {"user": "bob", "limit": 5})),
        ("/mod filter add zorb", Command("mod", "filter", {"action": "add", "word": "zorb"})),
        ("/mod filter remove zorb allow:yes", Command("mod", "filter", {"action": "remove", "word": "zorb", "allow": "yes"})),
        ("/poll vote id:3 Zoo > Aquarium", Command("poll", "vote", {"id": 3}, ("Zoo", ">", "Aquarium"))),
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


@pytest.mark.parametrize("value", ["²", "①", "١٢", "+5", "1_0", "٣0"])
def test_a_number_is_plain_ascii_digits(value):
    with pytest.raises(ParseError) as err:
        parse(f"/debate extend seconds:{value}")
    assert (err.value.key, err.value.usage) == ("parse.not_a_number", "usage.debate.extend")


@pytest.mark.parametrize("value", ["-5", "1000000001", "9" * 3000, "0" * 3000 + "1" * 11])
def test_a_number_out_of_range_says_so(value):
    with pytest.raises(ParseError) as err:
        parse(f"/poll close id:{value}")
    assert (err.value.key, err.value.usage) == ("parse.out_of_range", "usage.poll.close")
    assert len(err.value.params["value"]) <= 40


def test_leading_zeros_and_the_largest_number_are_fine():
    assert parse("/debate extend seconds:0030").options == {"seconds": 30}
    assert parse("/poll close 1000000000").options == {"id": 10**9}


MAX_LINE = 4000  # the limit the README documents


@pytest.mark.parametrize(
    ("head", "usage"),
    [("/speak ", "usage.speak"), ("/poll vote id:1 ", "usage.poll.vote"), ("/poll ", "usage.poll.summary"),
     ("/dance ", None), ("hello ", None)],
)
def test_a_line_over_the_limit_is_refused_before_parsing_with_the_usage(head, usage):
    line = head + "「" * (MAX_LINE + 1 - len(head))
    with pytest.raises(ParseError) as err:
        parse(line)
    assert err.value.key == "parse.line_too_long"
    assert err.value.usage == usage
    assert err.value.params == {"length": MAX_LINE + 1, "limit": MAX_LINE}
    with pytest.raises(ParseError) as err:
        parse(head + "「" * 1_000_000)
    assert err.value.key == "parse.line_too_long"


def test_a_line_at_the_limit_is_parsed():
    line = "/speak " + "「" * (MAX_LINE - len("/speak "))
    assert parse(line).text == line.removeprefix("/speak ")


class Watched(str):
    """A line that counts the characters `find` looks at."""

    looked = 0

    def find(self, sub, start=0, end=None):
        found = str.find(self, sub, start)
        self.looked += (found + 1 if found >= 0 else len(self)) - start
        return found


@pytest.mark.parametrize(
    "text", ["「" * 20_000, "「a" * 10_000, "a「 " * 7_000, '"「“„«\'' * 3_000, '「"' + "x" * 20_000 + '"']
)
def test_the_tokenizer_is_linear_in_the_line(text):
    """Each closing quote is looked for at most once per character: a line of unmatched 「 once
    took 38 s for 1 MB, searching the rest of the line again for every opening quote."""
    line = Watched(text)
    _tokens(line, None, strict=False)
    assert line.looked <= len(QUOTES) * len(text)
