"""What a classroom screen shows, as plain JSON-ready data built from the core's memory.

One view per debate or poll, shared by every page that shows it (see `screen_hub.py`). Every text
is ready to show, in the language of the debate's (or poll's) channel; the page puts them in with
`textContent`, never as HTML. A view holds aggregates only: counts, shares and the names of the
debaters, never who voted or how, and in an anonymous debate no name of anyone but a debater.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.debates import cards as debate_cards
from bot.core.debates import engine
from bot.core.debates.model import Choice, Debate, DebateState, PhaseKind, Role
from bot.core.debates.voting import shares, signed_points
from bot.core.debates.voting import tally as count_ballots
from bot.core.polls import cards as poll_cards
from bot.core.polls.model import Poll
from bot.core.service import Core

View = dict[str, Any]
CHOICES = ("pro", "con", "undecided")
QUESTIONS_SHOWN = 4  # the latest approved questions on the screen
TALLY = "tally"  # the key of a view's live tally, left out of the pages that show the turnout only


def epoch_ms(value) -> int | None:
    return int(value.timestamp() * 1000) if value is not None else None


def debate_view(core: Core, d: Debate, counted: Mapping[str, Choice] | None = None) -> View:
    """`counted`: the open stage's ballots as the store holds them (several processes take
    ballots on a shared store); None: as this process holds them."""
    lang = d.language
    t = core.t
    fmt = core.library.formats[d.format_id]
    phase = engine.current_phase(d, fmt)
    ended = d.state is DebateState.ENDED
    stage = None if ended else engine.open_stage(d, fmt)
    view: View = {
        "kind": "debate",
        "lang": lang,
        "title": d.motion_title,
        "motion": d.motion_text,
        "format": fmt.name(lang),
        "state": d.state.value,
        "phase": t(lang, "screen.ended") if ended else t(lang, "phase.title", n=d.phase_index + 1,
                                                         total=len(fmt.phases), name=phase.name(lang)),
        "status": t(lang, "screen.paused") if d.state is DebateState.PAUSED else "",
        "floor": "" if ended else _floor(core, d, phase.kind, phase.side.value),
        "deadline": None if ended or d.state is DebateState.PAUSED else epoch_ms(d.deadline),
        "remaining": int(d.paused_remaining * 1000) if d.state is DebateState.PAUSED and d.paused_remaining else None,
        "speech": _speech(core, d),
        "questions": [q.text for q in d.questions if q.status == "approved"][-QUESTIONS_SHOWN:],
        "vote": None,
        "result": _result(core, d) if ended else None,
    }
    if stage is not None:
        counts = count_ballots(d.votes[stage] if counted is None else counted)
        turnout = sum(counts.values())
        view["vote"] = {
            "title": t(lang, f"tally.title.{stage.value}", id=d.id),
            "turnout": turnout,
            "turnout_text": core.tn(lang, "screen.turnout", turnout),
            "hidden_note": t(lang, "screen.hidden_tally"),
            TALLY: _bars(core, lang, counts),
        }
    return view


def _names(d: Debate, role: Role) -> str:
    return ", ".join(p.name for p in d.participants.values() if p.role is role)


def _floor(core: Core, d: Debate, kind: PhaseKind, side: str) -> str:
    """Who holds the floor: the debaters of the phase's side, both sides, or everyone who joined."""
    lang = d.language
    nobody = core.t(lang, "screen.nobody")
    if kind is PhaseKind.SPEECH:
        return f"{core.t(lang, f'side.{side}')}: {_names(d, Role(side)) or nobody}"
    if kind is PhaseKind.CROSS:
        return core.t(lang, "screen.both_sides", pro=_names(d, Role.PRO) or nobody, con=_names(d, Role.CON) or nobody)
    if kind is PhaseKind.OPEN_FLOOR:
        return core.t(lang, "screen.everyone_floor")
    return ""


def _speech(core: Core, d: Debate) -> dict[str, str] | None:
    if not d.speeches:
        return None
    s = d.speeches[-1]
    side = s.side if s.side in ("pro", "con") else "audience"
    debater = d.sides_held.get(s.user_id) in (Role.PRO, Role.CON) or d.role_of(s.user_id) in (Role.PRO, Role.CON)
    # in an anonymous debate, someone who is not a debater may have voted: no name of theirs
    name = s.name if debater or not d.anonymous else core.t(d.language, "side.audience")
    return {"name": name, "side": side, "side_text": core.t(d.language, f"side.{side}"), "text": s.text}


def _bars(core: Core, lang: str, counts: dict[str, int]) -> list[dict[str, Any]]:
    pct = shares(counts)
    return [{"choice": c, "label": core.t(lang, f"choice.{c}"), "count": counts[c], "share": round(pct[c], 1),
             "text": core.t(lang, "tally.line", count=counts[c], share=f"{pct[c]:.0f}")} for c in CHOICES]


def _result(core: Core, d: Debate) -> dict[str, Any]:
    lang = d.language
    t = core.t
    r = core.debates.result(d)
    bars = [{"choice": c, "label": t(lang, f"choice.{c}"),
             "pre": round(r.pre_share[c], 1), "post": round(r.post_share[c], 1),
             "pre_text": f"{r.pre_share[c]:.0f}%", "post_text": f"{r.post_share[c]:.0f}%"} for c in CHOICES]
    swing = [t(lang, "screen.swing_line", side=t(lang, f"side.{side}"), points=signed_points(r.swing[side]))
             for side in ("pro", "con")]
    moves = debate_cards.move_lines(core, lang, r) or [t(lang, "screen.nobody_moved")]
    return {
        "verdict": debate_cards.verdict(core, lang, r, final=True),
        "winner": r.winner or "",
        "bars": bars,
        "swing": swing,
        "moves": moves,
        "turnout": t(lang, "result.turnout_line", pre=r.turnout["pre"], post=r.turnout["post"], both=r.turnout["both"]),
    }


def poll_view(core: Core, p: Poll) -> View:
    """A poll's screen: the counts follow the poll's own `tally:` (hidden until it closes, or live)."""
    lang = p.language
    t = core.t
    count = core.polls.count(p)
    options = []
    for i, option in enumerate(p.options):
        share = 100.0 * count.counts[i] / count.ballots if count.ballots else 0.0
        entry: dict[str, Any] = {"label": f"{i + 1}. {option}"}
        if not p.hidden:
            entry.update(count=count.counts[i], share=round(share, 1),
                         text=t(lang, "poll.count_line", count=count.counts[i], share=f"{share:.0f}"))
        options.append(entry)
    return {
        "kind": "poll",
        "lang": lang,
        "title": p.question,
        "motion": "",
        "format": t(lang, f"poll.mode.{p.mode}"),
        "state": "running" if p.open else "ended",
        "phase": t(lang, "screen.poll_open" if p.open else "screen.poll_closed"),
        "status": t(lang, "screen.hidden_tally") if p.hidden else "",
        "floor": "",
        "deadline": epoch_ms(p.closes_at) if p.open else None,
        "remaining": None,
        "turnout": count.ballots,
        "turnout_text": core.tn(lang, "screen.ballots", count.ballots),
        "options": options,
        "winner": "" if p.open else poll_cards.winner_text(core, p, count),
    }


def public(view: View, tally_live: bool) -> View:
    """The view as one page may see it: during a debate's vote, the tally only with `tally:live`."""
    vote = view.get("vote")
    if tally_live or not vote or TALLY not in vote:
        return view
    return {**view, "vote": {k: v for k, v in vote.items() if k != TALLY}}

