"""Cards for polls: the poll message with its buttons, results, the list, and the voter's ballot.

Option texts and the question are user text, so every card that shows them has `user_text`.
The poll card's `extra` tells the adapters how to offer a ballot beyond the option buttons:

* ``poll``: the poll id; ``poll_mode``: single | multi | ranked; ``poll_max``: how many options a
  ballot may name; ``poll_options``: the option texts, one a line, numbered from 1 in order.
* for a ranked poll, the key ``poll:<id>:rank`` (the id of the "Rank…" button) holds the prompt
  of the modal or select that takes a whole ranking; its answer goes to
  :func:`bot.core.kernel.buttons.ballot_command`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.kernel.buttons import poll_button
from bot.core.kernel.cards import Attachment, Button, Card, Field
from bot.core.kernel.timefmt import clock_time, duration
from bot.core.polls.counting import PollCount
from bot.core.polls.model import Poll

if TYPE_CHECKING:
    from bot.core.service import Core

LABEL_LIMIT = 80  # Discord button labels


def when(core: Core, p: Poll, at: datetime) -> str:
    """A time of poll `p` in the zone its channel reads: `2026-11-22 19:00 JST`."""
    return clock_time(at, core.zone_known(p.channel))


def ballot_text(core: Core, p: Poll, choices: tuple[int, ...]) -> str:
    """A ballot in words: `tea`, `tea, water`, or `1. tea · 2. water` for a ranked poll."""
    names = [p.options[i] for i in choices]
    if p.mode == "ranked":
        return " · ".join(core.t(p.language, "poll.rank_item", n=n, option=o) for n, o in enumerate(names, 1))
    return ", ".join(names)


def mode_hint(core: Core, p: Poll) -> str:
    if p.mode == "single":
        return core.t(p.language, "poll.hint.single")
    if p.mode == "multi":
        return core.t(p.language, "poll.hint.multi", max=p.max_choices)
    if p.max_choices < len(p.options):
        return core.t(p.language, "poll.hint.ranked_max", max=p.max_choices, id=p.id)
    return core.t(p.language, "poll.hint.ranked", id=p.id)


def _count_line(core: Core, lang: str, votes: int, ballots: int) -> str:
    share = 100.0 * votes / ballots if ballots else 0.0
    return core.t(lang, "poll.count_line", count=votes, share=f"{share:.0f}")


def poll(core: Core, p: Poll, count: PollCount, now: datetime) -> Card:
    """The poll message: question, options (with counts unless hidden), buttons while open."""
    lang = p.language
    t = core.t
    fields = []
    for i, option in enumerate(p.options):
        value = "—" if p.hidden else _count_line(core, lang, count.counts[i], count.ballots)
        fields.append(Field(f"{i + 1}. {option}", value, inline=False))
    footer = [mode_hint(core, p)]
    if p.anonymous:
        footer.append(t(lang, "poll.anonymous_note"))
    if p.closed_at is None:  # open (`Poll.open`, spelled out so the closed branch knows the time)
        if p.hidden:
            footer.append(t(lang, "poll.hidden_note"))
        if p.closes_at is not None:
            left = max(0.0, (p.closes_at - now).total_seconds())
            footer.append(t(lang, "poll.closes_at", at=when(core, p, p.closes_at), left=duration(left)))
        footer.append(t(lang, "poll.open_footer", ballots=count.ballots, id=p.id))
    else:
        footer.append(t(lang, "poll.closed_footer", ballots=count.ballots, at=when(core, p, p.closed_at)))
    buttons: tuple[Button, ...] = ()
    extra: dict[str, str] = {}
    if p.open:
        buttons = tuple(
            Button(poll_button(p.id, "vote", str(i + 1)), _label(f"{i + 1}. {o}"), "primary")
            for i, o in enumerate(p.options)
        )
        if p.mode == "ranked":
            rank_id = poll_button(p.id, "rank")
            buttons += (Button(rank_id, t(lang, "poll.button.rank"), "success"),)
            extra[rank_id] = t(lang, "poll.rank_prompt", max=p.max_choices)
        buttons += (Button(poll_button(p.id, "withdraw"), t(lang, "poll.button.withdraw"), "secondary"),)
        extra.update({
            "poll": str(p.id),
            "poll_mode": p.mode,
            "poll_max": str(p.max_choices),
            "poll_options": "\n".join(p.options),
        })
    title = t(lang, "poll.title", id=p.id, mode=t(lang, f"poll.mode.{p.mode}"))
    return Card("poll", title=title, body=p.question, fields=tuple(fields), buttons=buttons,
                footer="\n".join(footer), user_text=True, extra=extra)


def _label(text: str) -> str:
    return text if len(text) <= LABEL_LIMIT else text[: LABEL_LIMIT - 1] + "…"


def winner_text(core: Core, p: Poll, count: PollCount, lang: str | None = None) -> str:
    """Who won, in `lang` (the poll's own language unless a reader's is given)."""
    lang = lang or p.language
    names = [p.options[i] for i in count.winners]
    if not names:
        return core.t(lang, "poll.winner.none")
    if len(names) == 1:
        return core.t(lang, "poll.winner.one", option=names[0])
    return core.t(lang, "poll.winner.tie", options=core.catalog.join(lang, names))


def round_lines(core: Core, p: Poll, count: PollCount) -> list[str]:
    """One line per instant-runoff round: counts, who was eliminated, exhausted ballots."""
    lang = p.language
    t = core.t
    lines = []
    for n, rnd in enumerate(count.rounds, 1):
        counts = " · ".join(t(lang, "poll.round_count", option=p.options[i], count=v) for i, v in rnd.counts.items())
        line = t(lang, "poll.round_line", n=n, counts=counts)
        if rnd.eliminated:
            line += " " + t(lang, "poll.round_eliminated", options=", ".join(p.options[i] for i in rnd.eliminated))
        if rnd.exhausted:
            line += " " + t(lang, "poll.round_exhausted", count=rnd.exhausted)
        lines.append(line)
    return lines


def result(core: Core, p: Poll, count: PollCount, *, final: bool = False, late: bool = False,
           attachment: Attachment | None = None) -> Card:
    """The results: counts and shares, the winner, and for a ranked poll the runoff round by round."""
    lang = p.language
    t = core.t
    fields = []
    for i, option in enumerate(p.options):
        share = 100.0 * count.counts[i] / count.ballots if count.ballots else 0.0
        mark = " ★" if i in count.winners else ""
        if p.mode == "ranked":
            value = core.tn(lang, "poll.count_first", count.counts[i], share=f"{share:.0f}")
        else:
            value = t(lang, "poll.count_line", count=count.counts[i], share=f"{share:.0f}")
        fields.append(Field(f"{i + 1}. {option}{mark}", value))
    if count.rounds:
        fields.append(Field(t(lang, "poll.runoff"), "\n".join(round_lines(core, p, count)), inline=False))
    body = [p.question, winner_text(core, p, count)]
    if late and p.closed_at is not None:  # late: closed by a deadline that ran late
        body.append(t(lang, "poll.closed_late", at=when(core, p, p.closed_at)))
    title = t(lang, "poll.result_final" if final else "poll.result_title", id=p.id)
    footer = t(lang, "poll.turnout", ballots=count.ballots)
    return Card("result", title=title, body="\n".join(body), fields=tuple(fields), footer=footer,
                user_text=True, attachment=attachment)


def listing(core: Core, lang: str, polls: list[Poll], ballots: dict[int, int], now: datetime) -> Card:
    """Open polls of a channel first, then recent closed ones."""
    t = core.t
    if not polls:
        return Card("list", title=t(lang, "poll.list_title"), body=t(lang, "poll.list_empty"))
    lines = []
    for p in polls:
        mode = t(lang, f"poll.mode.{p.mode}")
        if p.closed_at is None:  # open
            state = t(lang, "poll.list_open", ballots=ballots.get(p.id, 0))
            if p.closes_at is not None:
                state += " · " + t(lang, "poll.list_closes", at=when(core, p, p.closes_at))
        else:
            state = t(lang, "poll.list_closed", at=when(core, p, p.closed_at))
        lines.append(t(lang, "poll.list_line", id=p.id, question=p.question, mode=mode, state=state))
    return Card("list", title=t(lang, "poll.list_title"), body="\n".join(lines),
                footer=t(lang, "poll.list_footer"), user_text=True)
