"""Mention parsing: the channel and role mentions `/mod logchannel` and `/mod role` are given."""

from __future__ import annotations

import re

_CHANNEL_MENTION = re.compile(r"^<#([^>|]+)(?:\|[^>]*)?>$")


def normalise_channel(raw: str) -> str:
    """`<#123>`, `<#C123|name>` and `#name` become the bare channel id or name."""
    value = raw.strip()
    match = _CHANNEL_MENTION.match(value)
    if match:
        return match.group(1)
    return value.lstrip("#")


def normalise_role(raw: str) -> str:
    """`<@&123>` (Discord), `<!subteam^S1|@handle>` (Slack) and `@name` become an id, handle or name."""
    value = raw.strip()
    if value.startswith("<!subteam^") and value.endswith(">"):
        ident, _, label = value[len("<!subteam^"):-1].partition("|")
        return label.lstrip("@") or ident
    return value.removeprefix("<@&").removesuffix(">").lstrip("@")
