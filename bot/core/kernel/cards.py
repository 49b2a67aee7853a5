"""The one rendering model: neutral cards that each adapter draws in its own way.

Discord draws a card as an embed with a view, Slack as Block Kit, the console as lines of text.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    custom_id: str  # stable, e.g. "debate:12:vote:pro"; survives restarts
    label: str
    style: str = "secondary"  # primary | success | danger | secondary


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = True


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime: str


@dataclass(frozen=True)
class Card:
    """A message to post. `user_text` marks a body written by a user: it must never ping anyone."""

    kind: str  # notice | speech | question | status | tally | result | error | list | poll | help | claim
    title: str = ""
    body: str = ""
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    footer: str = ""
    author: str = ""
    side: str = ""  # pro | con | audience, for speeches
    user_text: bool = False
    attachment: Attachment | None = None
    # Slack/Discord modal hint: the adapter may open a text input for this custom id instead.
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """An answer to the person who gave a command: private (ephemeral) unless said otherwise."""

    card: Card
    private: bool = True
