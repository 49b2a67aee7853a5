"""The home page of a workspace (Slack's App Home tab) as neutral cards: what runs there now,
the last debates that finished and the last polls that closed, with their results, and for moderators the way to the audit log
and the word filter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.core.debates import engine
from bot.core.debates.cards import verdict
from bot.core.debates.model import ChannelRef
from bot.core.kernel.cards import Button, Card, Field
from bot.core.kernel.timefmt import duration
from bot.core.polls.cards import winner_text

if TYPE_CHECKING:
    from bot.core.service import Core

FINISHED = 10
# the moderator buttons and the command each one runs for whoever clicks it
HOME_COMMANDS = {"home:mod:log": "/mod log", "home:mod:filter": "/mod filter list"}


def home_command(custom_id: str) -> str | None:
    return HOME_COMMANDS.get(custom_id)


async def home_cards(core: Core, platform: str, workspace: str, lang: str, *, moderator: bool,
                     place: Callable[[ChannelRef], Awaitable[str]]) -> list[Card]:
    """`place` names a channel the way the platform shows it (`#general`)."""
    t = core.t
    now = core.clock.now()
    cards = [Card("notice", title=t(lang, "home.title"), body=t(lang, "home.intro"))]
    debates = [d for d in core.open_debates(platform) if d.space.workspace == workspace]
    if not debates:
        cards.append(Card("list", title=t(lang, "home.debates"), body=t(lang, "home.no_debates")))
    for d in debates:
        fmt = core.library.formats[d.format_id]
        phase = engine.current_phase(d, fmt)
        state = t(lang, f"state.{d.state.value}")
        cards.append(Card("status", title=t(lang, "home.debate", id=d.id, title=d.motion_title), fields=(
            Field(t(lang, "home.channel"), await place(d.parent)),
            Field(t(lang, "card.phase"), f"{phase.name(lang)} ({d.phase_index + 1}/{len(fmt.phases)}) · {state}"),
            Field(t(lang, "card.time_left"), duration(engine.remaining(d, now))),
        ), user_text=True))
    polls = [p for p in core.open_polls(platform) if p.channel.workspace == workspace]
    lines = []
    for p in polls:
        left = t(lang, "home.closes_in", left=duration((p.closes_at - now).total_seconds())) if p.closes_at \
            else t(lang, "home.no_deadline")
        lines.append(t(lang, "home.poll_line", id=p.id, question=p.question, place=await place(p.channel),
                       left=left))
    cards.append(Card("list", title=t(lang, "home.polls"), body="\n".join(lines) or t(lang, "home.no_polls"),
                      user_text=True))
    finished = []
    for debate_id in await core.store.ended_debates(platform, workspace, FINISHED):
        ended = await core.store.load_debate(debate_id)
        if ended is not None:
            outcome = verdict(core, lang, core.debates.result(ended), final=True)
            finished.append(t(lang, "home.finished_line", id=ended.id, title=ended.motion_title,
                              place=await place(ended.parent), verdict=outcome))
    cards.append(Card("list", title=t(lang, "home.finished"), body="\n".join(finished) or t(lang, "home.no_finished"),
                      user_text=True))
    closed = []
    for poll_id in await core.store.polls.closed_ids(platform, workspace, FINISHED):
        shut = await core.store.polls.load(poll_id)
        if shut is not None:
            closed.append(t(lang, "home.closed_poll_line", id=shut.id, question=shut.question,
                            place=await place(shut.channel),
                            result=winner_text(core, shut, core.polls.count(shut), lang)))
    cards.append(Card("list", title=t(lang, "home.closed_polls"), body="\n".join(closed) or t(lang, "home.no_closed_polls"),
                      user_text=True))
    if moderator:
        cards.append(Card("notice", title=t(lang, "home.moderators"), body=t(lang, "home.moderators_body"), buttons=(
            Button("home:mod:log", t(lang, "home.button_log"), "primary"),
            Button("home:mod:filter", t(lang, "home.button_filter")),
        )))
    return cards

