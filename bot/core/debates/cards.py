"""Cards for debates: the opening message, phases, tallies, speeches, results and the library."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.debates import engine
from bot.core.debates.model import (
    Debate,
    DebateState,
    Format,
    Motion,
    Question,
    Role,
    Speech,
    Stage,
)
from bot.core.debates.voting import MIN_PAIRED, Result, shares, signed_points
from bot.core.debates.voting import tally as count_ballots
from bot.core.kernel.buttons import debate_button
from bot.core.kernel.cards import Button, Card, Field
from bot.core.kernel.timefmt import duration

if TYPE_CHECKING:
    from bot.core.service import Core

__all__ = ["duration"]
SIDE_STYLE = {"pro": "primary", "con": "danger", "undecided": "secondary", "audience": "secondary"}


def _names(d: Debate, role: Role) -> str:
    names = [p.name for p in d.participants.values() if p.role is role]
    return ", ".join(names) if names else "—"


def opening(core: Core, d: Debate, fmt: Format) -> Card:
    lang = d.language
    t = core.t
    phase = engine.current_phase(d, fmt)
    state = t(lang, f"state.{d.state.value}")
    fields = (
        Field(t(lang, "card.motion"), d.motion_text, inline=False),
        Field(t(lang, "card.format"), fmt.name(lang)),
        Field(t(lang, "card.phase"), f"{phase.name(lang)} ({d.phase_index + 1}/{len(fmt.phases)}) · {state}"),
        Field(t(lang, "card.time_left"), duration(engine.remaining(d, core.clock.now()))),
        Field(t(lang, "side.pro"), _names(d, Role.PRO)),
        Field(t(lang, "side.con"), _names(d, Role.CON)),
        Field(t(lang, "side.audience"), str(sum(1 for p in d.participants.values() if p.role is Role.AUDIENCE))),
    )
    buttons: tuple[Button, ...] = ()
    if d.state is not DebateState.ENDED:
        buttons = (
            Button(debate_button(d.id, "join", "pro"), t(lang, "button.join_pro"), "primary"),
            Button(debate_button(d.id, "join", "con"), t(lang, "button.join_con"), "danger"),
            Button(debate_button(d.id, "join", "audience"), t(lang, "button.watch"), "secondary"),
        )
    return Card("opening", title=t(lang, "debate.opening_title", id=d.id, title=d.motion_title),
                fields=fields, buttons=buttons, footer=t(lang, "debate.opening_footer"))


def phase(core: Core, d: Debate, fmt: Format, timed: bool = False) -> Card:
    lang = d.language
    p = engine.current_phase(d, fmt)
    key = f"phase.intro.{p.kind.value}"
    body = core.t(lang, key, side=core.t(lang, f"side.{p.side.value}"), time=duration(p.seconds), limit=p.max_chars)
    if timed:
        body = core.t(lang, "phase.time_up") + "\n" + body
    title = core.t(lang, "phase.title", n=d.phase_index + 1, total=len(fmt.phases), name=p.name(lang))
    return Card("phase", title=title, body=body)


def tally(core: Core, d: Debate, stage: Stage, open_: bool) -> Card:
    lang = d.language
    counts = _tally(d, stage)
    pct = shares(counts)
    total = sum(counts.values())
    fields = tuple(
        Field(core.t(lang, f"choice.{c}"), core.t(lang, "tally.line", count=counts[c], share=f"{pct[c]:.0f}"))
        for c in ("pro", "con", "undecided")
    )
    buttons: tuple[Button, ...] = ()
    if open_:
        buttons = tuple(
            Button(debate_button(d.id, "vote", c), core.t(lang, f"choice.{c}"), SIDE_STYLE[c])
            for c in ("pro", "con", "undecided")
        )
    footer = core.tn(lang, "tally.open" if open_ else "tally.closed", total)
    return Card("tally", title=core.t(lang, f"tally.title.{stage.value}", id=d.id), fields=fields,
                buttons=buttons, footer=footer)


def _tally(d: Debate, stage: Stage) -> dict[str, int]:
    return count_ballots(d.votes[stage])


def speech(core: Core, d: Debate, s: Speech) -> Card:
    lang = d.language
    side = core.t(lang, f"side.{s.side}") if s.side in ("pro", "con", "audience") else ""
    return Card("speech", title=core.t(lang, "speech.title", name=s.name, side=side), body=s.text,
                author=s.name, side=s.side, user_text=True)


def question(core: Core, d: Debate, q: Question) -> Card:
    return Card("question", title=core.t(d.language, "question.title", id=q.id, name=q.name), body=q.text,
                author=q.name, side="audience", user_text=True)


def queue(core: Core, d: Debate) -> Card:
    lang = d.language
    pending = [q for q in d.questions if q.status == "pending"]
    if not pending:
        return Card("list", title=core.t(lang, "queue.title"), body=core.t(lang, "queue.empty"))
    lines = [core.t(lang, "queue.line", id=q.id, name=q.name, text=q.text) for q in pending]
    return Card("list", title=core.t(lang, "queue.title"), body="\n".join(lines), user_text=True)


def status(core: Core, d: Debate, fmt: Format) -> Card:
    card = opening(core, d, fmt)
    lang = d.language
    stage = engine.open_stage(d, fmt)
    extra: tuple[Field, ...] = ()
    if stage is not None:
        counts = _tally(d, stage)
        extra = (Field(core.t(lang, "card.votes"), str(sum(counts.values()))),)
    return Card("status", title=card.title, fields=card.fields + extra)


def verdict(core: Core, lang: str, r: Result, final: bool) -> str:
    """Who won; or, without a post-vote, that there is no result (yet)."""
    if r.winner is not None:
        return core.t(lang, f"result.winner.{r.winner}")
    return core.t(lang, f"result.none.{r.reason}") if final else core.t(lang, "result.pending")


def move_lines(core: Core, lang: str, r: Result) -> list[str]:
    """"Who moved": those whose ballot changed between the votes, largest group first."""
    t = core.t
    return [t(lang, "result.move_line", source=t(lang, f"choice.{a}"), to=t(lang, f"choice.{b}"), count=n)
            for a, b, n in r.moved]


def result(core: Core, d: Debate, r: Result, final: bool = False, note: str = "", flagged: int = 0) -> Card:
    """The result card. `flagged`: how many of the counted voters moderation flagged (named,
    with the way to leave them out); `note`: what was left out, if anything."""
    lang = d.language
    t = core.t
    body = [verdict(core, lang, r, final)]
    if r.indicative:
        body.append(core.tn(lang, "result.indicative", r.turnout["both"], min=MIN_PAIRED))
    if flagged:
        body.append(core.tn(lang, "result.flagged", flagged))
    if note:
        body.append(note)
    fields = []
    for side in ("pro", "con", "undecided"):
        if r.winner is None:  # no post-vote: the pre-vote is all there is to show
            value = t(lang, "result.side_line_pre", pre=f"{r.pre_share[side]:.0f}", pre_n=r.pre[side])
        else:
            value = t(lang, "result.side_line", pre=f"{r.pre_share[side]:.0f}", post=f"{r.post_share[side]:.0f}",
                      pre_n=r.pre[side], post_n=r.post[side])
        fields.append(Field(t(lang, f"choice.{side}"), value))
    if r.winner is not None:
        fields.append(Field(t(lang, "result.swing"), t(lang, "result.swing_line", pro=signed_points(r.swing["pro"]),
                                                       con=signed_points(r.swing["con"])), inline=False))
        moves = move_lines(core, lang, r)
        fields.append(Field(t(lang, "result.movement"), "\n".join(moves) or t(lang, "result.nobody_moved"),
                            inline=False))
    fields.append(Field(t(lang, "result.turnout"), t(lang, "result.turnout_line", **r.turnout), inline=False))
    title = t(lang, "result.title_final" if final else "result.title", id=d.id, title=d.motion_title)
    return Card("result", title=title, body="\n".join(body), fields=tuple(fields))


def motion_list(core: Core, lang: str) -> Card:
    lines = [core.t(lang, "motions.line", id=m.id, title=m.text(lang).title) for m in core.library.motions.values()]
    return Card("list", title=core.t(lang, "motions.title"), body="\n".join(lines), footer=core.t(lang, "motions.footer"))


def motion_detail(core: Core, m: Motion, lang: str) -> Card:
    mt = m.text(lang)
    t = core.t
    evidence = "\n".join(t(lang, "motions.evidence_line", claim=e.claim, figure=e.figure, source=e.source, link=e.link)
                         for e in mt.evidence)
    fields = (
        Field(t(lang, "card.motion"), mt.motion, inline=False),
        Field(t(lang, "motions.pro"), "\n".join(f"• {p}" for p in mt.pro), inline=False),
        Field(t(lang, "motions.con"), "\n".join(f"• {p}" for p in mt.con), inline=False),
        Field(t(lang, "motions.evidence"), evidence, inline=False),
        Field(t(lang, "motions.questions"), "\n".join(f"• {q}" for q in mt.questions), inline=False),
    )
    return Card("motion", title=f"{mt.title} ({m.id})", body=mt.brief, fields=fields,
                footer=t(lang, "motions.start_hint", id=m.id))


def format_list(core: Core, lang: str) -> Card:
    fields = []
    for f in core.library.formats.values():
        steps = " → ".join(f"{p.name(lang)} {duration(p.seconds)}" for p in f.phases)
        total = duration(sum(p.seconds for p in f.phases))
        fields.append(Field(f"{f.name(lang)} ({f.id}) · {total}", f"{f.description(lang)}\n{steps}", inline=False))
    return Card("list", title=core.t(lang, "formats.title"), fields=tuple(fields))
