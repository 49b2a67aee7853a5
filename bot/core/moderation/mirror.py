"""The audit log in words, and its mirror in the workspace's moderator log channel.

`LogMirror.log_line` puts one audit entry in words (for `/mod log` and the mirror);
`LogMirror.mirror` is the core's audit listener. `BOT` is the actor of automatic actions.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from bot.core.debates.model import AuditEntry, ChannelRef
from bot.core.kernel.cards import Card
from bot.core.kernel.i18n import FALLBACK, placeholders
from bot.core.kernel.timefmt import clock_time
from bot.core.moderation.part import ServicePart

if TYPE_CHECKING:
    from bot.core.moderation.service import ModerationService

BOT = "bot"  # the actor of automatic actions in the audit log
FILTER_BLOCK = "filter.block"
# Automatic actions that may come in floods: the log channel gets them coalesced.
COALESCED = frozenset({"vote.flag", FILTER_BLOCK})


class LogMirror(ServicePart):
    """Says audit entries in words and copies them to the log channel."""

    def __init__(self, mod: ModerationService) -> None:
        super().__init__(mod)
        self._mirrored: dict[tuple[str, str, str], datetime] = {}
        self._suppressed: dict[tuple[str, str, str], int] = {}

    def log_line(self, lang: str, e: AuditEntry, zone: tzinfo | None = None) -> str:
        """One audit entry in words, its time in `zone` (the channel's) with the zone named."""
        key = "moderation.log.action." + e.action.replace(".", "_")
        action = self.t(lang, key) if self.core.catalog.has(key) else e.action
        parts = [self.t(lang, "moderation.log.line", at=clock_time(e.at, zone, seconds=True), actor=e.actor, action=action)]
        if e.target:
            parts.append(self.t(lang, "moderation.log.target", target=e.target))
        if e.reason:
            reason = self._log_reason(lang, e.reason) if e.actor == BOT else e.reason
            parts.append(self.t(lang, "moderation.log.reason", reason=reason))
        if e.debate_id is not None:
            parts.append(self.t(lang, "moderation.log.debate", id=e.debate_id))
        if e.details:
            parts.append(self.t(lang, "moderation.log.details", details=e.details))
        return " ".join(parts)

    def _log_reason(self, lang: str, reason: str) -> str:
        """The bot's own reasons are machine words (`no_pre_vote`) or the catalog key of a refusal
        (`moderation.error.slowmode`): shown as their label, or else as the refusal's text with
        its numbers left out. A moderator's reason is their own text and is shown as written."""
        catalog = self.core.catalog
        label = "moderation.log.why." + reason.replace(".", "_")
        if catalog.has(label):
            return self.t(lang, label)
        if catalog.has(reason):
            return self.t(lang, reason, **dict.fromkeys(placeholders(catalog.messages[FALLBACK][reason]), "…"))
        return reason

    async def mirror(self, entry: AuditEntry) -> None:
        """Copy an audit entry to the workspace's moderator log channel, if one is set.

        Refusals stay in `/mod log` only; floods of flags and filter hits are coalesced.
        """
        channel = self.mod.log_channels.get((entry.platform, entry.workspace))
        port = self.core.ports.get(entry.platform)
        if channel is None or port is None or entry.action.startswith("refuse."):
            return
        ref = ChannelRef(entry.platform, entry.workspace, channel)
        lang = await self.core.language(ref)
        body = self.log_line(lang, entry, await self.core.zone(ref))
        if entry.action in COALESCED:
            key = (entry.platform, entry.workspace, entry.action)
            last = self._mirrored.get(key)
            if last is not None and entry.at - last < timedelta(seconds=self.config.mirror_interval_seconds):
                self._suppressed[key] = self._suppressed.get(key, 0) + 1
                return
            self._mirrored[key] = entry.at
            more = self._suppressed.pop(key, 0)
            if more:
                body += "\n" + self.t(lang, "moderation.log.more", count=more)
        await port.post(ref, Card("notice", title=self.t(lang, "moderation.log.mirror_title"), body=body,
                                  user_text=True))
