"""Discord events into core data: who acts (Actor), where (ChannelRef), what (Command).

The one place where discord.py objects become plain core types; nothing past this module sees
a discord object. App-command options are built straight into a :class:`Command` with the
option names of :data:`bot.core.kernel.commands.SPECS` (no text line is formatted and parsed again).
"""

from __future__ import annotations

import discord

from bot.core.debates.model import Actor, ChannelRef
from bot.core.kernel.buttons import ballot_command, poll_button
from bot.core.kernel.commands import SPECS, Choice, Command, Int, User
from bot.core.kernel.request import Request

PLATFORM = "discord"
NO_GUILD = "@me"
LANGUAGES = {discord.Locale.japanese: "ja"}


def workspace(guild_id: int | None) -> str:
    return str(guild_id) if guild_id is not None else NO_GUILD


def place(guild_id: int | None, channel_id: int | None) -> ChannelRef:
    """A channel or thread; the core maps a debate thread and its parent channel to the debate."""
    return ChannelRef(PLATFORM, workspace(guild_id), str(channel_id or 0))


def member_actor(user: discord.abc.User, permissions: discord.Permissions, guild_id: int | None) -> Actor:
    """A member (or user) with the permissions they hold where they act.

    The platform's verdict on moderators: Manage Messages, Manage Server or Administrator.
    Roles are given by id and by name, so `/mod role` matches either.
    """
    roles: list[str] = []
    for role in getattr(user, "roles", ()):
        if role.is_default():
            continue
        roles += [str(role.id), role.name]
    return Actor(
        platform=PLATFORM,
        workspace=workspace(guild_id),
        user_id=str(user.id),
        name=user.display_name,
        is_admin=bool(permissions.manage_messages or permissions.manage_guild or permissions.administrator),
        roles=tuple(roles),
    )


def actor(interaction: discord.Interaction) -> Actor:
    return member_actor(interaction.user, interaction.permissions, interaction.guild_id)


def channel(interaction: discord.Interaction) -> ChannelRef:
    return place(interaction.guild_id, interaction.channel_id)


def request(interaction: discord.Interaction, command: Command, debate_id: int | None = None) -> Request:
    """The core request for an interaction; its id makes a repeated delivery a no-op."""
    return Request(actor(interaction), channel(interaction), command=command,
                   dedupe_key=str(interaction.id), debate_id=debate_id)


def language(locale: discord.Locale | None) -> str:
    """The catalog language for a Discord locale (English unless we speak it)."""
    return LANGUAGES.get(locale, "en") if locale is not None else "en"


def option_value(kind: object, value: object) -> str | int:
    """One app-command value as the parser would have produced it for that option kind (the
    core checks its range: `Command.read`)."""
    if isinstance(value, discord.app_commands.Choice):
        value = value.value
    if isinstance(kind, Choice) and isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(kind, User) and isinstance(value, discord.abc.Snowflake):
        return str(value.id)
    if isinstance(value, discord.Role):
        return value.name
    if isinstance(value, discord.abc.Snowflake):  # a channel
        return str(value.id)
    if isinstance(kind, Int):
        if not isinstance(value, int | str):
            raise TypeError(f"an integer option holds {value!r}")
        return int(value)
    return str(value)


def command(name: str, sub: str | None = None, *, text: str = "", args: tuple[str, ...] = (),
            **options: object) -> Command:
    """A core command from app-command options; options left out (None) are not given."""
    spec = SPECS[(name, sub)]
    values: dict[str, str | int] = {}
    for key, value in options.items():
        if key not in spec.options:
            raise KeyError(f"/{name} {sub or ''} has no option {key}")
        if value is not None:
            values[key] = option_value(spec.options[key], value)
    return Command(name, sub, values, tuple(args), text)


def ballot(poll_id: int, choices: str) -> Command:
    """`/poll vote`: choices typed as one text (`2 1 3`, `tea, water`, `tea > water`)."""
    parsed = ballot_command(poll_button(poll_id, "ballot"), choices)
    assert parsed is not None  # a ballot id always parses
    return parsed[0]
