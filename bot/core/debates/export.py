"""Debate exports: versioned JSON, Markdown and one self-contained, printable HTML file.

Also the result charts as PNG attachments (drawn through the core's `Charts` port in a worker thread).
The JSON layout (`debate-bot/debate`, version 2) is documented in the README and in
`docs/schemas/debate-v2.schema.json`; a change to it bumps `VERSION`. Version 2: a debate
without a post-vote ballot has no winner (`result.winner` null, `result.reason` says why,
`result.swing` null), and `result.indicative` marks a winner that stands on few voters.
Version 3 (`docs/schemas/debate-v3.schema.json`): `claims`, the debate's argument map, nested
as in `claim_export` (`docs/claims.md`).
"""

from __future__ import annotations

import asyncio
import base64
import html
import json
import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, TypedDict

from bot.core.claims import export as claim_export
from bot.core.debates import cards as debate_cards
from bot.core.debates.model import Debate, Format, Stage
from bot.core.debates.voting import BEFORE_POST_VOTE, Result, rounded, signed_points
from bot.core.kernel.cards import Attachment
from bot.core.kernel.timefmt import clock_time, duration
from bot.core.ports.charts import DebateChart

if TYPE_CHECKING:
    from bot.core.service import Core

log = logging.getLogger(__name__)
SCHEMA = "debate-bot/debate"
VERSION = 3
QUESTION_LIMIT = 500


def _phase_id(fmt: Format, index: int) -> str:
    return fmt.phases[min(index, len(fmt.phases) - 1)].id


def ballots(d: Debate) -> list[dict[str, object]]:
    """Each voter's pre and post ballot; anonymous debates number their voters instead."""
    pre, post = d.votes[Stage.PRE], d.votes[Stage.POST]
    voters = sorted(pre.keys() | post.keys())
    out: list[dict[str, object]] = []
    for n, voter in enumerate(voters, 1):
        name = f"voter-{n}" if d.anonymous else voter
        out.append({"voter": name, "pre": pre[voter].value if voter in pre else None,
                    "post": post[voter].value if voter in post else None})
    return out


def to_dict(d: Debate, fmt: Format, r: Result, argmap: claim_export.MapData | None = None) -> dict[str, object]:
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "debate": {
            "id": d.id,
            "state": d.state.value,
            "language": d.language,
            "anonymous": d.anonymous,
            "created_at": d.created_at.isoformat(),
            "ended_at": d.ended_at.isoformat() if d.ended_at else None,
        },
        "motion": {"id": d.motion_id, "title": d.motion_title, "text": d.motion_text},
        "format": fmt.id,
        "phases": [{"name": p.id, "kind": p.kind.value, "side": p.side.value, "seconds": p.seconds} for p in fmt.phases],
        "speeches": [
            {"phase": _phase_id(fmt, s.phase_index), "side": s.side, "speaker": s.name, "text": s.text,
             "at": s.at.isoformat()}
            for s in d.speeches
        ],
        "questions": [
            {"id": q.id, "asker": q.name, "text": q.text, "at": q.at.isoformat()}
            for q in d.questions if q.status == "approved"
        ],
        "votes": {"pre": r.pre, "post": r.post},
        "ballots": ballots(d),
        "movement": [{"from": a, "to": b, "count": n} for a, b, n in r.movement],
        "result": {
            "winner": r.winner,
            "reason": r.reason or None,
            "indicative": r.indicative,
            "swing": ({"pro": rounded(r.swing["pro"], 2), "con": rounded(r.swing["con"], 2)}
                      if r.winner is not None else None),
            "pre_share": {k: round(v, 2) for k, v in r.pre_share.items()},
            "post_share": {k: round(v, 2) for k, v in r.post_share.items()},
            "turnout": r.turnout,
        },
        "claims": claim_export.nested(argmap) if argmap is not None else [],
    }


def to_json(d: Debate, fmt: Format, r: Result, argmap: claim_export.MapData | None = None) -> str:
    return json.dumps(to_dict(d, fmt, r, argmap), ensure_ascii=False, indent=2)


class _Sections(TypedDict):
    title: str
    meta: str
    winner: str
    swing: str
    moves: list[str]


def _sections(core: Core, d: Debate, fmt: Format, r: Result) -> _Sections:
    """What both text exports show, localised."""
    lang = d.language
    zone = core.zone_known(d.space)
    t = core.t
    return {
        "title": t(lang, "export.title", id=d.id, title=d.motion_title),
        "meta": t(lang, "export.meta", format=fmt.name(lang), started=clock_time(d.created_at, zone),
                  ended=clock_time(d.ended_at, zone) if d.ended_at else t(lang, "state.running")),
        "winner": debate_cards.verdict(core, lang, r, final=not d.running),
        "swing": "" if r.winner is None else t(
            lang, "result.swing_line", pro=signed_points(r.swing["pro"]), con=signed_points(r.swing["con"])),
        "moves": debate_cards.move_lines(core, lang, r) or [t(lang, "result.nobody_moved")],
    }


def to_markdown(core: Core, d: Debate, fmt: Format, r: Result, argmap: claim_export.MapData | None = None) -> str:
    lang = d.language
    t = core.t
    s = _sections(core, d, fmt, r)
    out = [f"# {s['title']}", "", f"> {d.motion_text}", "", s["meta"], "", f"## {t(lang, 'export.phases')}", ""]
    for i, p in enumerate(fmt.phases, 1):
        out.append(f"{i}. {p.name(lang)} — {duration(p.seconds)}")
    out += ["", f"## {t(lang, 'export.transcript')}", ""]
    for sp in d.speeches:
        side = t(lang, f"side.{sp.side}") if core.catalog.has(f"side.{sp.side}") else sp.side
        out += [f"### {sp.name} ({side}) · {_phase_name(fmt, sp.phase_index, lang)} · {sp.at:%H:%M:%S}", "", sp.text, ""]
    if not d.speeches:
        out += [t(lang, "export.no_speeches"), ""]
    approved = [q for q in d.questions if q.status == "approved"]
    if approved:
        out += [f"## {t(lang, 'export.questions')}", ""]
        out += [f"- **{q.name}**: {q.text}" for q in approved]
        out.append("")
    out += [f"## {t(lang, 'export.votes')}", "",
            f"| | {t(lang, 'choice.pro')} | {t(lang, 'choice.con')} | {t(lang, 'choice.undecided')} |",
            "|---|---|---|---|"]
    for stage, counts, share in (("pre", r.pre, r.pre_share), ("post", r.post, r.post_share)):
        cells = " | ".join(f"{counts[c]} ({share[c]:.0f}%)" for c in ("pro", "con", "undecided"))
        out.append(f"| {t(lang, f'export.stage.{stage}')} | {cells} |")
    out += ["", f"**{s['winner']}**" + (f" — {s['swing']}" if s["swing"] else ""), ""]
    if r.winner is not None:
        out += [f"### {t(lang, 'result.movement')}", ""]
        out += [f"- {line}" for line in s["moves"]]
        out.append("")
    if argmap is not None and argmap.tree:
        out.append(claim_export.markdown_outline(core, argmap))
    return "\n".join(out)


def _phase_name(fmt: Format, index: int, lang: str) -> str:
    return fmt.phases[min(index, len(fmt.phases) - 1)].name(lang)


# Fonts: Latin first, then the common Japanese families on macOS/iOS (Hiragino), Linux and
# Android (Noto CJK), Windows (Yu Gothic, Meiryo); a Japanese page puts those first so its
# Latin text matches. Print: @page leaves the paper size to the printer (A4 or Letter) with
# margins whose text area fits both; headings stay with what follows, tables, rows, speeches
# and the chart are not split, and a long table repeats its header on every page.
HTML_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Hiragino Sans","Hiragino Kaku Gothic ProN",
"Noto Sans CJK JP","Noto Sans JP","Yu Gothic","YuGothic",Meiryo,sans-serif;max-width:48rem;margin:2rem auto;
padding:0 1rem;color:#111;line-height:1.5}
html:lang(ja) body{font-family:"Hiragino Sans","Hiragino Kaku Gothic ProN","Noto Sans CJK JP","Noto Sans JP",
"Yu Gothic","YuGothic",Meiryo,system-ui,sans-serif;line-break:strict}
h1{font-size:1.6rem}blockquote{border-left:4px solid #0072B2;margin:1rem 0;padding:.2rem 1rem;background:#f4f8fb}
.speech{border:1px solid #ccc;border-radius:6px;padding:.6rem 1rem;margin:.8rem 0}
.pro{border-left:6px solid #0072B2}.con{border-left:6px solid #D55E00}.audience{border-left:6px solid #999}
.who{font-weight:600}.meta{color:#555;font-size:.9rem}table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #999;padding:.3rem .7rem;text-align:right}th:first-child,td:first-child{text-align:left}
.text{white-space:pre-wrap;overflow-wrap:anywhere}figure{margin:1rem 0}figure img{max-width:100%;height:auto}
@page{size:auto;margin:16mm 14mm}
@media print{
body{margin:0;max-width:none;padding:0;font-size:11pt}a{color:#000}
h1,h2,h3{break-after:avoid;page-break-after:avoid;break-inside:avoid;page-break-inside:avoid}
table,tr,.speech,figure,blockquote{break-inside:avoid;page-break-inside:avoid}
thead{display:table-header-group}
p,li{orphans:3;widows:3}
figure img{max-height:120mm;width:auto}
}
"""


def to_html(core: Core, d: Debate, fmt: Format, r: Result, chart: bytes | None = None,
            argmap: claim_export.MapData | None = None) -> str:
    """One self-contained page; `chart` (a PNG) is embedded as a data URI when given."""
    lang = d.language
    t = core.t
    e = html.escape
    s = _sections(core, d, fmt, r)
    parts = [f'<!doctype html><html lang="{e(lang)}"><head><meta charset="utf-8">',
             f"<title>{e(s['title'])}</title><style>{HTML_STYLE}{claim_export.HTML_STYLE}</style></head><body>",
             f"<h1>{e(s['title'])}</h1><blockquote>{e(d.motion_text)}</blockquote>",
             f'<p class="meta">{e(s["meta"])}</p>', f"<h2>{e(t(lang, 'export.phases'))}</h2><ol>"]
    parts += [f"<li>{e(p.name(lang))} — {e(duration(p.seconds))}</li>" for p in fmt.phases]
    parts.append(f"</ol><h2>{e(t(lang, 'export.transcript'))}</h2>")
    for sp in d.speeches:
        side = t(lang, f"side.{sp.side}") if core.catalog.has(f"side.{sp.side}") else sp.side
        parts.append(
            f'<div class="speech {e(sp.side)}"><div class="who">{e(sp.name)} · {e(side)}</div>'
            f'<div class="meta">{e(_phase_name(fmt, sp.phase_index, lang))} · {sp.at:%H:%M:%S}</div>'
            f'<div class="text">{e(sp.text)}</div></div>')
    if not d.speeches:
        parts.append(f"<p>{e(t(lang, 'export.no_speeches'))}</p>")
    approved = [q for q in d.questions if q.status == "approved"]
    if approved:
        parts.append(f"<h2>{e(t(lang, 'export.questions'))}</h2><ul>")
        parts += [f"<li><b>{e(q.name)}</b>: {e(q.text)}</li>" for q in approved]
        parts.append("</ul>")
    parts.append(f"<h2>{e(t(lang, 'export.votes'))}</h2><table><thead><tr><th></th>")
    parts += [f"<th>{e(t(lang, f'choice.{c}'))}</th>" for c in ("pro", "con", "undecided")]
    parts.append("</tr></thead><tbody>")
    for stage, counts, share in (("pre", r.pre, r.pre_share), ("post", r.post, r.post_share)):
        parts.append(f"<tr><td>{e(t(lang, f'export.stage.{stage}'))}</td>")
        parts += [f"<td>{counts[c]} ({share[c]:.0f}%)</td>" for c in ("pro", "con", "undecided")]
        parts.append("</tr>")
    swing = f" — {e(s['swing'])}" if s["swing"] else ""
    parts.append(f"</tbody></table><p><b>{e(s['winner'])}</b>{swing}</p>")
    if chart:
        data = base64.b64encode(chart).decode("ascii")
        alt = e(t(lang, "chart.debate_alt"))
        parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{alt}"></figure>')
    if r.winner is not None:
        parts.append(f"<h3>{e(t(lang, 'result.movement'))}</h3><ul>")
        parts += [f"<li>{e(line)}</li>" for line in s["moves"]]
        parts.append("</ul>")
    if argmap is not None and argmap.tree:
        parts.append(claim_export.html_section(core, argmap))
    parts.append("</body></html>\n")
    return "".join(parts)


# --- charts ---------------------------------------------------------------------------------


async def png(draw: Callable[[], bytes], filename: str) -> Attachment | None:
    """Run `draw` (a :class:`~bot.core.ports.Charts` method given its chart) in a worker thread
    and attach the PNG it gives.

    A chart that cannot be drawn is logged and left out (None): results go out without it.
    """
    try:
        data = await asyncio.to_thread(draw)
    except Exception:
        log.exception("could not draw the chart %s", filename)
        return None
    return Attachment(filename, data, "image/png")


def debate_chart_labels(core: Core, lang: str) -> dict[str, str]:
    labels = {c: core.t(lang, f"choice.{c}") for c in ("pro", "con", "undecided", "none")}
    labels.update(pre=core.t(lang, "chart.pre"), post=core.t(lang, "chart.post"))
    return labels


def debate_verdict(core: Core, lang: str, r: Result) -> tuple[str, str | None, str]:
    """The chart's verdict line, the side that won ("pro"/"con"; None for a tie or no
    result) and the swing line ("" when there is no result).

    Reads ``r.winner``, ``r.reason``, ``r.swing`` and ``r.post``. A debate ended before its
    post-vote says so; a post-vote without ballots has no result. The margin is the winner's swing minus the
    other side's, in points.
    """
    winner = r.winner
    if r.reason == BEFORE_POST_VOTE:
        return core.t(lang, "chart.verdict_before"), None, ""
    if winner not in ("pro", "con", "tie") or not sum(r.post.values()):
        return core.t(lang, "chart.verdict_none"), None, ""
    swing = core.t(lang, "chart.swing_line", pro=signed_points(r.swing["pro"]), con=signed_points(r.swing["con"]))
    if winner == "tie":
        return core.t(lang, "chart.verdict_tie"), None, swing
    other = "con" if winner == "pro" else "pro"
    margin = f"{rounded(r.swing[winner] - r.swing[other], 1):.1f}"
    return core.t(lang, "chart.verdict_win", side=core.t(lang, f"side.{winner}"), margin=margin), winner, swing


async def debate_chart(core: Core, d: Debate, r: Result) -> Attachment | None:
    """Pre vs post shares per side and who moved, as `debate-<id>.png`; the title says who won."""
    if core.charts is None:
        return None
    lang = d.language
    verdict, winner, swing = debate_verdict(core, lang, r)
    chart = DebateChart(title=core.t(lang, "chart.debate_title", id=d.id, title=d.motion_title),
                        labels=debate_chart_labels(core, lang), pre=r.pre, post=r.post, movement=r.movement,
                        verdict=verdict, winner=winner, swing=swing)
    return await png(partial(core.charts.debate, chart), f"debate-{d.id}.png")
