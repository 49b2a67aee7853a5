"""Smoke test: the real discord.py client against the fake Discord.

A throw-away bot (not the product's) with a ``/ping pong`` slash command, a persistent
button that opens a modal, a modal that posts in the channel and starts a thread.
"""

from __future__ import annotations

import asyncio
import io
import itertools

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.testing.discord_fake import FakeDiscord, RestCall

BUTTON_ID = "smoke:btn"
MODAL_ID = "smoke:modal"
TEXT_ID = "smoke:text"


class ArgumentModal(discord.ui.Modal, title="Your argument"):
    text = discord.ui.TextInput(
        label="Argument", style=discord.TextStyle.paragraph, custom_id=TEXT_ID
    )

    def __init__(self) -> None:
        super().__init__(custom_id=MODAL_ID)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Argument received.", ephemeral=True)
        posted = await interaction.channel.send(
            f"{interaction.user.mention} argues: {self.text.value}",
            allowed_mentions=discord.AllowedMentions.none(),
        )
        await posted.create_thread(name="Rebuttals")


class ArgueView(discord.ui.View):
    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Argue", style=discord.ButtonStyle.primary, custom_id=BUTTON_ID)
    async def argue(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        await interaction.response.send_modal(ArgumentModal())


class SmokeBot(commands.Bot):
    def __init__(self) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            guild_ready_timeout=0.1,
        )
        self.threads_seen: asyncio.Queue[discord.Thread] = asyncio.Queue()
        ping = app_commands.Group(name="ping", description="Smoke commands")

        @ping.command(name="pong", description="Reply with a button")
        async def pong(interaction: discord.Interaction, note: str, times: int = 1) -> None:
            await interaction.response.send_message(f"pong {note} x{times}", view=ArgueView())

        self.tree.add_command(ping)

    async def setup_hook(self) -> None:
        self.add_view(ArgueView())

    async def on_thread_create(self, thread: discord.Thread) -> None:
        await self.threads_seen.put(thread)


def callback_type(call: RestCall) -> int:
    return call.json["type"]


async def test_slash_button_modal_thread_and_restart() -> None:
    async with FakeDiscord() as fake:
        debates = fake.channel("debates")
        bot = SmokeBot()
        async with fake.running(bot):
            assert fake.ready.is_set()
            guild = bot.get_guild(fake.guild.id)
            assert guild is not None and guild.get_channel(debates.id).name == "debates"
            assert bot.application_id == fake.application_id

            synced = await bot.tree.sync()
            assert [c.name for c in synced] == ["ping"]
            assert fake.app_commands()[0]["options"][0]["name"] == "pong"

            slash = await fake.slash_command(
                "alice", debates, "ping pong", {"note": "hi", "times": 3}
            )
            assert slash.payload["data"]["id"] == str(synced[0].id)
            call = await fake.wait_for_callback(slash)
            assert callback_type(call) == 4
            assert call.json["data"]["content"] == "pong hi x3"
            assert call.json["data"]["components"][0]["components"][0]["custom_id"] == BUTTON_ID
            assert call.query == {"with_response": "1"}
            button_message = fake.original_message(slash)
            assert button_message is not None and button_message["channel_id"] == str(debates.id)

            click = await fake.click_button("bob", debates, button_message["id"], BUTTON_ID)
            call = await fake.wait_for_callback(click)
            assert callback_type(call) == 9
            assert call.json["data"]["custom_id"] == MODAL_ID
            assert MODAL_ID in fake.modals

            mark = fake.mark()
            submit = await fake.submit_modal(
                "bob", debates, MODAL_ID, {TEXT_ID: "School uniforms @everyone"}
            )
            call = await fake.wait_for_callback(submit)
            assert callback_type(call) == 4 and call.json["data"]["flags"] == 64
            post = await fake.wait_for_call(
                method="POST", path=f"/channels/{debates.id}/messages", since=mark
            )
            bob = fake.user("bob")
            assert post.json["content"] == f"<@{bob.id}> argues: School uniforms @everyone"
            assert post.json["allowed_mentions"]["parse"] == []

            thread_call = await fake.wait_for_call(
                method="POST", path="/channels/{c}/messages/{m}/threads"
            )
            assert thread_call.json["name"] == "Rebuttals"
            thread = await asyncio.wait_for(bot.threads_seen.get(), 5)
            assert thread.id == int(post.response["id"]) and thread.parent_id == debates.id
            assert bot.get_channel(thread.id) is thread
            assert [t.name for t in fake.threads()] == ["Rebuttals"]

        # A new bot instance: the old message's persistent button still works.
        assert bot.is_closed()
        restarted = SmokeBot()
        async with fake.running(restarted):
            click = await fake.click_button("carol", debates, button_message["id"], BUTTON_ID)
            call = await fake.wait_for_callback(click)
            assert callback_type(call) == 9

        callbacks = [
            callback_type(c) for c in fake.calls_to("POST", "/interactions/{id}/{token}/callback")
        ]
        assert callbacks == [4, 9, 4, 9]
        assert fake.count_429 == 0


async def test_deferred_response_followup_and_edits() -> None:
    """Guild-synced command with a user option: defer, edit @original, followup, edits."""

    class EditBot(commands.Bot):
        def __init__(self) -> None:
            super().__init__(
                command_prefix=commands.when_mentioned,
                intents=discord.Intents.default(),
                guild_ready_timeout=0.1,
            )
            self.seen: list[tuple[bool, str]] = []

            @self.tree.command(name="count", description="Count up in one message")
            async def count(interaction: discord.Interaction, member: discord.Member) -> None:
                self.seen.append((interaction.permissions.manage_messages, member.display_name))
                await interaction.response.defer(thinking=True)
                await interaction.edit_original_response(content=f"counting for {member.name}")
                followup = await interaction.followup.send("followup", wait=True)
                msg = await interaction.channel.send("0")
                for n in range(1, 3):
                    msg = await msg.edit(content=str(n))
                await followup.edit(content=f"done {msg.content}")

    async with FakeDiscord() as fake:
        bot = EditBot()
        async with fake.running(bot):
            guild = discord.Object(fake.guild.id)
            bot.tree.copy_global_to(guild=guild)
            await bot.tree.sync(guild=guild)
            inter = await fake.slash_command("teacher", "general", "count", {"member": "alice"})
            assert inter.payload["data"]["guild_id"] == str(fake.guild.id)
            assert inter.payload["data"]["options"][0]["type"] == 6
            done = await fake.wait_for_call(
                lambda c: c.json.get("content", "").startswith("done"),
                method="PATCH",
                path="/webhooks/{app}/{token}/messages/{id}",
            )
            assert done.json["content"] == "done 2"
            assert bot.seen == [(True, "Alice")]
            assert callback_type(await fake.wait_for_callback(inter)) == 5
            original = fake.original_message(inter)
            assert original["content"] == "counting for alice" and original["flags"] == 0
            posted = [m["content"] for m in fake.channel_messages("general")]
            assert posted == ["counting for alice", "done 2", "2"]
            assert len(fake.calls_to("PATCH", "/channels/{c}/messages/{m}")) == 2
            assert fake.count_429 == 0


async def test_rate_limited_edit_answers_429_and_discord_py_retries() -> None:
    # The fake's clock advances 30 ms per edit: the second edit lands 10 ms inside the
    # 40 ms window, gets a 429 with retry_after 0.01, and discord.py's own retry succeeds.
    ticks = itertools.count(0.0, 0.03)
    async with FakeDiscord(
        rate_limit_edits_per_message=(1, 0.04), clock=lambda: next(ticks)
    ) as fake:
        bot = commands.Bot(
            command_prefix=commands.when_mentioned,
            intents=discord.Intents.default(),
            guild_ready_timeout=0.1,
        )
        async with fake.running(bot):
            channel = bot.get_channel(fake.channel("debates").id)
            msg = await channel.send("v0")
            await msg.edit(content="v1")
            await msg.edit(content="v2")
            assert fake.count_429 == 1
            statuses = [
                c.status
                for c in fake.calls_to("PATCH", f"/channels/{channel.id}/messages/{msg.id}")
            ]
            assert statuses == [200, 429, 200]
            limited = fake.calls[-2]
            assert limited.response == {
                "message": "You are being rate limited.",
                "retry_after": 0.01,
                "global": False,
            }
            assert fake.message(msg.id)["content"] == "v2"


@pytest.mark.parametrize("content_intent", [False, True])
async def test_user_message_content_follows_intent(content_intent: bool) -> None:
    intents = discord.Intents.default()
    intents.message_content = content_intent
    async with FakeDiscord() as fake:
        bot = commands.Bot(
            command_prefix=commands.when_mentioned, intents=intents, guild_ready_timeout=0.1
        )
        seen: asyncio.Queue[discord.Message] = asyncio.Queue()
        bot.add_listener(seen.put, "on_message")
        async with fake.running(bot):
            sent = await fake.send_user_message("alice", "debates", "I disagree")
            message = await asyncio.wait_for(seen.get(), 5)
            assert message.id == int(sent["id"]) and message.author.name == "alice"
            assert message.content == ("I disagree" if content_intent else "")


async def test_nested_group_attachment_and_dm() -> None:
    """`/debate admin reset` with typed options, a file in the response, then a DM."""

    class NestedBot(commands.Bot):
        def __init__(self) -> None:
            super().__init__(
                command_prefix=commands.when_mentioned,
                intents=discord.Intents.default(),
                guild_ready_timeout=0.1,
            )
            debate = app_commands.Group(name="debate", description="Debates")
            admin = app_commands.Group(name="admin", description="Admin", parent=debate)

            @admin.command(name="reset", description="Reset a motion")
            async def reset(interaction: discord.Interaction, motion: str, public: bool) -> None:
                chart = discord.File(io.BytesIO(b"\x89PNG fake"), filename="chart.png")
                await interaction.response.send_message(f"reset {motion} {public}", file=chart)
                await interaction.user.send("you reset a motion")

            self.tree.add_command(debate)

    async with FakeDiscord() as fake:
        bot = NestedBot()
        async with fake.running(bot):
            await bot.tree.sync()
            inter = await fake.slash_command(
                "teacher", "debates", "debate admin reset", {"motion": "uniforms", "public": True}
            )
            group = inter.payload["data"]["options"][0]
            assert (group["name"], group["type"]) == ("admin", 2)
            sub = group["options"][0]
            assert (sub["name"], sub["type"]) == ("reset", 1)
            assert [(o["name"], o["type"]) for o in sub["options"]] == [
                ("motion", 3),
                ("public", 5),
            ]

            call = await fake.wait_for_callback(inter)
            assert call.json["type"] == 4 and call.json["data"]["content"] == "reset uniforms True"
            assert call.files == ["chart.png"]
            assert call.file_data["chart.png"] == b"\x89PNG fake"
            assert fake.original_message(inter)["attachments"][0]["filename"] == "chart.png"

            dm = await fake.wait_for_call(
                lambda c: c.json["content"] == "you reset a motion",
                method="POST",
                path="/channels/{id}/messages",
            )
            teacher = fake.user("teacher")
            assert fake.channel(int(dm.path.split("/")[2])).recipient_id == teacher.id
