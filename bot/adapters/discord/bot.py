"""DebateBot: the core on Discord, as a discord.py `commands.Bot` with one cog per feature.

`DebateBot` is one gateway connection for every server (Discord's default, fine up to 2,500);
`ShardedDebateBot` runs a range of shards (`commands.AutoShardedBot`), one process per range.
Both are `DebateBotMixin` on their discord.py client, so they behave the same.

Every interaction is acknowledged first (a deferral, or the modal it opens), before any
database work, then handled by the core and answered: what is private goes ephemeral.
A repeated delivery of an interaction is recognised twice over — Discord refuses a second
acknowledgement (40060) and the core ignores an interaction id it has seen.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.adapters import forms
from bot.adapters.discord import convert, render, texts
from bot.adapters.discord.items import TEXT_INPUT_LIMIT, Component, TextModal
from bot.adapters.discord.port import DiscordPort
from bot.core.debates.model import ChannelRef
from bot.core.kernel.buttons import ballot_command, button_command, opens_ballot
from bot.core.kernel.cards import Card, Reply
from bot.core.kernel.commands import Command
from bot.core.kernel.errors import RuleError
from bot.core.service import Core

log = logging.getLogger(__name__)
COGS = ("cogs.debate", "cogs.voting", "cogs.polls", "cogs.moderation", "cogs.library", "cogs.claims")
ALREADY_ACKNOWLEDGED = 40060
UNKNOWN_INTERACTION = 10062


def intents() -> discord.Intents:
    """Only what the bot uses: guilds (channels, threads, roles), guild messages and their
    content (to keep the floor in debate threads; a privileged intent). No members, no presences.
    """
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.message_content = True
    return wanted


if TYPE_CHECKING:  # the mixin is checked as the client it is listed before
    _Client = commands.Bot
else:
    _Client = object


class DebateBotMixin(_Client):
    """What the bot does, whichever discord.py client carries it (listed before the client class).

    `options` go to the client: `shard_ids`/`shard_count` for the sharded one, and tests pass
    a short `guild_ready_timeout`.
    """

    def __init__(self, core: Core, *, guild_id: int | None = None, sync_commands: bool = True,
                 **options: Any) -> None:
        options.setdefault("intents", intents())
        # The bot speaks no voice: discord.py's warnings that voice libraries are missing would be
        # two stray lines on stderr at every start.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            **options,
        )
        self.core = core
        self.port = DiscordPort(self, core.metrics)
        self.guild_id = guild_id
        self.sync_commands = sync_commands
        self.told_no_permission: set[ChannelRef] = set()
        self.tree.error(self.on_app_command_error)

    async def setup_hook(self) -> None:
        await self.tree.set_translator(texts.CatalogTranslator(self.core.catalog))
        await self.load_cogs()
        # Every debate:… and poll:… button on any message, from before a restart too.
        self.add_dynamic_items(Component)
        if self.sync_commands:
            await self.sync_app_commands()

    async def load_cogs(self) -> None:
        """Load every cog, its command texts read from the core's catalog (BOT_PROMPTS)."""
        with texts.reading(self.core.catalog):
            for name in COGS:
                await self.load_extension(name)

    async def sync_app_commands(self) -> list[app_commands.AppCommand]:
        """Globally, or to DISCORD_GUILD_ID at once (global commands take a while to appear)."""
        if self.guild_id is None:
            return await self.tree.sync()
        guild = discord.Object(self.guild_id)
        self.tree.copy_global_to(guild=guild)
        return await self.tree.sync(guild=guild)

    # --- answering ---

    async def acknowledge(self, interaction: discord.Interaction, *, ephemeral: bool = True,
                          thinking: bool = True, modal: discord.ui.Modal | None = None) -> bool:
        """Defer the interaction (or open `modal` as its answer); False when it was acknowledged
        before (a repeated delivery)."""
        try:
            if modal is not None:
                await interaction.response.send_modal(modal)
            else:
                await interaction.response.defer(ephemeral=ephemeral, thinking=thinking)
        except discord.InteractionResponded:
            return False
        except discord.HTTPException as exc:
            if exc.code in (ALREADY_ACKNOWLEDGED, UNKNOWN_INTERACTION):
                log.info("interaction %s not acknowledged (code %s): not processed", interaction.id, exc.code)
                return False
            raise
        return True

    async def answer(self, interaction: discord.Interaction, command: Command, *, public: bool = False,
                     debate_id: int | None = None) -> None:
        """Run a command for an interaction: defer, hand it to the core, send the replies.

        `public` says how the answer is expected (status, results, the library: public);
        a reply of the other kind is still sent as what it is.
        """
        if not await self.acknowledge(interaction, ephemeral=not public):
            return
        self.core.inflight.enter()  # a graceful stop waits until the answer is sent
        try:
            replies = await self.core.handle(convert.request(interaction, command, debate_id))
            await self.deliver(interaction, replies, pending=not public)
        finally:
            self.core.inflight.leave()

    async def refuse(self, interaction: discord.Interaction, exc: RuleError) -> None:
        """Answer with a refusal the core decided without running a command (no state changed)."""
        if not await self.acknowledge(interaction):
            return
        lang = await self.core.language(convert.channel(interaction))
        reply = self.core.error_reply(lang, exc.key, exc.usage, exc.handback, exc.params)
        await self.deliver(interaction, [reply], pending=True)

    async def deliver(self, interaction: discord.Interaction, replies: Sequence[Reply],
                      pending: bool | None) -> None:
        """Send the replies: private ones ephemeral, the others in the channel.

        `pending` is the ephemerality of a deferred "thinking…" response still to be filled
        (None after a button's silent deferral). Discord gives the first followup after a
        deferral the deferral's visibility, so a reply of the other kind first clears it.
        """
        try:
            for reply in replies:
                if pending is not None:
                    if reply.private == pending:
                        await interaction.edit_original_response(**render.edit_kwargs(reply.card))
                        pending = None
                        continue
                    await interaction.delete_original_response()
                    pending = None
                await interaction.followup.send(ephemeral=reply.private, **render.send_kwargs(reply.card))
            if pending is not None:  # nothing to say here (it was said in the channel)
                await interaction.delete_original_response()
        except discord.HTTPException:
            log.exception("could not answer interaction %s", interaction.id)

    async def on_app_command_error(self, interaction: discord.Interaction,
                                   error: app_commands.AppCommandError) -> None:
        log.exception("app command failed", exc_info=error)
        try:
            if not interaction.response.is_done():
                # Answer Discord first (it allows 3 s): the channel's language may need the store.
                await interaction.response.defer(ephemeral=True, thinking=True)
            lang = await self.core.language(convert.channel(interaction))
            card = Card("error", title=self.core.t(lang, "error.title"), body=self.core.t(lang, "error.internal"))
            await interaction.followup.send(ephemeral=True, **render.send_kwargs(card))
        except discord.HTTPException:
            log.exception("could not report a failed command")

    # --- buttons and modals ---

    async def click(self, interaction: discord.Interaction, custom_id: str) -> None:
        """A click on a debate or poll button (or a ballot select), from any time."""
        data = interaction.data
        found = data.get("values") if data is not None else None
        values = found if isinstance(found, list) else None
        if values is None and opens_ballot(custom_id) is not None:
            await self.open_ranking(interaction, custom_id)
            return
        parsed = ballot_command(custom_id, values) if values is not None else button_command(custom_id)
        # Acknowledge before any database await: a vote is confirmed once it is stored.
        if not await self.acknowledge(interaction, thinking=False):
            return
        if parsed is None:
            log.warning("a click on an unknown button %r", custom_id)
            return
        command, target = parsed
        debate_id = target if custom_id.startswith("debate:") else None
        self.core.inflight.enter()
        try:
            replies = await self.core.handle(convert.request(interaction, command, debate_id))
            await self.deliver(interaction, replies, pending=None)
        finally:
            self.core.inflight.leave()

    async def open_speech(self, interaction: discord.Interaction) -> None:
        """`/speak` without text: the speech form (`forms.speech_form`) as a modal, or the reason
        the floor is not yours. The modal is the interaction's first answer: nothing before it
        awaits the database."""
        request = convert.request(interaction, Command("speak"))
        try:
            form = forms.speech_form(self.core, request.actor, request.channel)
        except RuleError as exc:
            await self.refuse(interaction, exc)
            return
        await self.open_form(interaction, form, f"speak:{interaction.id}", paragraph=True)

    async def open_ranking(self, interaction: discord.Interaction, custom_id: str) -> None:
        """A ranked poll's "Rank…" button: the ranking form (`forms.ranking_form`) as a modal."""
        form = forms.ranking_form(self.core, custom_id, convert.language(interaction.locale), TEXT_INPUT_LIMIT)
        await self.open_form(interaction, form, f"{custom_id}:{interaction.id}", paragraph=False)

    async def open_form(self, interaction: discord.Interaction, form: forms.Form, custom_id: str,
                        paragraph: bool) -> None:
        async def submit(inter: discord.Interaction, text: str) -> None:
            command = form.command(text)
            if command is not None:
                await self.answer(inter, command)

        def text(part: str) -> str:
            return form.text(self.core, convert.PLATFORM, part)

        await self.acknowledge(interaction, modal=TextModal(
            custom_id=custom_id, title=text("title"), label=text("label"), submit=submit,
            max_length=form.max_length, placeholder=text("placeholder"), paragraph=paragraph))

    # --- keeping the floor ---

    async def on_message(self, message: discord.Message) -> None:
        """A message typed in a debate (or discussion) thread stands only if the core allows it."""
        if message.author.bot or message.guild is None or not isinstance(message.channel, discord.Thread):
            return
        author = message.author
        if not isinstance(author, discord.Member):
            return
        where = convert.place(message.guild.id, message.channel.id)
        actor = convert.member_actor(author, message.channel.permissions_for(author), message.guild.id)
        reason = await self.core.check_message(actor, where, message.content)
        if reason is not None:
            await self.remove_off_floor(message, where, reason)

    async def remove_off_floor(self, message: discord.Message, where: ChannelRef, reason: str) -> None:
        """Remove the message and hand it back privately; without Manage Messages, say so once."""
        me = message.guild.me if message.guild is not None else None
        if me is None or not message.channel.permissions_for(me).manage_messages:
            await self.tell_no_permission(where)
            return
        try:
            await message.delete()
        except discord.Forbidden:
            await self.tell_no_permission(where)
            return
        except discord.NotFound:
            return
        lang = await self.core.language(where)
        t = self.core.t
        body = reason
        if message.content:
            body += "\n" + t(lang, "error.handback", text=message.content)
        card = Card("error", title=t(lang, "discord.floor.removed_title"), body=body, user_text=True)
        await self.port.send_private(where, str(message.author.id), card)

    async def tell_no_permission(self, where: ChannelRef) -> None:
        if where in self.told_no_permission:
            return
        self.told_no_permission.add(where)
        lang = await self.core.language(where)
        card = Card("notice", body=self.core.t(lang, "discord.floor.no_permission"))
        try:
            await self.port.post(where, card)
        except discord.HTTPException:
            log.exception("could not tell the moderators that Manage Messages is missing")


class DebateBot(DebateBotMixin, commands.Bot):
    """The bot on one gateway connection: every server the bot is in, no sharding."""


class ShardedDebateBot(DebateBotMixin, commands.AutoShardedBot):
    """The bot on the shards `shard_ids` of `shard_count`: only those servers' events reach it.

    Posting and editing go over REST, so this process can still post into any server (a
    deadline it claimed for a debate on another shard, say).
    """
