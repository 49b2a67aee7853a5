"""Every command is all-or-nothing: when the store refuses a change (a full disk, a read-only
file), the user is told, and nothing changed in memory either."""

from __future__ import annotations

import sqlite3

from bot.core.debates.model import ChannelRef, Stage
from tests.conftest import say


def refuse(store, name: str) -> None:
    """Make one store method fail as a full disk would."""
    async def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    setattr(store, name, full)


async def test_moving_on_that_the_store_refuses_moves_nothing(core, chat):
    await say(core, "teacher", "/debate start format:quick")
    d = core.debates.debates[1]
    refuse(core.store, "save_debate")
    card = (await say(core, "teacher", "/debate next"))[0]
    assert card.kind == "error"
    assert d.phase_index == 0  # memory follows the store
    assert "Your vote" in (await say(core, "v1", "/vote pro"))[0].body  # the pre-vote is still open
    assert Stage.PRE in d.tally_message_ids


async def test_a_mute_the_store_refuses_is_not_enforced(core, chat):
    await say(core, "teacher", "/debate start format:quick")
    refuse(core.store.moderation, "save_mute")
    assert (await say(core, "teacher", "/mod mute user:troll minutes:10"))[0].kind == "error"
    assert core.moderation.mutes == {}
    assert "Your vote" in (await say(core, "troll", "/vote pro"))[0].body


async def test_a_join_the_store_refuses_leaves_no_participant(core, chat):
    await say(core, "teacher", "/debate start format:quick")
    refuse(core.store, "save_participant")
    assert (await say(core, "pia", "/debate join side:pro"))[0].kind == "error"
    assert "pia" not in core.debates.debates[1].participants



STAFF = ChannelRef("test", "w1", "staff")


async def refused_log_channel_change(core, chat, line: str) -> list[str]:
    """Set #staff as the log channel, let the store refuse `line`, then warn somebody: the
    channels the warning was mirrored to."""
    await say(core, "teacher", "/mod logchannel", channel=STAFF)
    refuse(core.store.moderation, "set_log_channel")
    assert (await say(core, "teacher", line))[0].kind == "error"
    assert core.moderation.log_channels == {("test", "w1"): "staff"}
    chat.posts.clear()
    await say(core, "teacher", "/mod warn user:troll reason:spam")
    return [p.channel.channel for p in chat.posts if p.channel.channel in ("staff", "broken")]


async def test_a_log_channel_the_store_refuses_keeps_the_old_one(core, chat):
    # later audit entries still reach the channel the store has
    assert await refused_log_channel_change(core, chat, "/mod logchannel channel:#broken") == ["staff"]


async def test_switching_the_log_channel_off_that_the_store_refuses_keeps_it_on(core, chat):
    assert await refused_log_channel_change(core, chat, "/mod logchannel off:yes") == ["staff"]
