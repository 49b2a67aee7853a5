"""Chart tests: the files are real PNGs of the promised size, in English and Japanese."""

from __future__ import annotations

import gc
import logging
import struct
from pathlib import Path

import matplotlib
import pytest
from matplotlib.figure import Figure

from bot import charts
from bot.charts import debate_chart, font_families, poll_chart, poll_chart_size
from bot.core.counting import count_multi, count_ranked, count_single

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

EN_DEBATE = {"pro": "Pro", "con": "Con", "undecided": "Undecided", "pre": "Before", "post": "After"}
JA_DEBATE = {"pro": "賛成", "con": "反対", "undecided": "未定", "pre": "討論前", "post": "討論後"}
EN_POLL = {"votes": "votes", "round": "Round", "eliminated": "eliminated", "winner": "winner"}
JA_POLL = {"votes": "票", "round": "第{n}ラウンド", "eliminated": "脱落", "winner": "勝者"}
EN_OPTIONS = ["Tea", "Coffee", "Hot chocolate with marshmallows and cream", "Water"]
JA_OPTIONS = ["お茶", "コーヒー", "マシュマロ入りホットチョコレート", "水"]
MOVEMENT = [("con", "pro", 3), ("undecided", "pro", 4), ("undecided", "con", 2), ("pro", "pro", 8)]

# A, B, C, D = 0..3. 13 ballots: round 1 D out (to B), round 2 B out on first preferences,
# round 3 A wins 5 of 9 non-exhausted: three rounds.
RANKED = [[0]] * 5 + [[1]] * 3 + [[2]] * 4 + [[3, 1]]


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the IHDR chunk, after checking the PNG signature."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, "not a PNG file"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    assert data[-12:] == b"\x00\x00\x00\x00IEND\xaeB`\x82", "PNG is truncated"
    return width, height


@pytest.fixture(autouse=True)
def fresh_font_choice():
    """Each test sees the font lookup afresh (it is cached per process)."""
    font_families.cache_clear()
    yield
    font_families.cache_clear()


# --- debate chart -----------------------------------------------------------------------


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(("labels", "title"), [(EN_DEBATE, "Uniforms"), (JA_DEBATE, "制服は廃止")])
def test_debate_chart(tmp_path: Path, labels: dict[str, str], title: str) -> None:
    out = tmp_path / "charts" / "debate.png"
    result = debate_chart(
        out,
        title=title,
        labels=labels,
        pre={"pro": 9, "con": 7, "undecided": 8},
        post={"pro": 15, "con": 8, "undecided": 1},
        movement=MOVEMENT,
    )
    assert result == out
    assert png_size(out) == (1200, 900)


def test_debate_chart_with_no_votes(tmp_path: Path) -> None:
    out = debate_chart(
        tmp_path / "empty.png", title="Nobody voted", labels=EN_DEBATE, pre={}, post={}, movement=[]
    )
    assert png_size(out) == (1200, 900)


# --- poll chart -------------------------------------------------------------------------


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    ("options", "labels"), [(EN_OPTIONS, EN_POLL), (JA_OPTIONS, JA_POLL)], ids=["en", "ja"]
)
def test_poll_chart(tmp_path: Path, options: list[str], labels: dict[str, str]) -> None:
    single = count_single(options, [0, 1, 1, 2, 1, 3, 0, 1])
    out = poll_chart(
        tmp_path / "single.png",
        title="Best drink?",
        options=options,
        counts=single.counts,
        winners=single.winners,
        labels=labels,
    )
    assert png_size(out) == (1200, 900)

    multi = count_multi(options, [[0, 1], [1, 2], [0, 1]])
    out = poll_chart(
        tmp_path / "multi.png",
        title="飲み物",
        options=options,
        counts=multi.counts,
        winners=multi.winners,
        labels=labels,
    )
    assert png_size(out) == (1200, 900)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(
    ("options", "labels"), [(EN_OPTIONS, EN_POLL), (JA_OPTIONS, JA_POLL)], ids=["en", "ja"]
)
def test_ranked_poll_chart(tmp_path: Path, options: list[str], labels: dict[str, str]) -> None:
    result = count_ranked(options, RANKED)
    assert len(result.rounds) == 3
    out = poll_chart(
        tmp_path / "ranked.png",
        title="Best drink (ranked)",
        options=options,
        counts=result.counts,
        winners=result.winners,
        rounds=result.rounds,
        labels=labels | {"exhausted": "exhausted"},
    )
    assert png_size(out) == (1200, 900)


def test_ranked_poll_chart_grows_with_many_rounds(tmp_path: Path) -> None:
    # Eight options with 1, 2, ..., 8 first preferences and no further ones: the lowest
    # goes every round until 7 and 8 are left (8 > 15 / 2) -> 7 panels in 4 rows of two.
    options = [f"option {i}" for i in range(8)]
    ballots = [[i] for i in range(8) for _ in range(i + 1)]
    result = count_ranked(options, ballots)
    assert len(result.rounds) == 7
    assert poll_chart_size(7) == (1200, 900 + 2 * 380)
    out = poll_chart(
        tmp_path / "long.png",
        title="Many rounds",
        options=options,
        counts=result.counts,
        winners=result.winners,
        rounds=result.rounds,
        labels=EN_POLL,
    )
    assert png_size(out) == (1200, 1660)


@pytest.mark.parametrize("mode", ["single", "ranked"])
def test_empty_poll_still_draws(tmp_path: Path, mode: str) -> None:
    result = count_ranked(EN_OPTIONS, []) if mode == "ranked" else count_single(EN_OPTIONS, [])
    out = poll_chart(
        tmp_path / f"{mode}.png",
        title="Nobody voted",
        options=EN_OPTIONS,
        counts=result.counts,
        winners=result.winners,
        rounds=result.rounds,
        labels=EN_POLL,
    )
    assert png_size(out) == (1200, 900)


def test_poll_without_options_still_draws(tmp_path: Path) -> None:
    out = poll_chart(tmp_path / "none.png", title="?", options=[], counts=[], winners=[], labels={})
    assert png_size(out) == (1200, 900)


def test_user_text_is_not_read_as_mathtext(tmp_path: Path) -> None:
    # Unescaped, "$\nosuchmacro$" is a mathtext parse error when the figure is drawn.
    options = [r"costs $\nosuchmacro$", "$5 or $10"]
    out = poll_chart(
        tmp_path / "dollars.png",
        title=r"$\nosuchmacro$",
        options=options,
        counts=[1, 2],
        winners=[1],
        labels=EN_POLL,
    )
    assert png_size(out) == (1200, 900)


def test_round_title_label_may_hold_the_number() -> None:
    assert charts._round_title("Round", 2) == "Round 2"
    assert charts._round_title("第{n}ラウンド", 2) == "第2ラウンド"


def test_many_charts_leave_no_figures_behind(tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    def live_figures() -> int:
        gc.collect()
        return sum(isinstance(obj, Figure) for obj in gc.get_objects())

    before = live_figures()
    for i in range(12):
        poll_chart(
            tmp_path / f"p{i}.png",
            title="t",
            options=EN_OPTIONS,
            counts=[i, 1, 2, 3],
            winners=[3],
            labels=EN_POLL,
        )
    assert live_figures() <= before
    assert plt.get_fignums() == []
    assert matplotlib.get_backend().lower() == "agg"


# --- font choice ------------------------------------------------------------------------


def test_font_falls_back_with_one_warning(monkeypatch, caplog) -> None:
    monkeypatch.setattr(charts, "_installed_families", lambda: {"DejaVu Sans"})
    monkeypatch.setattr(charts, "_shipped_japanese_font", lambda: None)
    monkeypatch.setattr(charts, "_fontconfig_japanese_files", lambda: [])
    with caplog.at_level(logging.WARNING, logger="bot.charts"):
        assert font_families() == ("DejaVu Sans",)
        assert font_families() == ("DejaVu Sans",)
    assert [r.levelno for r in caplog.records if r.name == "bot.charts"] == [logging.WARNING]


def test_font_prefers_a_known_cjk_family(monkeypatch) -> None:
    monkeypatch.setattr(
        charts, "_installed_families", lambda: {"DejaVu Sans", "IPAexGothic", "Noto Sans CJK JP"}
    )
    monkeypatch.setattr(charts, "_fontconfig_japanese_files", lambda: pytest.fail("not needed"))
    assert font_families() == ("DejaVu Sans", "Noto Sans CJK JP")


def test_font_found_by_fontconfig_is_registered(monkeypatch) -> None:
    # Any real font file stands in for a Japanese one: matplotlib ships DejaVu Serif.
    serif = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSerif.ttf"
    monkeypatch.setattr(charts, "_installed_families", lambda: set())
    monkeypatch.setattr(charts, "_shipped_japanese_font", lambda: None)
    monkeypatch.setattr(
        charts,
        "_fontconfig_japanese_files",
        lambda: [str(serif.with_name("missing.ttf")), str(serif)],
    )
    assert font_families() == ("DejaVu Sans", "DejaVu Serif")


def test_fontconfig_lookup_never_raises() -> None:
    files = charts._fontconfig_japanese_files()
    assert all(f.lower().endswith((".ttf", ".otf", ".ttc")) for f in files)


def test_wrap_counts_wide_characters_double() -> None:
    assert (
        charts._wrap("Hot chocolate with marshmallows", 16, 2) == "Hot chocolate\nwith marshmallo…"
    )
    assert charts._wrap("Tea", 16, 2) == "Tea"
    assert (
        charts._wrap("マシュマロ入りホットチョコレート", 16, 2)
        == "マシュマロ入りホ\nットチョコレート"
    )
    assert charts._wrap("マシュマロ入りホットチョコレートと生クリーム", 16, 2).endswith("…")
    assert charts._wrap("", 10, 2) == ""


def test_japanese_text_has_a_font_on_every_machine():
    # matplotlib-fontja ships IPAexGothic, so Japanese labels never draw as empty boxes
    from bot.charts import font_families

    assert len(font_families()) == 2
