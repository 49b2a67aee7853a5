"""The core's Charts port on matplotlib (bot/charts/renderer.py): PNG bytes of the size each
drawing module promises, and no matplotlib until the first picture."""

from __future__ import annotations

import subprocess
import sys

from bot.charts import claim_map
from bot.charts.debate import DEBATE_SIZE
from bot.charts.poll import poll_chart_size
from bot.charts.renderer import MatplotlibCharts
from bot.core.polls.counting import count_ranked
from bot.core.ports import DebateChart, MapChart, MapNode, PollChart
from tests.test_charts import PNG_SIGNATURE, RANKED


def size_of(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_SIGNATURE, "not a PNG"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_the_debate_chart_comes_back_as_png_bytes():
    chart = DebateChart(title="Debate #1: Masks", labels={"pro": "Pro", "con": "Con"},
                        pre={"pro": 1, "con": 2}, post={"pro": 3, "con": 0},
                        movement=[("con", "pro", 2)], verdict="Pro wins by 100.0 points", winner="pro")
    assert size_of(MatplotlibCharts().debate(chart)) == DEBATE_SIZE


def test_a_ranked_poll_chart_has_a_panel_per_round():
    count = count_ranked(["A", "B", "C", "D"], RANKED)
    assert len(count.rounds) == 3
    chart = PollChart(title="Which?", options=["A", "B", "C", "D"], counts=count.counts,
                      winners=count.winners, rounds=count.rounds, labels={"votes": "votes"})
    assert size_of(MatplotlibCharts().poll(chart)) == poll_chart_size(len(count.rounds))


def test_the_argument_map_is_as_large_as_its_tree():
    nodes = [MapNode(0, None, "thesis", "Thesis", "", "Sellers must check ID"),
             MapNode(1, 0, "pro", "#1 Pro", "", "Robbers used masks"),
             MapNode(2, 0, "con", "#2 Con", "", "Burn survivors need them"),
             MapNode(3, 2, "pro", "#3 Pro", "", "A check costs them little")]
    assert size_of(MatplotlibCharts().claim_map(MapChart(nodes, note="1 more"))) == claim_map.size_of(nodes)


def test_matplotlib_loads_on_the_first_picture_not_when_the_bot_starts():
    code = ("import sys, bot.app, bot.charts, bot.charts.renderer; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
