"""Content checks for the shipped debate library (motions and formats in `prompts/`).

These read the TOML files directly with tomllib, so they do not depend on the loader in
`bot/core/library/loader.py`: they check that the data itself is complete and consistent.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

PROMPTS = Path(__file__).resolve().parents[1] / "prompts"
MOTION_FILES = sorted((PROMPTS / "motions").glob("*.toml"))
FORMAT_FILES = sorted((PROMPTS / "formats").glob("*.toml"))

LANGUAGES = ("en", "ja")
TEXT_KEYS = ("title", "motion", "brief")
LIST_KEYS = ("pro", "con", "questions")
CARD_KEYS = ("claim", "figure", "source", "link")
REQUIRED_MOTIONS = {
    "id-checks",
    "film-only",
    "visible-marker",
    "seller-liability",
    "face-licence",
    "medical-prescription",
    "liveness-detection",
    "public-ban",
}
REQUIRED_FORMATS = {"classroom", "oxford", "lincoln-douglas", "quick", "async"}
KINDS = {"pre_vote", "speech", "cross", "open_floor", "post_vote"}
SIDES = {"pro", "con", "both"}
SPEAKING = {"speech", "cross"}
TALKING = {"speech", "cross", "open_floor"}
VOTES = {"pre_vote", "post_vote"}


def _load(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def _motion_id(path: Path) -> str:
    return path.stem


def _format_id(path: Path) -> str:
    return path.stem


# --- motions -----------------------------------------------------------------------------


def test_at_least_eight_motions() -> None:
    assert len(MOTION_FILES) >= 8


def test_required_motions_present() -> None:
    ids = {_load(p)["id"] for p in MOTION_FILES}
    assert REQUIRED_MOTIONS <= ids, REQUIRED_MOTIONS - ids


def test_exactly_one_default_and_it_is_id_checks() -> None:
    defaults = [_load(p)["id"] for p in MOTION_FILES if _load(p).get("default") is True]
    assert defaults == ["id-checks"]


@pytest.mark.parametrize("path", MOTION_FILES, ids=_motion_id)
def test_motion_id_matches_file_name(path: Path) -> None:
    data = _load(path)
    assert data["id"] == path.stem
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", data["id"])
    assert isinstance(data.get("default", False), bool)


@pytest.mark.parametrize("path", MOTION_FILES, ids=_motion_id)
def test_motion_has_both_languages_with_all_keys(path: Path) -> None:
    data = _load(path)
    for lang in LANGUAGES:
        block = data[lang]
        for key in TEXT_KEYS:
            assert isinstance(block[key], str) and block[key].strip(), (lang, key)
        for key in LIST_KEYS:
            assert isinstance(block[key], list), (lang, key)
            assert all(isinstance(item, str) and item.strip() for item in block[key]), (lang, key)
        assert isinstance(block["evidence"], list), lang


@pytest.mark.parametrize("path", MOTION_FILES, ids=_motion_id)
def test_motion_has_enough_points_and_questions(path: Path) -> None:
    data = _load(path)
    for lang in LANGUAGES:
        block = data[lang]
        assert len(block["pro"]) >= 4, lang
        assert len(block["con"]) >= 4, lang
        assert len(block["questions"]) >= 3, lang


@pytest.mark.parametrize("path", MOTION_FILES, ids=_motion_id)
def test_english_title_and_brief_length(path: Path) -> None:
    en = _load(path)["en"]
    assert len(en["title"]) <= 60
    words = len(en["brief"].split())
    assert 150 <= words <= 300, words


@pytest.mark.parametrize("path", MOTION_FILES, ids=_motion_id)
def test_japanese_motion_reads_as_a_class_says_it(path: Path) -> None:
    """「…すべきである」, as a classroom debate states a motion, not the parliamentary 「本院は…」."""
    motion = _load(path)["ja"]["motion"]
    assert "本院" not in motion
    assert motion.endswith("べきである。"), motion


@pytest.mark.parametrize("path", MOTION_FILES, ids=_motion_id)
def test_japanese_brief_length(path: Path) -> None:
    brief = _load(path)["ja"]["brief"]
    chars = len(re.sub(r"\s", "", brief))
    assert 300 <= chars <= 700, chars
    assert re.search(r"[\u3040-\u30ff]", brief), "the Japanese brief should contain kana"


@pytest.mark.parametrize("path", MOTION_FILES, ids=_motion_id)
def test_evidence_cards_complete(path: Path) -> None:
    data = _load(path)
    for lang in LANGUAGES:
        cards = data[lang]["evidence"]
        assert len(cards) >= 2, lang
        for card in cards:
            for key in CARD_KEYS:
                assert isinstance(card.get(key), str) and card[key].strip(), (lang, key)
            assert card["link"].startswith("https://"), card["link"]


@pytest.mark.parametrize("path", MOTION_FILES, ids=_motion_id)
def test_evidence_matches_across_languages(path: Path) -> None:
    data = _load(path)
    en, ja = data["en"]["evidence"], data["ja"]["evidence"]
    assert len(en) == len(ja)
    assert [c["source"] for c in en] == [c["source"] for c in ja]
    assert [c["link"] for c in en] == [c["link"] for c in ja]


@pytest.mark.parametrize("path", MOTION_FILES, ids=_motion_id)
def test_brief_cites_a_source_inline(path: Path) -> None:
    data = _load(path)
    for lang in LANGUAGES:
        brief = data[lang]["brief"]
        assert "Kooser 2019" in brief or "Daniel Kim" in brief, lang


# --- formats -----------------------------------------------------------------------------


def test_the_five_formats_are_shipped() -> None:
    assert {p.stem for p in FORMAT_FILES} == REQUIRED_FORMATS


@pytest.mark.parametrize("path", FORMAT_FILES, ids=_format_id)
def test_format_names_and_description(path: Path) -> None:
    data = _load(path)
    assert data["id"] == path.stem
    for table in ("name", "description"):
        for lang in LANGUAGES:
            assert isinstance(data[table][lang], str) and data[table][lang].strip(), (table, lang)


@pytest.mark.parametrize("path", FORMAT_FILES, ids=_format_id)
def test_format_opens_and_closes_with_votes(path: Path) -> None:
    phases = _load(path)["phases"]
    kinds = [p["kind"] for p in phases]
    assert kinds[0] == "pre_vote"
    assert kinds[-1] == "post_vote"
    assert kinds.count("pre_vote") == 1
    assert kinds.count("post_vote") == 1


@pytest.mark.parametrize("path", FORMAT_FILES, ids=_format_id)
def test_format_phases_are_valid(path: Path) -> None:
    phases = _load(path)["phases"]
    ids = [p["id"] for p in phases]
    assert len(ids) == len(set(ids)), ids
    for phase in phases:
        where = phase["id"]
        assert re.fullmatch(r"[a-z0-9_]+", where)
        assert phase["kind"] in KINDS, where
        assert phase["side"] in SIDES, where
        assert isinstance(phase["seconds"], int) and phase["seconds"] > 0, where
        for lang in LANGUAGES:
            assert isinstance(phase["name"][lang], str) and phase["name"][lang].strip(), where
        if phase["kind"] in SPEAKING:
            assert phase["max_chars"] > 0, where
            assert phase["speakers"] >= 1, where
        if phase["kind"] == "speech":
            assert phase["side"] in {"pro", "con"}, where
        if phase["kind"] == "cross":
            assert phase["side"] in {"pro", "con"}, where
        if phase["kind"] == "open_floor":
            assert phase["side"] == "both", where
            assert phase["max_chars"] > 0, where
            assert phase["speakers"] == 0, where
        if phase["kind"] in VOTES:
            assert phase["side"] == "both", where
            assert phase["max_chars"] == 0, where
            assert phase["speakers"] == 0, where


@pytest.mark.parametrize("path", FORMAT_FILES, ids=_format_id)
def test_speech_limits_fit_the_time(path: Path) -> None:
    """A speech holds at most about 7 characters per second, and never more than 3000."""
    for phase in _load(path)["phases"]:
        if phase["kind"] == "speech":
            assert phase["max_chars"] <= min(7 * phase["seconds"], 3000), phase["id"]


@pytest.mark.parametrize("path", FORMAT_FILES, ids=_format_id)
def test_speeches_include_both_sides(path: Path) -> None:
    sides = [p["side"] for p in _load(path)["phases"] if p["kind"] == "speech"]
    assert sides.count("pro") >= 1 and sides.count("con") >= 1
    assert sides[0] == "pro", "the pro side opens in every shipped format"


def _phases(format_id: str) -> list[dict]:
    return _load(PROMPTS / "formats" / f"{format_id}.toml")["phases"]


def test_quick_is_exactly_ten_minutes() -> None:
    phases = _phases("quick")
    assert [p["kind"] for p in phases] == ["pre_vote", "speech", "speech", "post_vote"]
    assert [p["seconds"] for p in phases] == [120, 180, 180, 120]
    assert [p["side"] for p in phases] == ["both", "pro", "con", "both"]


def test_classroom_fits_a_lesson_with_two_speakers_a_side() -> None:
    phases = _phases("classroom")
    speeches = [p for p in phases if p["kind"] == "speech"]
    assert [p["side"] for p in speeches] == ["pro", "con", "pro", "con"]
    assert all(p["speakers"] == 1 for p in speeches)
    assert any(p["kind"] == "open_floor" for p in phases)
    assert sum(p["seconds"] for p in phases) <= 45 * 60


def test_oxford_has_floor_debate_and_alternating_speeches() -> None:
    phases = _phases("oxford")
    speeches = [p["side"] for p in phases if p["kind"] == "speech"]
    assert speeches == ["pro", "con", "pro", "con"]
    assert [p["kind"] for p in phases].count("open_floor") == 1


def test_lincoln_douglas_uses_nsda_times() -> None:
    timed = [(p["kind"], p["side"], p["seconds"]) for p in _phases("lincoln-douglas")[1:-1]]
    assert timed == [
        ("speech", "pro", 360),  # affirmative constructive
        ("cross", "con", 180),  # negative cross-examines
        ("speech", "con", 420),  # negative constructive
        ("cross", "pro", 180),  # affirmative cross-examines
        ("speech", "pro", 240),  # first affirmative rebuttal
        ("speech", "con", 360),  # negative rebuttal
        ("speech", "pro", 180),  # second affirmative rebuttal
    ]


def test_async_phases_last_at_least_an_hour() -> None:
    phases = _phases("async")
    assert all(p["seconds"] >= 3600 for p in phases)
    speeches = [p for p in phases if p["kind"] == "speech"]
    assert all(p["max_chars"] >= 2000 for p in speeches)
