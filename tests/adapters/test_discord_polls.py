"""Polls on Discord: option buttons, the ranked-ballot modal, `/poll vote`, results."""

from __future__ import annotations

from pathlib import Path

from bot.testing.clock import FakeClock
from bot.testing.discord_fake import FLAG_EPHEMERAL, FakeDiscord
from tests.adapters.test_discord_debate import (
    answer_to,
    confirmation,
    custom_ids,
    debate_bot,
    record_language_lookups,
    slash,
    text_of,
)


async def test_a_ranked_poll_by_buttons_modal_and_command(tmp_path: Path) -> None:
    fake = FakeDiscord()
    async with fake, debate_bot(fake, tmp_path / "d.db", FakeClock()) as (bot, core):
        core.charts = None
        general = fake.channel("general")
        created = await slash(fake, "teacher", general, "poll create",
                              {"question": "Best drink?", "options": "tea|coffee|water", "mode": "ranked"})
        assert "#1" in text_of(created)
        poll = next(m for m in fake.channel_messages(general) if "poll:1:withdraw" in custom_ids(m))
        assert custom_ids(poll) == ["poll:1:vote:1", "poll:1:vote:2", "poll:1:vote:3", "poll:1:rank",
                                    "poll:1:withdraw"]
        assert poll["embeds"][0]["description"] == "Best drink?"

        click = await fake.click_button("alice", general, poll["id"], "poll:1:vote:2")
        answer = await confirmation(fake, click)
        assert answer.json["flags"] == FLAG_EPHEMERAL and "coffee" in text_of(answer)

        looked_up = record_language_lookups(core)
        rank = await fake.click_button("bob", general, poll["id"], "poll:1:rank")
        assert (await fake.wait_for_callback(rank)).json["type"] == 9
        assert str(general.id) not in looked_up  # the modal is the answer: no database await before it
        [modal_id] = [m for m in fake.modals if m.startswith("poll:1:rank:")]
        submit = await fake.submit_modal("bob", general, modal_id, {"text": "3 1"})
        ranked = await answer_to(fake, submit)
        assert "water" in text_of(ranked) and "tea" in text_of(ranked)

        typed = await slash(fake, "carol", general, "poll vote", {"id": 1, "choices": "tea, water"})
        assert "tea" in text_of(typed)
        assert set(core.polls.polls[1].ballots.values()) == {(1,), (2, 0), (0, 2)}

        closed = await slash(fake, "teacher", general, "poll close", {"id": 1})
        assert closed.method in ("PATCH", "POST")
        results = await slash(fake, "alice", general, "poll results", {"id": 1})
        assert not fake.message(results.response["id"])["flags"] & FLAG_EPHEMERAL
        assert "Best drink?" in text_of(results)
