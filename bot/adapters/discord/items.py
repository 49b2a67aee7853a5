"""Every button the bot ever drew, answered by one dynamic item and two modals.

Registered once with ``bot.add_dynamic_items``, the template matches any stable custom id
(`debate:<id>:vote:pro`, `poll:<id>:vote:2`, …) on any message, so every open debate's and
poll's buttons work again after a restart without listing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol, cast

import discord

from bot.adapters.discord.render import cut

# Every stable id a debate, poll or claim draws: `debate:<id>:<action>:<value>`, `poll:<id>:<action>[:<value>]`,
# `claim:<id>:rate:<n>`.
TEMPLATE = r"(?:debate|poll|claim):\d+:[a-z_]+(?::\w+)?"
MODAL_TITLE_LIMIT = 45
LABEL_LIMIT = 45
PLACEHOLDER_LIMIT = 100
TEXT_INPUT_LIMIT = 4000
TEXT_ID = "text"
MODAL_TIMEOUT = 3 * 3600.0  # a modal left open longer is forgotten (its submit would fail)


class Clicks(Protocol):
    """What a click needs of the client it arrives on (the DebateBot), named here so that this
    module does not import the bot that imports it."""

    async def click(self, interaction: discord.Interaction, custom_id: str) -> None: ...


class Component(discord.ui.DynamicItem[discord.ui.Item[Any]], template=TEMPLATE):
    """Join Pro / Join Con / Watch and Pro / Con / Undecided on any debate's message; option
    buttons, Withdraw, Rank… (a modal) and a ballot select on any poll's message."""

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any, /) -> Component:
        return cls(item)

    async def callback(self, interaction: discord.Interaction) -> None:
        await cast(Clicks, interaction.client).click(interaction, self.custom_id)


Submit = Callable[[discord.Interaction, str], Awaitable[None]]


class TextModal(discord.ui.Modal):
    """One text box (a speech, a ranking); what was typed goes to `submit`."""

    def __init__(self, *, custom_id: str, title: str, label: str, submit: Submit, max_length: int,
                 placeholder: str = "", paragraph: bool = True) -> None:
        super().__init__(title=cut(title, MODAL_TITLE_LIMIT), custom_id=custom_id, timeout=MODAL_TIMEOUT)
        self.submit = submit
        self.text: discord.ui.TextInput[TextModal] = discord.ui.TextInput(
            label=cut(label, LABEL_LIMIT),
            custom_id=TEXT_ID,
            style=discord.TextStyle.paragraph if paragraph else discord.TextStyle.short,
            max_length=max(1, min(max_length, TEXT_INPUT_LIMIT)),
            placeholder=cut(placeholder, PLACEHOLDER_LIMIT) or None,
            required=True,
        )
        self.add_item(self.text)

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await self.submit(interaction, self.text.value)
