"""Argument maps on Discord: `/claim` app commands in a debate thread, the 0–4 buttons on a
posted claim, the map with its picture, a refusal, and the export."""

from __future__ import annotations

from pathlib import Path

from bot.testing.clock import FakeClock
from bot.testing.discord_fake import FLAG_EPHEMERAL, FakeDiscord, FakeUser
from tests.adapters.test_discord_debate import confirmation, custom_ids, debate_bot, slash, text_of


async def test_a_map_built_rated_shown_and_exported_on_discord(tmp_path: Path) -> None:
    fake = FakeDiscord()
    fake.add_member(FakeUser("dave"))
    async with fake, debate_bot(fake, tmp_path / "d.db", FakeClock()) as (bot, core):
        debates = fake.channel("debates")
        nowhere = await slash(fake, "alice", debates, "claim pro", {"text": "Too early."})
        assert "There is no debate or discussion here" in text_of(nowhere)
        assert "Usage: /claim pro" in text_of(nowhere) and "Too early." in text_of(nowhere)

        await slash(fake, "teacher", debates, "debate start", {"format": "quick"})
        [thread] = fake.threads()
        added = await slash(fake, "alice", thread, "claim pro", {"text": "Masks let criminals pass as others."})
        assert "Your claim #1 (Pro) is on the map." in text_of(added)
        assert fake.message(added.response["id"])["flags"] & FLAG_EPHEMERAL
        mark = fake.mark()
        await slash(fake, "bob", thread, "claim con", {"text": "Cameras see through @everyone masks.", "parent": 1})
        [post] = fake.calls_to("POST", f"/channels/{thread.id}/messages", since=mark)
        assert post.json["allowed_mentions"]["parse"] == []  # user text never pings
        posted = [m for m in fake.channel_messages(thread) if "claim:1:rate:0" in custom_ids(m)]
        [first] = posted
        assert custom_ids(first) == [f"claim:1:rate:{v}" for v in range(5)]

        click = await fake.click_button("carol", thread, first["id"], "claim:1:rate:3")
        assert (await fake.wait_for_callback(click)).json["type"] == 6  # acknowledged before the store
        rated = await confirmation(fake, click)
        assert rated.json["flags"] == FLAG_EPHEMERAL and "Your impact rating of claim #1: 3." in text_of(rated)
        again = await fake.click_button("carol", thread, first["id"], "claim:1:rate:1")
        assert "changed from 3 to 1" in text_of(await confirmation(fake, again))
        typed = await slash(fake, "dave", thread, "claim rate", {"id": 1, "impact": 4})
        assert "impact 2.5 (2 ratings)" in text_of(typed)

        refused = await slash(fake, "dave", thread, "claim move", {"id": 1, "parent": 2})
        assert "Only a moderator" in text_of(refused)
        cycle = await slash(fake, "teacher", thread, "claim move", {"id": 1, "parent": 2})
        assert "cannot move under #2" in text_of(cycle)

        hidden = await slash(fake, "bob", thread, "claim map", {})
        assert fake.message(hidden.response["id"])["flags"] & FLAG_EPHEMERAL  # hidden ratings: only for bob
        assert "rate it to see its impact" in text_of(hidden)
        assert hidden.files == ["debate-1-map.png"]
        await slash(fake, "teacher", thread, "claim reveal", {})
        shown = await slash(fake, "bob", thread, "claim map", {"picture": False})
        assert not fake.message(shown.response["id"])["flags"] & FLAG_EPHEMERAL
        assert "#1 Pro · Alice · impact 2.5 (2 ratings)" in text_of(shown) and not shown.files

        exported = await slash(fake, "bob", thread, "debate export", {"format": "json"})
        assert exported.files == ["debate-1.json"]
        stored = await core.store.claims.in_space("debate:1", "discord", str(fake.guild.id))
        assert [c.text for c in stored] == ["Masks let criminals pass as others.", "Cameras see through @everyone masks."]
