"""Unit tests of the Discord adapter's edges: conversion, rendering, the port, answers, texts.

discord.py objects are `create_autospec(..., spec_set=True)` mocks of the real classes, so a
misspelt attribute fails the test instead of passing silently.
"""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import discord
import pytest
from discord import app_commands

from bot.adapters.discord import convert, options, render
from bot.adapters.discord.bot import DebateBot, intents
from bot.adapters.discord.items import Component
from bot.adapters.discord.port import DiscordPort
from bot.adapters.discord.texts import DESCRIPTION_LIMIT, CatalogTranslator
from bot.app import build_core
from bot.core.debates.model import ChannelRef
from bot.core.kernel.cards import Attachment, Button, Card, Field, Reply
from bot.core.kernel.commands import Command
from bot.core.kernel.i18n import Catalog
from bot.prompt_folder import PROMPTS_DIR, PromptFolder
from bot.testing.clock import FakeClock


def spec(cls: type) -> mock.MagicMock:
    return mock.create_autospec(cls, spec_set=True, instance=True)


def role(role_id: int, name: str, default: bool = False) -> mock.MagicMock:
    r = spec(discord.Role)
    r.id, r.name = role_id, name
    r.is_default.return_value = default
    return r


def member(user_id: int = 42, name: str = "Alice", roles: tuple = ()) -> mock.MagicMock:
    m = spec(discord.Member)
    m.id, m.display_name, m.roles = user_id, name, list(roles)
    return m


def interaction(permissions: discord.Permissions | None = None, user: mock.MagicMock | None = None,
                interaction_id: int = 900, guild_id: int | None = 7, channel_id: int = 11) -> mock.MagicMock:
    i = spec(discord.Interaction)
    i.id, i.guild_id, i.channel_id = interaction_id, guild_id, channel_id
    i.user = user or member()
    i.permissions = permissions or discord.Permissions.none()
    i.locale = discord.Locale.american_english
    i.response = spec(discord.InteractionResponse)
    i.followup = spec(discord.Webhook)
    return i


# --- conversion -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("permissions", "moderator"),
    [
        (discord.Permissions.none(), False),
        (discord.Permissions(send_messages=True, manage_threads=True), False),
        (discord.Permissions(manage_messages=True), True),
        (discord.Permissions(manage_guild=True), True),
        (discord.Permissions(administrator=True), True),
    ],
)
def test_the_actor_is_a_moderator_with_manage_messages_or_manage_server(permissions, moderator) -> None:
    everyone, teachers = role(7, "@everyone", default=True), role(55, "Teachers")
    inter = interaction(permissions, member(42, "Ms Tanaka", (everyone, teachers)))
    actor = convert.actor(inter)
    assert actor.is_admin is moderator
    assert (actor.platform, actor.workspace, actor.user_id, actor.name) == ("discord", "7", "42", "Ms Tanaka")
    assert actor.roles == ("55", "Teachers")  # by id and by name; @everyone left out


def test_a_request_is_keyed_by_the_interaction_id_and_names_the_thread() -> None:
    inter = interaction(interaction_id=123456, channel_id=99)
    req = convert.request(inter, Command("vote", None, {"choice": "pro"}), debate_id=3)
    assert req.dedupe_key == "123456" and req.debate_id == 3
    assert req.channel == ChannelRef("discord", "7", "99")
    assert convert.channel(interaction(guild_id=None)).workspace == "@me"


def test_options_become_a_command_with_the_parser_names_and_types() -> None:
    side = app_commands.Choice(name="Pro", value="pro")
    assert convert.command("debate", "join", side=side) == Command("debate", "join", {"side": "pro"})
    start = convert.command("debate", "start", motion="public-ban", format=None, anonymous=True)
    assert start == Command("debate", "start", {"motion": "public-ban", "anonymous": "yes"})
    warn = convert.command("mod", "warn", user=member(77), reason="off topic")
    assert warn.options == {"user": "77", "reason": "off topic"}
    assert convert.command("mod", "role", role=role(5, "Debate leads"), remove=False).options == {
        "role": "Debate leads", "remove": "no"}
    channel = spec(discord.TextChannel)
    channel.id = 31
    assert convert.command("mod", "logchannel", channel=channel).options == {"channel": "31"}
    assert convert.command("debate", "extend", seconds=30).options == {"seconds": 30}
    with pytest.raises(KeyError):
        convert.command("debate", "join", colour="red")


def test_a_typed_ballot_becomes_choices_in_order() -> None:
    assert convert.ballot(4, "2 1 3") == Command("poll", "vote", {"id": 4}, ("2", "1", "3"))
    assert convert.ballot(4, "green tea, water").args == ("green tea", "water")


def test_discord_locales_map_to_catalog_languages() -> None:
    assert convert.language(discord.Locale.japanese) == "ja"
    assert convert.language(discord.Locale.french) == "en"
    assert convert.language(None) == "en"


# --- rendering --------------------------------------------------------------------------------


def test_an_embed_keeps_within_discord_limits() -> None:
    card = Card(
        "list",
        title="T" * 300,
        body="B" * 5000,
        fields=tuple(Field(f"name {n}" + "N" * 300, "V" * 2000) for n in range(30)),
        footer="F" * 3000,
    )
    e = render.embed(card)
    assert len(e.title) == 256 and e.title.endswith("…")
    assert len(e.fields) <= 25
    assert all(len(f.name) <= 256 and len(f.value) <= 1024 for f in e.fields)
    assert len(e.footer.text) <= 2048 and len(e.description) <= 4096
    assert len(e) <= 6000  # discord.py counts the whole embed like Discord does


def test_speeches_are_coloured_by_side_and_empty_values_are_filled() -> None:
    assert render.embed(Card("speech", title="Alice · Pro", body="x", side="pro")).colour.value == render.BLUE
    assert render.embed(Card("speech", title="Bob · Con", body="x", side="con")).colour.value == render.VERMILLION
    e = render.embed(Card("status", fields=(Field("Pro", ""),)))
    assert e.fields[0].value == render.EMPTY
    assert render.embed(Card("notice")).description == render.EMPTY


async def test_buttons_are_drawn_five_a_row_and_never_listened_on() -> None:
    card = Card("poll", buttons=tuple(Button(f"poll:1:vote:{n}", f"{n}. " + "x" * 90, "primary")
                                      for n in range(1, 13)) + (Button("poll:1:withdraw", "Withdraw"),))
    view = render.view(card)
    assert view is not None and view.timeout is None
    assert not view.is_dispatchable()  # the dynamic items answer clicks, from any message
    rows = view.to_components()
    assert [len(r["components"]) for r in rows] == [5, 5, 3]
    first = rows[0]["components"][0]
    assert first["custom_id"] == "poll:1:vote:1" and len(first["label"]) == 80
    assert first["style"] == discord.ButtonStyle.primary.value
    assert rows[2]["components"][-1]["style"] == discord.ButtonStyle.secondary.value
    assert render.view(Card("notice")) is None


async def test_every_message_refuses_mentions_and_images_show_in_the_embed() -> None:
    chart = Attachment("debate-1.png", b"\x89PNG", "image/png")
    sent = render.send_kwargs(Card("result", title="Result", attachment=chart))
    assert sent["allowed_mentions"].to_dict()["parse"] == []
    assert sent["file"].filename == "debate-1.png"
    assert sent["embed"].image.url == "attachment://debate-1.png"
    edited = render.edit_kwargs(Card("tally", title="Closed"))
    assert edited["view"] is None  # a closed tally loses its buttons
    assert "attachments" not in edited  # and keeps its files
    assert edited["allowed_mentions"].to_dict()["parse"] == []
    export = render.send_kwargs(Card("notice", attachment=Attachment("debate-1.md", b"#", "text/markdown")))
    assert export["embed"].image.url is None


def test_one_dynamic_item_answers_every_debate_and_poll_button() -> None:
    template = Component.__discord_ui_compiled_template__
    for custom_id in ("debate:1:vote:pro", "debate:12:join:audience", "poll:3:vote:2", "poll:3:withdraw",
                      "poll:3:rank", "poll:3:ballot"):
        assert template.fullmatch(custom_id), custom_id
    for custom_id in ("speak:900", "debate:x:vote:pro", "other:1:vote:pro"):
        assert not template.fullmatch(custom_id), custom_id


# --- the port ---------------------------------------------------------------------------------


async def test_the_port_posts_edits_and_writes_privately_without_fetching() -> None:
    client = spec(discord.Client)
    channel = spec(discord.PartialMessageable)
    client.get_partial_messageable.return_value = channel
    sent = spec(discord.Message)
    sent.id = 501
    channel.send.return_value = sent
    port = DiscordPort(client)
    where = ChannelRef("discord", "7", "11")

    assert await port.post(where, Card("notice", body="hi")) == "501"
    client.get_partial_messageable.assert_called_with(11, guild_id=7)
    assert channel.send.call_args.kwargs["allowed_mentions"].to_dict()["parse"] == []

    partial = spec(discord.PartialMessage)
    channel.get_partial_message.return_value = partial
    await port.edit(where, "501", Card("tally", title="Pre-vote"))
    channel.get_partial_message.assert_called_with(501)
    assert partial.edit.call_args.kwargs["embed"].title == "Pre-vote"

    client.create_dm.side_effect = discord.Forbidden(mock.Mock(status=403, reason="Forbidden"),
                                                     {"code": 50007, "message": "Cannot send messages to this user"})
    await port.send_private(where, "42", Card("error", body="no"))  # closed DMs are only logged


# --- answering an interaction -----------------------------------------------------------------


async def test_a_reply_of_the_other_kind_first_clears_the_deferred_answer() -> None:
    bot = mock.create_autospec(DebateBot, spec_set=True, instance=True)
    inter = interaction()
    public = Reply(Card("status", title="Debate #1"), private=False)
    private = Reply(Card("notice", body="ok"))

    await DebateBot.deliver(bot, inter, [public, private], pending=True)
    inter.delete_original_response.assert_awaited_once()
    inter.edit_original_response.assert_not_called()
    sent = [c.kwargs["ephemeral"] for c in inter.followup.send.await_args_list]
    assert sent == [False, True]

    inter = interaction()
    await DebateBot.deliver(bot, inter, [private, public], pending=True)
    inter.edit_original_response.assert_awaited_once()
    assert [c.kwargs["ephemeral"] for c in inter.followup.send.await_args_list] == [False]

    inter = interaction()
    await DebateBot.deliver(bot, inter, [], pending=False)  # said in the channel: no empty answer
    inter.delete_original_response.assert_awaited_once()


async def test_a_second_acknowledgement_means_a_repeated_delivery() -> None:
    bot = mock.create_autospec(DebateBot, spec_set=True, instance=True)
    inter = interaction()
    inter.response.defer.side_effect = discord.HTTPException(
        mock.Mock(status=400, reason="Bad Request"), {"code": 40060, "message": "already acknowledged"})
    assert await DebateBot.acknowledge(bot, inter) is False
    inter = interaction()
    assert await DebateBot.acknowledge(bot, inter, thinking=False) is True
    inter.response.defer.assert_awaited_once_with(ephemeral=True, thinking=False)


def test_only_the_intents_the_bot_uses() -> None:
    wanted = intents()
    assert wanted.guilds and wanted.guild_messages and wanted.message_content
    assert not (wanted.members or wanted.presences or wanted.dm_messages or wanted.voice_states)


# --- texts ------------------------------------------------------------------------------------


class RecordingTranslator(CatalogTranslator):
    def __init__(self, messages: Catalog) -> None:
        super().__init__(messages)
        self.keys: set[str] = set()
        self.plain: set[str] = set()

    async def translate(self, string, locale, context):  # type: ignore[override]
        if string.extras.get("key"):
            self.keys.add(string.extras["key"])
        elif context.location is not app_commands.TranslationContextLocation.command_name and \
                context.location is not app_commands.TranslationContextLocation.parameter_name and \
                context.location is not app_commands.TranslationContextLocation.group_name:
            self.plain.add(string.message)
        return await super().translate(string, locale, context)


async def test_every_command_text_is_in_the_catalog_in_every_language(tmp_path: Path) -> None:
    """Descriptions and choice names all come from the catalog, fit Discord, exist in en and ja."""
    catalog = Catalog.load(PromptFolder(PROMPTS_DIR))
    core = await build_core(tmp_path / "d.db", {}, clock=FakeClock())
    try:
        bot = DebateBot(core, sync_commands=False)
        await bot.load_cogs()
        translator = RecordingTranslator(core.catalog)
        for command in bot.tree.get_commands():
            await command.get_translated_payload(bot.tree, translator)
        assert len(translator.keys) > 60
        assert {p for p in translator.plain if not p.startswith("/")} == set()  # help's /command names
        for lang in catalog.languages:
            for key in translator.keys:
                assert key in catalog.messages[lang], f"{lang}.toml lacks {key}"
                assert len(catalog.t(lang, key)) <= DESCRIPTION_LIMIT, (lang, key)
        await bot.close()
    finally:
        await core.stop()


async def test_the_translator_gives_japanese_and_leaves_english_to_the_default() -> None:
    translator = CatalogTranslator(Catalog.load(PromptFolder(PROMPTS_DIR)))
    string = app_commands.locale_str("Cast your vote", key="discord.cmd.vote")
    context = app_commands.TranslationContext(app_commands.TranslationContextLocation.command_description, None)
    japanese = await translator.translate(string, discord.Locale.japanese, context)
    assert japanese and japanese != "Cast your vote"
    assert await translator.translate(string, discord.Locale.american_english, context) is None
    assert await translator.translate(app_commands.locale_str("plain"), discord.Locale.japanese, context) is None


async def test_motion_and_format_autocomplete(tmp_path: Path) -> None:
    core = await build_core(tmp_path / "d.db", {}, clock=FakeClock())
    try:
        every = options.motions(core, "", "en")
        assert 0 < len(every) <= 25 and all(len(c.name) <= 100 for c in every)
        assert [c.value for c in options.motions(core, "public-b", "en")] == ["public-ban"]
        assert [c.value for c in options.formats(core, "QUICK", "en")] == ["quick"]
        ja = options.formats(core, "クイック", "ja")
        assert [c.value for c in ja] == ["quick"]
    finally:
        await core.stop()
