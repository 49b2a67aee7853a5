"""The core's :class:`~bot.core.ports.Charts` port, drawn by the modules of this package.

Matplotlib is imported on the first picture, not when the bot starts: a bot that never shows a
result never pays for it.
"""

from __future__ import annotations

import io
from dataclasses import fields
from typing import Any

from bot.core.ports.charts import DebateChart, MapChart, PollChart


def _arguments(chart: DebateChart | PollChart | MapChart) -> dict[str, Any]:
    return {f.name: getattr(chart, f.name) for f in fields(chart)}


class MatplotlibCharts:
    """PNG bytes of the debate chart, the poll chart and the argument map."""

    def debate(self, chart: DebateChart) -> bytes:
        from bot.charts import debate

        out = io.BytesIO()
        debate.debate_chart(out, **_arguments(chart))
        return out.getvalue()

    def poll(self, chart: PollChart) -> bytes:
        from bot.charts import poll

        out = io.BytesIO()
        poll.poll_chart(out, **_arguments(chart))
        return out.getvalue()

    def claim_map(self, chart: MapChart) -> bytes:
        from bot.charts import claim_map

        out = io.BytesIO()
        claim_map.draw_map(out, **_arguments(chart))
        return out.getvalue()
