"""Every button the bot ever drew, answered by two dynamic items and two modals.

Registered once with ``bot.add_dynamic_items``, the templates match any stable custom id
(`debate:<id>:vote:pro`, `poll:<id>:vote:2`, …) on any message, so every open debate's and
poll's buttons work again after a restart without listing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import discord

from bot.adapters.discord.render import cut

if TYPE_CHECKING:
    from bot.adapters.discord.bot import DebateBot

DEBATE_TEMPLATE = r"debate:(?P<id>\d+):(?P<action>[a-z_]+):(?P<value>[a-z_]+)"
POLL_TEMPLATE = r"poll:(?P<id>\d+):(?P<action>[a-z_]+)(?::(?P<value>\w+))?"
MODAL_TITLE_LIMIT = 45
LABEL_LIMIT = 45
PLACEHOLDER_LIMIT = 100
TEXT_INPUT_LIMIT = 4000
TEXT_ID = "text"
MODAL_TIMEOUT = 3 * 3600.0  # a modal left open longer is forgotten (its submit would fail)


class DebateComponent(discord.ui.DynamicItem[discord.ui.Item[Any]], template=DEBATE_TEMPLATE):
    """Join Pro / Join Con / Watch and Pro / Con / Undecided, on any debate's message."""

    def __init__(self, item: discord.ui.Item[Any]) -> None:
        super().__init__(item)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any, /) -> DebateComponent:
        return cls(item)

    async def callback(self, interaction: discord.Interaction[DebateBot]) -> None:
        await interaction.client.click(interaction, self.custom_id)


class PollComponent(discord.ui.DynamicItem[discord.ui.Item[Any]], template=POLL_TEMPLATE):
    """Option buttons, Withdraw, Rank… (a modal) and a ballot select, on any poll's message."""

    def __init__(self, item: discord.ui.Item[Any]) -> None:
        super().__init__(item)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any, /) -> PollComponent:
        return cls(item)

    async def callback(self, interaction: discord.Interaction[DebateBot]) -> None:
        await interaction.client.click(interaction, self.custom_id)


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
