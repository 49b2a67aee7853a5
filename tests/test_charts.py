"""Chart tests: the files are real PNGs of the promised size, in English and Japanese, and
the figures read: whole option names, a share axis that stops at 100 %, a verdict title."""

from __future__ import annotations

import gc
import logging
import struct
from pathlib import Path

import matplotlib
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.charts import common, fonts, poll
from bot.charts.debate import DEBATE_SIZE, debate_chart, draw_debate, share_limit
from bot.charts.fonts import font_families
from bot.charts.poll import draw_poll, option_labels, poll_chart, poll_chart_size
from bot.core.polls.counting import count_multi, count_ranked, count_single

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
# Science museum 6, Zoo 5, Botanical garden 2 (to Zoo): the garden goes in round 1, the zoo
# wins round 2 with 7 of 13: two rounds, one row of two panels.
TRIP = ["Science museum", "Zoo", "Botanical garden"]
TWO_ROUNDS = [[0]] * 6 + [[1]] * 5 + [[2, 1]] * 2


def drawn(size: tuple[int, int]) -> Figure:
    """An empty figure of ``size`` pixels with a canvas, to draw on and measure."""
    fig = Figure(figsize=(size[0] / common.DPI, size[1] / common.DPI), dpi=common.DPI)
    FigureCanvasAgg(fig)
    return fig


def option_names(ax) -> list[str]:
    """The y tick labels of ``ax`` with their line breaks read as spaces."""
    return [" ".join(t.get_text().split()) for t in ax.get_yticklabels()]


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


def test_share_axis_stops_at_100_percent() -> None:
    assert share_limit(0) == 20
    assert share_limit(45) == 70  # room above the bar for its label
    assert share_limit(75) == 100
    assert share_limit(100) == 100


@pytest.mark.parametrize(
    ("pre", "post"),
    [({"pro": 10}, {"pro": 10}), ({"pro": 1, "con": 19}, {"con": 20}), ({"undecided": 3}, {"pro": 3})],
)
def test_debate_chart_at_100_percent_keeps_axis_and_labels_within_100(pre, post) -> None:
    fig = drawn(DEBATE_SIZE)
    draw_debate(fig, title="Uniforms", labels=EN_DEBATE, pre=pre, post=post, movement=[])
    fig.canvas.draw()
    bars = fig.axes[0]
    assert bars.get_ylim() == (0.0, 100.0)
    ticks = [t for t in bars.get_yticks() if t <= bars.get_ylim()[1]]
    assert max(ticks) == 100
    shown = [t.get_text() for t in bars.get_yticklabels() if t.get_visible() and t.get_text()]
    assert shown[-1] == "100%" and "120%" not in shown and "125%" not in shown
    # every bar label stays inside the axes, the 100 % ones included
    box = bars.get_window_extent()
    labels = [t for t in bars.texts if "%" in t.get_text()]
    assert len(labels) == 6
    assert any(t.get_text().startswith("100%") for t in labels)
    for t in labels:
        assert t.get_window_extent().y1 <= box.y1 + 1, t.get_text()


@pytest.mark.parametrize(
    "title",
    [
        "Debate #1: Uniforms",  # one line at 28 pt
        "Debate #1: Identity checks for every mask sale",  # one line at 24 pt
        "Debate #12: This house would abolish school uniforms and homework for every pupil",
    ],
)
def test_debate_title_states_the_winner_and_the_swing(title: str) -> None:
    fig = drawn(DEBATE_SIZE)
    draw_debate(
        fig,
        title=title,
        labels=EN_DEBATE,
        pre={"pro": 9, "con": 7, "undecided": 8},
        post={"pro": 15, "con": 8, "undecided": 1},
        movement=MOVEMENT,
        verdict="Pro wins by 21.0 points",
        winner="pro",
        swing="Swing: Pro +25.0 pts · Con +4.2 pts",
    )
    texts = {t.get_text(): t for t in fig.texts}
    assert " ".join(list(texts)[0].split()) == title
    assert list(texts)[1] == "Pro wins by 21.0 points"
    assert matplotlib.colors.to_hex(texts["Pro wins by 21.0 points"].get_color()) == common.PRO.lower()
    assert "Swing: Pro +25.0 pts · Con +4.2 pts · Before: 24 · After: 24" in texts
    # the bars start below the heading: nothing overlaps the verdict
    fig.canvas.draw()
    verdict = texts["Pro wins by 21.0 points"].get_window_extent()
    for t in fig.texts:
        if t is not texts["Pro wins by 21.0 points"]:
            assert not t.get_window_extent().overlaps(verdict), t.get_text()
    assert fig.axes[0].get_window_extent().y1 < min(t.get_window_extent().y0 for t in fig.texts)
    # and it sits right under the title, not half a line below it
    assert list(texts.values())[0].get_window_extent().y0 - verdict.y1 < 16


@pytest.mark.parametrize("winner", [None, "tie"])
def test_a_verdict_without_a_winning_side_is_drawn_in_ink(winner) -> None:
    fig = drawn(DEBATE_SIZE)
    draw_debate(fig, title="t", labels=EN_DEBATE, pre={}, post={}, movement=[],
                verdict="No result", winner=winner)
    verdict = next(t for t in fig.texts if t.get_text() == "No result")
    assert matplotlib.colors.to_hex(verdict.get_color()) == common.INK.lower()


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


def test_a_ranked_poll_decided_in_two_rounds_names_every_option_whole() -> None:
    result = count_ranked(TRIP, TWO_ROUNDS)
    assert len(result.rounds) == 2
    fig = drawn(poll_chart_size(2))
    draw_poll(fig, title="Where should the class trip go?", options=TRIP, counts=result.counts,
              winners=result.winners, rounds=result.rounds, labels=EN_POLL)
    first, second = fig.axes
    assert option_names(first) == TRIP  # not "S…", "Z…", "B…"
    assert all(t.get_visible() for t in first.get_yticklabels())
    assert not any(t.get_visible() for t in second.get_yticklabels())  # one label column


@pytest.mark.parametrize("mode", ["single", "ranked"])
def test_long_option_names_wrap_at_whole_words_and_are_never_cut(mode: str) -> None:
    options = ["Hot chocolate with marshmallows and cream", "A walk along the old harbour wall",
               "Zoo", "マシュマロ入りホットチョコレート"]
    if mode == "ranked":
        result = count_ranked(options, [[0]] * 6 + [[1]] * 5 + [[2, 1]] + [[3, 1]])
        assert len(result.rounds) == 2
    else:
        result = count_single(options, [0] * 6 + [1])
    fig = drawn(poll_chart_size(len(result.rounds)))
    draw_poll(fig, title="Drinks", options=options, counts=result.counts, winners=result.winners,
              rounds=result.rounds, labels=EN_POLL)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert [label.replace("\n", " " if label.isascii() else "") for label in labels] == options
    assert not any("…" in label for label in labels)
    assert "\n" in labels[0]  # wrapped, at a space: every line holds whole words
    assert all(line in options[0].split(" ") or " " in line for line in labels[0].split("\n"))
    assert set(" ".join(labels[0].split("\n")).split()) == set(options[0].split())


def test_option_labels_shrink_before_they_cut_and_cut_at_a_word() -> None:
    name = "Option number nine with a fairly long descriptive name that goes on and on"
    roomy, size = option_labels([name], label_px=340, row_px=200)
    assert size == poll.LABEL_SIZES[0] and " ".join(roomy[0].split()) == name
    tight, size = option_labels([name] * 10, label_px=340, row_px=80)
    assert size < poll.LABEL_SIZES[0] and " ".join(tight[0].split()) == name
    # only past the smallest size is a name cut, and then after a whole word
    cramped, size = option_labels([name], label_px=200, row_px=15)
    assert size == poll.LABEL_SIZES[-1] and cramped[0].endswith("…")
    assert cramped[0][:-1].split()[-1] in name.split()


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
    assert poll._round_title("Round", 2) == "Round 2"
    assert poll._round_title("第{n}ラウンド", 2) == "第2ラウンド"


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
    monkeypatch.setattr(fonts, "_installed_families", lambda: {"DejaVu Sans"})
    monkeypatch.setattr(fonts, "_shipped_japanese_font", lambda: None)
    monkeypatch.setattr(fonts, "_fontconfig_japanese_files", lambda: [])
    with caplog.at_level(logging.WARNING, logger="bot.charts.fonts"):
        assert font_families() == ("DejaVu Sans",)
        assert font_families() == ("DejaVu Sans",)
    assert [r.levelno for r in caplog.records if r.name == "bot.charts.fonts"] == [logging.WARNING]


def test_font_prefers_a_known_cjk_family(monkeypatch) -> None:
    monkeypatch.setattr(
        fonts, "_installed_families", lambda: {"DejaVu Sans", "IPAexGothic", "Noto Sans CJK JP"}
    )
    monkeypatch.setattr(fonts, "_fontconfig_japanese_files", lambda: pytest.fail("not needed"))
    assert font_families() == ("DejaVu Sans", "Noto Sans CJK JP")


def test_font_found_by_fontconfig_is_registered(monkeypatch) -> None:
    # Any real font file stands in for a Japanese one: matplotlib ships DejaVu Serif.
    serif = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSerif.ttf"
    monkeypatch.setattr(fonts, "_installed_families", lambda: set())
    monkeypatch.setattr(fonts, "_shipped_japanese_font", lambda: None)
    monkeypatch.setattr(
        fonts,
        "_fontconfig_japanese_files",
        lambda: [str(serif.with_name("missing.ttf")), str(serif)],
    )
    assert font_families() == ("DejaVu Sans", "DejaVu Serif")


def test_fontconfig_lookup_never_raises() -> None:
    files = fonts._fontconfig_japanese_files()
    assert all(f.lower().endswith((".ttf", ".otf", ".ttc")) for f in files)


def test_wrap_counts_wide_characters_double() -> None:
    assert (
        common._wrap("Hot chocolate with marshmallows", 16, 2) == "Hot chocolate\nwith marshmallo…"
    )
    assert common._wrap("Tea", 16, 2) == "Tea"
    assert (
        common._wrap("マシュマロ入りホットチョコレート", 16, 2)
        == "マシュマロ入りホ\nットチョコレート"
    )
    assert common._wrap("マシュマロ入りホットチョコレートと生クリーム", 16, 2).endswith("…")
    assert common._wrap("", 10, 2) == ""


def test_japanese_text_has_a_font_on_every_machine():
    # matplotlib-fontja ships IPAexGothic, so Japanese labels never draw as empty boxes
    from bot.charts.fonts import font_families

    assert len(font_families()) == 2
