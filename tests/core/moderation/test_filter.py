from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.moderation.filter import (
    FilterMatch,
    WordFilter,
    load_default_filter,
    read_word_list,
    validate_entry,
)
from bot.core.moderation.filter_normalise import normalise
from bot.prompt_folder import PromptFolder

PROMPTS = Path(__file__).resolve().parents[3] / "prompts"

# Invented entries, so these tests do not depend on the shipped lists.
BLOCKED = ["bad", "ass", "kill", "zonk*", "kill yourself", "ばか", "くそ", "cunt", "rapist"]
ALLOWED = ["assess*", "therapist", "ばかり", "ればか", "やくそく"]


@pytest.fixture(scope="module")
def wf() -> WordFilter:
    return WordFilter.build(BLOCKED, ALLOWED)


# (text, entry that must match, the original substring reported as found)
EVASIONS = [
    ("bad", "bad", "bad"),
    ("That is BAD.", "bad", "BAD"),
    ("so bâd", "bad", "bâd"),
    ("so ｂａｄ!", "bad", "ｂａｄ"),
    ("ＢＡＤ", "bad", "ＢＡＤ"),
    ("b4d", "bad", "b4d"),
    ("b@d", "bad", "b@d"),
    ("8ad", "bad", "8ad"),
    ("you @ss", "ass", "@ss"),
    ("you a$$", "ass", "a$$"),
    ("you a55", "ass", "a55"),
    ("b a d", "bad", "b a d"),
    ("so b.a.d then", "bad", "b.a.d"),
    ("b-a-d", "bad", "b-a-d"),
    ("b_a_d", "bad", "b_a_d"),
    ("b . a . d", "bad", "b . a . d"),
    ("baaaaad", "bad", "baaaaad"),
    ("bbbaaadddd", "bad", "bbbaaadddd"),
    ("B.4.A.A.D", "bad", "B.4.A.A.D"),
    ("b 4 d", "bad", "b 4 d"),
    ("ｂ　ａ　ｄ", "bad", "ｂ　ａ　ｄ"),
    ("b\u200bad", "bad", "b\u200bad"),  # zero-width space
    ("b\u0430d", "bad", "b\u0430d"),  # Cyrillic a
    ("ba\u0301d", "bad", "ba\u0301d"),  # combining accent
    ("a s s", "ass", "a s s"),
    ("k1ll", "kill", "k1ll"),
    ("ki11", "kill", "ki11"),  # 1 read as l
    ("k!ll", "kill", "k!ll"),
    ("ki||", "kill", "ki||"),
    ("zonk", "zonk*", "zonk"),
    ("zonking", "zonk*", "zonking"),
    ("Z0NKED!", "zonk*", "Z0NKED"),
    ("z.o.n.k.i.n.g", "zonk*", "z.o.n.k"),
    ("go kill   yourself", "kill yourself", "kill   yourself"),
    ("k1ll y0urs3lf", "kill yourself", "k1ll y0urs3lf"),
    ("これはbadだ", "bad", "bad"),
    # Japanese: hiragana, katakana, half-width katakana, long vowels, separators.
    ("ばか", "ばか", "ばか"),
    ("バカ", "ばか", "バカ"),
    ("ﾊﾞｶ", "ばか", "ﾊﾞｶ"),
    ("お前はﾊﾞｶだ", "ばか", "ﾊﾞｶ"),
    ("バか", "ばか", "バか"),
    ("ばーか", "ばか", "ばーか"),
    ("バーーカ", "ばか", "バーーカ"),
    ("ば・か", "ばか", "ば・か"),
    ("ば か", "ばか", "ば か"),
    ("ばかやろう", "ばか", "ばか"),
    ("クソ", "くそ", "クソ"),
    ("ｸｿ野郎", "くそ", "ｸｿ"),
]


@pytest.mark.parametrize(("text", "word", "found"), EVASIONS)
def test_evasions_are_caught(wf: WordFilter, text: str, word: str, found: str) -> None:
    match = wf.find(text)
    assert match is not None, text
    assert match.word == word
    assert match.found == found
    assert text[match.start : match.end] == found


INNOCENT = [
    "good",
    "as",
    "a",
    "bass",
    "class",
    "classic",
    "assess",
    "assessment",
    "Scunthorpe",
    "grape",
    "therapist",
    "t h e r a p i s t",  # the allow list guards "rapist" inside the spaced word
    "a.s.s.e.s.s.m.e.n.t",
    "badge",
    "badminton",
    "ba d",
    "killer",
    "skill",
    "zon k",
    "455",
    "I scored 455 points in 2024.",
    "wow!!! great",
    "I am a student and I think a b c is easy.",
    "Let us assess the class assessment in Scunthorpe.",
    "今来たばかりです。",
    "もっと練習すればかなり上手になります。",
    "約束を守ります。やくそくはまもりましょう。",
    "私はこの意見に賛成です。",
    "首相は記者会見で説明した。",
    "ばかりか",
]


@pytest.mark.parametrize("text", INNOCENT)
def test_innocent_text_passes(wf: WordFilter, text: str) -> None:
    assert wf.find(text) is None, wf.find_all(text)


def test_allow_list_is_what_saves_the_spaced_word() -> None:
    without = WordFilter.build(["rapist"])
    assert without.find("t h e r a p i s t") is not None
    with_allow = WordFilter.build(["rapist"], ["therapist"])
    assert with_allow.find("t h e r a p i s t") is None
    assert with_allow.find("the rapist") is not None


def test_prefix_entry_and_allowed_prefix() -> None:
    f = WordFilter.build(["ass*"], ["assess*", "assassin*"])
    assert f.find("asshat") is not None
    assert f.find("assessment") is None
    assert f.find("assassination") is None
    assert f.find("Asian") is None  # one "s": the entry needs two
    assert f.find("a s s e s s m e n t") is None


def test_prefix_entry_does_not_reach_into_the_next_word() -> None:
    f = WordFilter.build(["retard*"], ["retardant*"])
    assert f.find("the fire retardant was tested") is None
    assert f.find("you retard") is not None


def test_japanese_allow_list_guards_compounds(wf: WordFilter) -> None:
    text = "ばかりか、お前はばか"
    matches = wf.find_all(text)
    assert [(m.word, m.found, m.start) for m in matches] == [("ばか", "ばか", 8)]


def test_japanese_clause_punctuation_is_a_barrier(wf: WordFilter) -> None:
    assert wf.find("そうすれば、かならず") is None
    assert wf.find("あれば。かならず") is None


def test_find_returns_leftmost_and_find_all_every_match(wf: WordFilter) -> None:
    text = "x b4d y a$$ z ばか"
    assert wf.find(text) == FilterMatch("bad", "b4d", 2, 5)
    found = [(m.word, m.found) for m in wf.find_all(text)]
    assert found == [("bad", "b4d"), ("ass", "a$$"), ("ばか", "ばか")]


def test_nested_matches_are_reported_once() -> None:
    f = WordFilter.build(["kill", "kill yourself"])
    assert [m.word for m in f.find_all("kill yourself")] == ["kill yourself"]


def test_match_reports_the_entry_as_written() -> None:
    f = WordFilter.build(["BÄD", "Zonk*"])
    assert f.blocked == frozenset({"bad", "zonk*"})
    match = f.find("zonked and bad")
    assert match is not None and match.word == "Zonk*"


def test_with_words_adds_server_words_without_changing_the_default() -> None:
    default = WordFilter.build(["bad"])
    server = default.with_words(["blorp"])
    assert server.find("what a bl0rp") is not None
    assert server.find("bad") is not None
    assert default.find("what a bl0rp") is None
    assert "blorp" in server.blocked and "blorp" not in default.blocked


def test_with_words_allow_lifts_a_default_word() -> None:
    default = WordFilter.build(["damn"])
    server = default.with_words([], ["damn"])
    assert default.find("damn") is not None
    assert server.find("damn") is None


def test_empty_filter_and_empty_text() -> None:
    assert WordFilter.build([]).find("anything at all") is None
    assert WordFilter.build(["bad"]).find_all("") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＢÂＤ", "bad"),
        ("ﾊﾞｶ", "ばか"),
        ("バーカ", "ばか"),
        ("h3ll0 w0rld", "hello world"),
        ("sh!t", "shit"),
        ("2024 and $5", "2024 and $5"),
        ("wow!!!", "wow!!!"),
        ("a \t\u3000 b", "a b"),
        ("b\u200bad", "bad"),
        ("Straße", "strasse"),
    ],
)
def test_normalise_steps(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    "word",
    ["b.d", "b*d", "*bad", "(bad)", "ba+", "a|b", "b?d", "^bad", "bad$", "[ab]", "a{2}", "a\\b"],
)
def test_validate_refuses_regex_metacharacters(word: str) -> None:
    assert validate_entry(word) == "bad_chars"


@pytest.mark.parametrize(
    ("word", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("*", "empty"),
        ("---", "empty"),
        ("x" * 41, "too_long"),
        ("bad\x00word", "bad_chars"),
        ("bad\u200bword", "bad_chars"),
        ("two\nlines", "bad_chars"),
    ],
)
def test_validate_refuses(word: str, reason: str) -> None:
    assert validate_entry(word) == reason


@pytest.mark.parametrize(
    "word", ["bad", "Zonk*", "kill yourself", "son-of-a-bitch", "don't", "ばか", "x" * 40]
)
def test_validate_accepts(word: str) -> None:
    assert validate_entry(word) is None


def test_build_skips_invalid_entries() -> None:
    f = WordFilter.build(["b.d", "bad", "(x)", ""])
    assert f.blocked == frozenset({"bad"})
    assert f.find("bxd") is None  # "b.d" read as a regular expression would match this
    assert f.find("bad") is not None


PROPERTY_FILTER = WordFilter.build(BLOCKED + ["b a d", "ass*"], ALLOWED + ["ｸﾞ"])
TRICKY = st.text(
    alphabet=st.sampled_from(
        list("bad ass kil.-_!1|@$4ｂａｄﾊﾞｶばかりくそー・、 \u200b\u0301\u3099ｯ")
    )
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), TRICKY))
def test_find_never_raises_and_points_into_the_text(text: str) -> None:
    for match in PROPERTY_FILTER.find_all(text):
        assert 0 <= match.start < match.end <= len(text)
        assert text[match.start : match.end] == match.found
    PROPERTY_FILTER.find(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), TRICKY))
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise(text)
    assert normalise(once) == once


def test_long_text_against_a_thousand_entries() -> None:
    rng = random.Random(7)
    letters = "bcdfghjklmnpqrstvwxz"
    entries = ["".join(rng.choice(letters) for _ in range(rng.randint(4, 9))) for _ in range(1000)]
    entries[500] = "qwxzy"
    filler = ["the", "motion", "is", "that", "we", "should", "a", "b", "c", "1.5", "well-known"]
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < 10_000:
        words.append(rng.choice(filler))
    words[len(words) // 2] = "q.w.x.z.y"
    text = " ".join(words)[:10_000]
    f = WordFilter.build(entries + ["s t r e s s*"])
    matches = f.find_all(text)
    assert [m.found for m in matches] == ["q.w.x.z.y"]


def test_shipped_lists_load_and_are_valid() -> None:
    folder = PROMPTS / "filters"
    for name in ("en.txt", "ja.txt", "allow.txt"):
        entries = read_word_list((folder / name).read_bytes())
        assert entries, name
        assert [(w, validate_entry(w)) for w in entries if validate_entry(w)] == []
    f = load_default_filter(PromptFolder(PROMPTS))
    assert any(w.isascii() for w in f.blocked)
    assert any(not w.isascii() for w in f.blocked)
    assert f.find("f u c k this") is not None
    assert f.find("ﾊﾞｶじゃないの") is not None


DEFAULT_INNOCENT = [
    "I think the class should assess the bass player's classic notes in Scunthorpe.",
    "The fire retardant was assessed; the assassin passed the grape juice.",
    "Shiitake mushrooms are great, and a therapist helps.",
    "He used a niggardly sum; don't bastardise the argument.",
    "I scored 455 points in 2024, and it's 5am. She'll say we'll win.",
    "Let's discuss e.g. U.S.A. policy at 3.5 km/h.",
    "今来たばかりです。",
    "それならばかまいません。",
    "もっと練習すればかなり上手になります。",
    "やくそくはまもりましょう。",
    "まあほんとにそうですね。じゃあほかの意見はありますか。",
    "そのときもいいと思いました。",
    "ききちがいかもしれません。",
    "彼はかたわらに立っていた。",
    "ホモ・サピエンスの進化について議論しましょう。",
    "どうぞおかまいなく。",
    "お母さんはげんきです。",
    "ここでぶつかる問題は費用です。",
    "基地外での騒音が問題です。",
    "学校の制服は生徒の平等を守るので賛成です。",
]


@pytest.mark.parametrize("text", DEFAULT_INNOCENT)
def test_default_lists_pass_ordinary_sentences(text: str) -> None:
    f = load_default_filter(PromptFolder(PROMPTS))
    assert f.find_all(text) == []


def test_missing_list_folder_gives_empty_filter(tmp_path: Path) -> None:
    f = load_default_filter(PromptFolder(tmp_path))
    assert f.blocked == frozenset()
    assert f.find("anything") is None


def test_list_file_comments_and_blank_lines(tmp_path: Path) -> None:
    folder = tmp_path / "filters"
    folder.mkdir()
    (folder / "en.txt").write_text(
        "# comment\n\nblorp  # trailing comment\nzonk*\n", encoding="utf-8"
    )
    (folder / "xx.txt").write_text("\ufeffquux\n", encoding="utf-8")
    (folder / "allow.txt").write_text("blorpy\n", encoding="utf-8")
    f = load_default_filter(PromptFolder(tmp_path))
    assert f.blocked == frozenset({"blorp", "zonk*", "quux"})
    assert f.allowed == frozenset({"blorpy"})


@pytest.mark.parametrize(("text", "found"), [("@$$", "@$$"), ("4$$", "4$$"), ("@$$$$$", "@$$$$$"),
                                             ("you @$$!", "@$$"), ("4$$ hole", "4$$"), ("@ $ $", "@ $ $")])
def test_symbol_only_leet_reads_as_letters(text: str, found: str) -> None:
    """`@` and `4` read as `a` and `$` as `s` in a word with no letter at all, as in `a$$`."""
    match = WordFilter.build(["ass"]).find(text)
    assert match is not None, text
    assert (match.word, match.found) == ("ass", found)


@pytest.mark.parametrize("text", ["455", "$5", "5$", "$455", "It costs $4.55, or 455 yen.", "I paid $$$", "4 $$"])
def test_numbers_and_prices_stay_numbers(text: str) -> None:
    assert WordFilter.build(["ass"]).find(text) is None, text
    assert normalise("455 $5") == "455 $5"
