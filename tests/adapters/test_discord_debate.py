"""A whole debate on Discord: the real discord.py client and DebateBot against the fake Discord.

Slash commands, button clicks and a modal submit go in over the fake gateway; the assertions
are on the REST calls the bot makes (thread, embeds, bounded edits, ephemeral answers) and on
what the fake stored. The core runs on a FakeClock, so the tally coalescer only moves when the
test moves time.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.adapters.discord import options
from bot.adapters.discord.bot import DebateBot
from bot.app import build_core
from bot.core.debates.model import ChannelRef, Stage
from bot.core.service import Core
from bot.prompt_folder import PROMPTS_DIR
from bot.settings import load_settings
from bot.testing.clock import FakeClock
from bot.testing.discord_fake import (
    FLAG_EPHEMERAL,
    FakeDiscord,
    FakeUser,
    RestCall,
    SentInteraction,
    default_guild,
)
from tests.fakes.settle import land_tallies

PUPILS = [f"pupil{n}" for n in range(1, 31)]


@contextlib.asynccontextmanager
async def debate_bot(fake: FakeDiscord, database: Path, clock: FakeClock) -> AsyncIterator[tuple[DebateBot, Core]]:
    """A core on `database` and a DebateBot for it, connected to the fake (commands synced)."""
    core = await build_core(database, {}, clock=clock)
    bot = DebateBot(core, guild_id=fake.guild.id, guild_ready_timeout=0.1)
    core.ports[bot.port.platform] = bot.port
    await core.start()
    try:
        async with fake.running(bot):
            yield bot, core
    finally:
        await core.stop()


def record_language_lookups(core: Core) -> list[str]:
    """Forget the channel languages the core holds in memory (as a restart does) and record the
    channel ids whose language is then read from the store."""
    looked_up: list[str] = []
    read = core.store.get_language

    async def recording(ref: ChannelRef) -> str | None:
        looked_up.append(ref.channel)
        return await read(ref)

    core.store.get_language = recording
    core._languages.clear()
    return looked_up


def with_pupils() -> FakeDiscord:
    fake = FakeDiscord()
    for name in PUPILS:
        fake.add_member(FakeUser(name))
    return fake


def embeds(message: dict[str, Any]) -> list[dict[str, Any]]:
    return message.get("embeds") or []


def custom_ids(message: dict[str, Any]) -> list[str]:
    return [c["custom_id"] for row in message.get("components") or [] for c in row.get("components", [])]


def fields(message: dict[str, Any]) -> dict[str, str]:
    return {f["name"]: f["value"] for f in embeds(message)[0].get("fields", [])}


async def answer_to(fake: FakeDiscord, inter: SentInteraction) -> RestCall:
    """The answer to a deferred command: the edit of @original or a followup with a message."""
    prefix = inter.webhook_path

    def matches(c: RestCall) -> bool:
        return c.method in ("PATCH", "POST") and (c.path == prefix or c.path.startswith(prefix + "/"))

    return await fake.wait_for_call(matches)


async def confirmation(fake: FakeDiscord, inter: SentInteraction) -> RestCall:
    """The ephemeral followup a button click gets after its silent deferral."""
    return await fake.wait_for_call(method="POST", path=inter.webhook_path)


def text_of(call: RestCall) -> str:
    embed = call.json["embeds"][0]
    return "\n".join([embed.get("title", ""), embed.get("description", "")])


async def slash(fake: FakeDiscord, user: str, channel: Any, name: str, options: dict | None = None) -> RestCall:
    inter = await fake.slash_command(user, channel, name, options or {})
    return await answer_to(fake, inter)


async def test_a_quick_debate_from_start_to_result(tmp_path: Path) -> None:
    clock = FakeClock()
    fake = with_pupils()
    async with fake, debate_bot(fake, tmp_path / "d.db", clock) as (bot, core):
        debates = fake.channel("debates")
        assert fake.app_commands(fake.guild.id), "commands are synced to DISCORD_GUILD_ID"
        assert bot.intents.message_content  # the handback below shows the fake sent the text

        # --- a moderator starts the debate: opening embed in the channel, a thread from it ---
        start = await slash(fake, "teacher", debates, "debate start", {"motion": "public-ban", "format": "quick"})
        assert start.method == "PATCH" and "Debate #1 started" in text_of(start)
        assert fake.message(start.response["id"])["flags"] & FLAG_EPHEMERAL
        [thread] = fake.threads()
        assert thread.parent_id == debates.id and thread.name.startswith("Debate #1")
        opening = fake.message(thread.id)  # a thread started from a message has the message's id
        assert opening["channel_id"] == str(debates.id)
        assert custom_ids(opening) == ["debate:1:join:pro", "debate:1:join:con", "debate:1:join:audience"]
        opening_fields = fields(opening)
        assert {"Motion", "Format", "Phase", "Time left", "Pro", "Con"} <= set(opening_fields)
        assert opening_fields["Format"] == "Quick debate" and opening_fields["Time left"] == "2:00"
        posted = [m for m in fake.channel_messages(thread) if m["embeds"]]
        tally = next(m for m in posted if m["embeds"][0].get("title", "").startswith("Pre-vote"))
        assert custom_ids(tally) == ["debate:1:vote:pro", "debate:1:vote:con", "debate:1:vote:undecided"]

        # --- debaters join with the buttons on the opening message ---
        for user, side in (("alice", "pro"), ("bob", "con")):
            click = await fake.click_button(user, debates, opening["id"], f"debate:1:join:{side}")
            assert (await fake.wait_for_callback(click)).json["type"] == 6  # silent deferral first
            joined = await confirmation(fake, click)
            assert joined.json["flags"] == FLAG_EPHEMERAL and f"as {side.title()}" in text_of(joined)
        assert fields(fake.message(opening["id"]))["Pro"] == "Alice"

        # --- a non-moderator cannot move the debate on ---
        refused = await slash(fake, "alice", thread, "debate next")
        assert "Only a moderator" in text_of(refused)
        assert fake.message(refused.response["id"])["flags"] & FLAG_EPHEMERAL
        assert core.debates.debates[1].phase_index == 0

        # --- 30 votes within the edit interval: at most 2 edits of the tally message ---
        mark = fake.mark()
        clicks = []
        votes = ["pro", "con", "undecided"]
        for n, user in enumerate(PUPILS):  # thirty voters, one click each
            choice = votes[n % 3]
            clicks.append((user, choice, await fake.click_button(user, thread, tally["id"], f"debate:1:vote:{choice}")))
        for _user, choice, click in clicks:
            call = await confirmation(fake, click)
            assert call.json["flags"] == FLAG_EPHEMERAL and f"Your vote: {choice.title()}" in text_of(call)
            callback = fake.calls.index(await fake.wait_for_callback(click))
            assert callback < fake.calls.index(call)  # acknowledged first, confirmed after storing
        # An edit may still be on its way; a worker with more to draw sleeps from when it lands.
        await clock.settle(*core.debates.tallies.workers())
        tally_edits = fake.calls_to("PATCH", f"/channels/{thread.id}/messages/{tally['id']}", since=mark)
        assert 1 <= len(tally_edits) <= 2
        final_choice = {str(fake.user(user).id): choice for user, choice, _ in clicks}
        assert core.debates.debates[1].votes[Stage.PRE] == final_choice

        expected = {c: sum(1 for v in final_choice.values() if v == c) for c in votes}

        def shown() -> list[str]:
            return [fields(fake.message(tally["id"]))[name].split(" ")[0] for name in ("Pro", "Con", "Undecided")]

        # Whether the edits drawn so far caught every vote depends on how the commits fell; if
        # not, the coalesced edit that waits for its interval goes out now, and ends on the tally.
        clock.advance(2.0)
        await core.debates.tallies.idle()
        assert shown() == [str(expected[c]) for c in votes]
        assert len(fake.calls_to("PATCH", f"/channels/{thread.id}/messages/{tally['id']}", since=mark)) <= 3

        # --- a repeated delivery of a click is not processed twice ---
        again_mark = fake.mark()
        user, choice, first = clicks[-1]
        await fake.dispatch("INTERACTION_CREATE", first.payload)
        refusal = await fake.wait_for_call(method="POST", path=first.callback_path, since=again_mark)
        assert refusal.status == 400 and refusal.response["code"] == 40060
        assert fake.calls_to("POST", first.webhook_path, since=again_mark) == []

        # --- the moderator moves on: the final tally is exact and loses its buttons ---
        moved = await slash(fake, "teacher", thread, "debate next")
        assert "next phase" in text_of(moved)
        # the final tally keeps the 2 s interval after the last live edit, then lands exact
        await land_tallies(core.debates.tallies, clock)
        closed = fake.message(tally["id"])
        assert closed["components"] == []
        assert [fields(closed)[name].split(" ")[0] for name in ("Pro", "Con", "Undecided")] == [
            str(expected[c]) for c in votes]
        assert "Closed · 30 votes" in closed["embeds"][0]["footer"]["text"]

        # --- an off-turn message in the thread is removed and handed back by DM ---
        mark = fake.mark()
        stray = await fake.send_user_message("carol", thread, "I think masks are fine")
        await fake.wait_for_call(method="DELETE", path=f"/channels/{thread.id}/messages/{stray['id']}", since=mark)
        dm = await fake.wait_for_call(lambda c: c.path.split("/")[2] != str(thread.id),
                                      method="POST", path="/channels/{id}/messages", since=mark)
        assert fake.channel(int(dm.path.split("/")[2])).recipient_id == fake.user("carol").id
        assert "I think masks are fine" in dm.json["embeds"][0]["description"]
        assert dm.json["allowed_mentions"]["parse"] == []
        assert int(stray["id"]) in fake.deleted_message_ids

        # --- /speak from someone who does not hold the floor: refused, no modal ---
        refused = await slash(fake, "bob", thread, "speak")
        assert "not your turn" in text_of(refused) and fake.modals == {}

        # --- /speak opens a modal sized to the phase; the speech goes up as an embed ---
        looked_up = record_language_lookups(core)  # as after a restart: no language in memory
        speak = await fake.slash_command("alice", thread, "speak")
        assert (await fake.wait_for_callback(speak)).json["type"] == 9
        assert str(thread.id) not in looked_up  # the modal is the answer: no database await before it
        [modal_id] = [m for m in fake.modals if m.startswith("speak:")]
        again_mark = fake.mark()  # a repeated delivery opens no second modal and reports no error
        await fake.dispatch("INTERACTION_CREATE", speak.payload)
        refusal = await fake.wait_for_call(method="POST", path=speak.callback_path, since=again_mark)
        assert refusal.status == 400 and refusal.response["code"] == 40060
        text_input = fake.modals[modal_id]["components"][0]["components"][0]
        assert text_input["max_length"] == 1260 and text_input["style"] == 2
        mark = fake.mark()
        speech_text = "Masks that fool cameras need rules. @everyone <@" + str(fake.user("bob").id) + ">"
        submit = await fake.submit_modal("alice", thread, modal_id, {"text": speech_text})
        post = await fake.wait_for_call(method="POST", path=f"/channels/{thread.id}/messages", since=mark)
        speech = post.json["embeds"][0]
        assert speech["description"] == speech_text and speech["title"] == "Alice · Pro"
        assert speech["color"] == 0x0072B2
        assert post.json["allowed_mentions"]["parse"] == []
        answer = await answer_to(fake, submit)
        assert "on the floor" in text_of(answer)
        assert len(fake.calls_to("POST", speak.callback_path, since=again_mark)) == 1
        assert fake.calls_to("POST", speak.webhook_path, since=again_mark) == []

        # --- con speaks with text given directly; then the post-vote ---
        await slash(fake, "teacher", thread, "debate next")
        mark = fake.mark()
        await slash(fake, "bob", thread, "speak", {"text": "Bans never work."})
        post = await fake.wait_for_call(method="POST", path=f"/channels/{thread.id}/messages", since=mark)
        assert post.json["embeds"][0]["title"] == "Bob · Con" and post.json["embeds"][0]["color"] == 0xD55E00
        await slash(fake, "teacher", thread, "debate next")
        post_tally = next(m for m in fake.channel_messages(thread)
                          if m["embeds"] and m["embeds"][0].get("title", "").startswith("Post-vote"))
        for user in PUPILS[:6]:
            click = await fake.click_button(user, thread, post_tally["id"], "debate:1:vote:pro")
            await confirmation(fake, click)
        vote = await slash(fake, "pupil7", thread, "vote", {"choice": "con"})
        assert "Your vote: Con" in text_of(vote)
        change = await fake.click_button("pupil7", thread, post_tally["id"], "debate:1:vote:undecided")
        assert "changed from Con to Undecided" in text_of(await confirmation(fake, change))

        # --- leaving the last phase announces the result ---
        mark = fake.mark()
        await slash(fake, "teacher", thread, "debate next")
        result_post = await fake.wait_for_call(
            lambda c: c.json and c.json.get("embeds") and c.json["embeds"][0].get("title", "").startswith("Result"),
            method="POST", path=f"/channels/{thread.id}/messages", since=mark)
        result = result_post.json["embeds"][0]
        assert "Pro wins" in result["description"]
        names = [f["name"] for f in result["fields"]]
        assert {"Pro", "Con", "Undecided", "Swing", "Who moved", "Turnout"} <= set(names)
        assert result_post.files == ["debate-1.png"]  # the chart, shown as the embed's image
        assert result_post.file_data["debate-1.png"].startswith(b"\x89PNG")
        assert result["image"]["url"] == "attachment://debate-1.png"
        assert custom_ids(fake.message(opening["id"])) == []  # no joining an ended debate
        assert fake.count_429 == 0

        export = await slash(fake, "carol", debates, "debate export", {"format": "json"})
        assert export.files == ["debate-1.json"] and b'"motion"' in export.file_data["debate-1.json"]
        results = await slash(fake, "carol", thread, "debate results", {"chart": False})
        assert results.json["embeds"][0]["title"].startswith("Result · debate #1")
        assert not fake.message(results.response["id"])["flags"] & FLAG_EPHEMERAL


async def test_votes_after_a_restart_use_buttons_from_before(tmp_path: Path) -> None:
    clock = FakeClock()
    database = tmp_path / "d.db"
    fake = with_pupils()
    async with fake:
        async with debate_bot(fake, database, clock) as (bot, core):
            debates = fake.channel("debates")
            await slash(fake, "teacher", debates, "debate start", {"format": "quick"})
            [thread] = fake.threads()
            tally = next(m for m in fake.channel_messages(thread)
                         if m["embeds"] and m["embeds"][0].get("title", "").startswith("Pre-vote"))
            click = await fake.click_button("carol", thread, tally["id"], "debate:1:vote:pro")
            await confirmation(fake, click)
        assert bot.is_closed()

        # A new process: a new core on the same database file and a new bot.
        async with debate_bot(fake, database, clock) as (bot2, core2):
            assert bot2 is not bot
            click = await fake.click_button("pupil1", thread, tally["id"], "debate:1:vote:con")
            call = await confirmation(fake, click)
            assert "Your vote: Con" in text_of(call)
            votes = core2.debates.debates[1].votes[Stage.PRE]
            assert votes == {str(fake.user("carol").id): "pro", str(fake.user("pupil1").id): "con"}
            join = await fake.click_button("alice", debates, thread.id, "debate:1:join:pro")
            assert "as Pro" in text_of(await confirmation(fake, join))
            # Commands typed in the parent channel act on the debate of its thread.
            status = await slash(fake, "bob", debates, "debate status")
            assert status.json["embeds"][0]["title"].startswith("Debate #1")
            assert not fake.message(status.response["id"])["flags"] & FLAG_EPHEMERAL


async def test_without_manage_messages_the_moderators_are_told_once(tmp_path: Path) -> None:
    guild = default_guild()
    bot_role = next(r for r in guild.roles if r.name == "debate-bot")
    bot_role.permissions &= ~discord.Permissions(manage_messages=True).value
    fake = FakeDiscord(guild)
    async with fake, debate_bot(fake, tmp_path / "d.db", FakeClock()):
        await slash(fake, "teacher", "debates", "debate start", {"format": "quick"})
        [thread] = fake.threads()
        mark = fake.mark()
        first = await fake.send_user_message("carol", thread, "hello?")
        notice = await fake.wait_for_call(method="POST", path=f"/channels/{thread.id}/messages", since=mark)
        assert "Manage Messages" in notice.json["embeds"][0]["description"]
        second = await fake.send_user_message("carol", thread, "anyone?")
        # The second message goes the same way without a second notice; a slash command
        # answered after it shows the bot has handled it.
        await slash(fake, "teacher", thread, "debate status")
        assert fake.calls_to("DELETE", f"/channels/{thread.id}/messages/{{id}}") == []
        notices = [c for c in fake.calls_to("POST", f"/channels/{thread.id}/messages", since=mark)
                   if "Manage Messages" in (c.json["embeds"][0].get("description") or "")]
        assert len(notices) == 1
        assert fake.message(first["id"]) and fake.message(second["id"])


@pytest.mark.parametrize("lang", ["ja"])
async def test_descriptions_are_localised(tmp_path: Path, lang: str) -> None:
    fake = FakeDiscord()
    async with fake, debate_bot(fake, tmp_path / "d.db", FakeClock()):
        synced = {c["name"]: c for c in fake.app_commands(fake.guild.id)}
        assert set(synced) == {"debate", "speak", "ask", "vote", "poll", "mod", "discuss", "motions",
                               "formats", "help", "claim"}
        assert synced["vote"]["description_localizations"][lang]
        start = next(o for o in synced["debate"]["options"] if o["name"] == "start")
        assert start["description_localizations"][lang]
        assert synced["mod"]["default_member_permissions"] == discord.Permissions(manage_messages=True).value
        assert synced["debate"]["default_member_permissions"] is None  # /debate join is for everyone


async def test_command_descriptions_come_from_the_bot_prompts_folder(tmp_path: Path, monkeypatch) -> None:
    """A BOT_PROMPTS folder whose catalog words /vote differently: discord.py syncs those words,
    English as the description and Japanese through the translator (no catalog read at import)."""
    prompts = tmp_path / "prompts"
    shutil.copytree(PROMPTS_DIR, prompts)
    for lang, changed in (("en", "Cast a ballot (from BOT_PROMPTS)"), ("ja", "投票します（BOT_PROMPTS）")):
        path = prompts / "locales" / f"{lang}.toml"
        toml = path.read_text(encoding="utf-8")
        section = toml.index("[discord.cmd]")
        start = toml.index("\nvote = ", section) + 1
        end = toml.index("\n", start)
        path.write_text(toml[:start] + f'vote = "{changed}"' + toml[end:], encoding="utf-8")
    monkeypatch.setenv("BOT_PROMPTS", str(prompts))
    settings = load_settings()
    fake = FakeDiscord()
    core = await build_core(tmp_path / "d.db", {}, clock=FakeClock(), prompts=settings.bot_prompts)
    bot = DebateBot(core, guild_id=fake.guild.id, guild_ready_timeout=0.1)
    core.ports[bot.port.platform] = bot.port
    await core.start()
    try:
        async with fake, fake.running(bot):
            vote = next(c for c in fake.app_commands(fake.guild.id) if c["name"] == "vote")
            assert vote["description"] == "Cast a ballot (from BOT_PROMPTS)"
            assert vote["description_localizations"]["ja"] == "投票します（BOT_PROMPTS）"
    finally:
        await core.stop()


async def test_a_command_that_breaks_is_answered_first_and_reported_in_the_channels_language(
        tmp_path: Path, monkeypatch) -> None:
    """No stack trace reaches the chat: the interaction is deferred before any store await,
    then the user gets the plain error, in the channel's language (read from the store)."""
    fake = with_pupils()
    async with fake, debate_bot(fake, tmp_path / "e.db", FakeClock()) as (bot, core):
        set_to = await slash(fake, "teacher", "debates", "debate language", {"lang": "ja"})
        assert "日本語" in text_of(set_to), text_of(set_to)
        record_language_lookups(core)  # as after a restart: the language must come from the store
        answered_at_lookup: list[int] = []
        read = core.store.get_language

        async def noting(ref: ChannelRef) -> str | None:
            answered_at_lookup.append(len(fake.calls_to("POST", inter.callback_path)))
            return await read(ref)

        core.store.get_language = noting

        async def broken(*args, **kwargs):
            raise RuntimeError("a bug in the cog")

        monkeypatch.setattr(bot, "acknowledge", broken)
        inter = await fake.slash_command("alice", "debates", "debate status", {})
        answer = await answer_to(fake, inter)
        assert "ボットの側で問題が起きました" in text_of(answer), text_of(answer)
        assert "Traceback" not in text_of(answer) and "RuntimeError" not in text_of(answer)
        assert answer.json["flags"] & FLAG_EPHEMERAL
        assert answered_at_lookup == [1]  # the deferral went out before the store was asked


async def test_debate_timezone_sets_the_zone_and_suggests_zone_names(tmp_path: Path) -> None:
    fake = with_pupils()
    async with fake, debate_bot(fake, tmp_path / "z.db", FakeClock()) as (bot, core):
        synced = {c["name"]: c for c in fake.app_commands(fake.guild.id)}
        timezone = next(o for o in synced["debate"]["options"] if o["name"] == "timezone")
        assert [o["name"] for o in timezone["options"]] == ["zone"] and timezone["options"][0]["autocomplete"]
        set_to = await slash(fake, "teacher", "debates", "debate timezone", {"zone": "Asia/Tokyo"})
        assert "Asia/Tokyo" in text_of(set_to) and "JST" in text_of(set_to), text_of(set_to)
        channel = ChannelRef("discord", str(fake.guild.id), str(fake.channel("debates").id))
        assert await core.store.get_timezone(channel) == "Asia/Tokyo"
        refused = await slash(fake, "alice", "debates", "debate timezone", {"zone": "Asia/Tokyo"})
        assert "Only a moderator" in text_of(refused)
        names = [c.value for c in options.zones("tokyo")]
        assert names == ["Asia/Tokyo"]
        assert options.zones("")[0].value == "default"
