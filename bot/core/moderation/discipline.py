"""The `/mod` commands: warn, mute, unmute, strikes, filter, slowmode, role, log, logchannel.

A warning is a strike; strikes escalate to a mute and then to removal from the debates and
discussion the user is in (`rules.escalation`). Every command is audited.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.debates.model import ChannelRef, Debate
from bot.core.kernel.cards import Card, Field, Reply
from bot.core.kernel.command_specs import (
    FilterChange,
    Log,
    LogChannel,
    ModRole,
    MuteUser,
    Slowmode,
    Target,
    Warn,
)
from bot.core.kernel.errors import RuleError
from bot.core.kernel.timefmt import clock_time
from bot.core.moderation.filter import validate_entry
from bot.core.moderation.mentions import normalise_channel, normalise_role
from bot.core.moderation.mirror import BOT
from bot.core.moderation.part import ServicePart
from bot.core.moderation.rules import (
    Escalation,
    Mute,
    Strike,
    active_strikes,
    escalation,
    minutes_left,
    mute_until,
    strike_expires,
)

if TYPE_CHECKING:
    from bot.core.kernel.request import Request

LOG_LIMIT = 20  # audit entries `/mod log` shows unless told `limit:` (at most LOG_MAX)


class Discipline(ServicePart):
    """Answers `/mod`'s discipline, filter, slow mode, roles and log."""

    # --- /mod warn, mute, unmute, strikes ---

    @staticmethod
    def _target(req: Request, user: str) -> str:
        target = user.strip()
        if not target:
            raise RuleError("parse.missing_option", req.cmd.spec.usage_key, option="user")
        return target

    async def cmd_warn(self, req: Request) -> list[Reply]:
        given = req.cmd.read(Warn)
        target = self._target(req, given.user)
        reason = given.reason
        lang = await self.core.language(req.channel)
        now = self.core.clock.now()
        here = self.mod._scope_here(req.channel)
        debate_id = here[1].id if here and isinstance(here[1], Debate) else None
        strike = Strike(0, target, now, reason, req.actor.user_id, debate_id)
        await self.store.add_strike(req.actor.platform, req.actor.workspace, strike)
        await self.mod._audit_by(req, "strike", target=target, reason=reason, debate_id=debate_id)
        strikes = await self._active_strikes(req.actor.platform, req.actor.workspace, target, now)
        count = len(strikes)
        shown = reason or self.t(lang, "mod.no_reason")
        await self.mod._tell(req.channel, target, Card("notice", title=self.t(lang, "moderation.warned_you_title"),
                                                   body=self.core.tn(lang, "moderation.warned_you", count, reason=shown,
                                                               hours=f"{self.config.strike_expiry_hours:g}",
                                                               mute_at=self.config.mute_at_strikes,
                                                               minutes=self.config.mute_minutes,
                                                               remove_at=self.config.remove_at_strikes),
                                                   user_text=True))
        lines = [self.core.tn(lang, "moderation.warned", count, user=target)]
        step = escalation(count, self.config)
        auto_reason = f"strikes={count}"
        if step is Escalation.REMOVE:
            removed = await self._remove(req, target, auto_reason)
            lines.extend(self.t(lang, "moderation.auto_removed", user=target, place=p) for p in removed)
            if not removed:
                step = Escalation.MUTE
        if step is Escalation.MUTE:
            m, minutes = await self._mute(req.actor.platform, req.actor.workspace, target, self.config.mute_minutes,
                                          auto_reason, BOT, req.channel)
            lines.append(self.core.tn(lang, "moderation.auto_muted", count, user=target,
                                      until=clock_time(m.until, await self.core.zone(req.channel)), minutes=minutes))
        return [Reply(Card("notice", body="\n".join(lines), user_text=True))]

    async def _active_strikes(self, platform: str, workspace: str, user: str, now: datetime) -> list[Strike]:
        expiry = self.config.strike_expiry
        return active_strikes(await self.store.strikes_since(platform, workspace, user, now - expiry), now, expiry)

    async def _mute(self, platform: str, workspace: str, user: str, minutes: float, reason: str, by: str,
                    channel: ChannelRef) -> tuple[Mute, int]:
        """Mute `user` and tell them; the mute and the minutes they were told, which the moderator
        is told too (counted again later, the clock would have moved on: 10 min could read 11)."""
        now = self.core.clock.now()
        current = self.mod.mutes.get((platform, workspace, user))
        m = Mute(platform, workspace, user, mute_until(now, minutes, current), reason, by, channel.channel)
        await self.store.save_mute(m)  # stored first: a mute the store refused never lives in memory
        self.mod.mutes[(platform, workspace, user)] = m
        self.core.wake()
        await self.mod._audit(platform, workspace, by, "mute", target=user, reason=reason,
                          details=m.until.isoformat(timespec="seconds"))
        lang, zone = await self.core.language(channel), await self.core.zone(channel)
        told = minutes_left(m.until, now)
        await self.mod._tell(channel, user, Card("notice", body=self.t(
            lang, "moderation.muted_you", until=clock_time(m.until, zone), minutes=told), user_text=True))
        return m, told

    async def _remove(self, req: Request, user: str, reason: str) -> list[str]:
        """Remove `user` from the debate or discussion here and from every running debate they joined."""
        places: list[str] = []
        now = self.core.clock.now()
        platform, workspace = req.actor.platform, req.actor.workspace
        targets: list[Debate] = []
        here = self.mod.debate_at(req.channel)
        if here is not None:
            targets.append(here)
        targets.extend(d for d in self.debates.debates.values() if d is not here and d.running
                       and d.space.platform == platform and d.space.workspace == workspace
                       and user in d.participants)
        lang = await self.core.language(req.channel)
        for d in targets:
            scope = self.mod.debate_scope(d)
            self.mod.removed.setdefault(scope, set()).add(user)
            await self.store.add_removal(scope, user, platform, workspace, now, reason)
            if user in d.participants:
                del d.participants[user]
                await self.core.store.remove_participant(d.id, user)
                await self.debates._redraw_opening(d)
            await self.mod._audit(platform, workspace, BOT, "remove", target=user, reason=reason, debate_id=d.id)
            await self.mod._tell(d.space, user, Card("notice", body=self.t(d.language, "moderation.removed_you", id=d.id)))
            places.append(self.t(lang, "moderation.place_debate", id=d.id))
        disc = self.mod.discussion_at(req.channel, parent_too=True) if here is None else None
        if disc is not None:
            self.mod.removed.setdefault(disc.scope, set()).add(user)
            await self.store.add_removal(disc.scope, user, platform, workspace, now, reason)
            await self.mod._audit(platform, workspace, BOT, "remove", target=user, reason=reason, details=disc.scope)
            await self.mod._tell(disc.space, user, Card("notice", body=self.t(disc.language, "moderation.removed_you_discussion",
                                                                          id=disc.id)))
            places.append(self.t(lang, "moderation.place_discussion", id=disc.id))
        return places

    async def cmd_mute(self, req: Request) -> list[Reply]:
        given = req.cmd.read(MuteUser)
        target = self._target(req, given.user)
        minutes = self.config.mute_minutes if given.minutes is None else given.minutes
        reason = given.reason
        m, told = await self._mute(req.actor.platform, req.actor.workspace, target, minutes, reason,
                                   req.actor.user_id, req.channel)
        lang, zone = await self.core.language(req.channel), await self.core.zone(req.channel)
        return [Reply(Card("notice", body=self.t(lang, "moderation.muted", user=target,
                                                 until=clock_time(m.until, zone), minutes=told), user_text=True))]

    async def cmd_unmute(self, req: Request) -> list[Reply]:
        target = self._target(req, req.cmd.read(Target).user)
        lang = await self.core.language(req.channel)
        key = (req.actor.platform, req.actor.workspace, target)
        m = self.mod.mutes.get(key)
        if m is None or not m.active(self.core.clock.now()):  # an ended mute is left for `run_due` to close
            raise RuleError("moderation.error.not_muted", "usage.mod.unmute", user=target)
        del self.mod.mutes[key]
        await self.store.delete_mute(*key)
        self.core.wake()
        await self.mod._audit_by(req, "unmute", target=target)
        await self.mod._tell(req.channel, target, Card("notice", body=self.t(lang, "moderation.unmuted_you")))
        return [Reply(Card("notice", body=self.t(lang, "moderation.unmuted", user=target), user_text=True))]

    async def cmd_strikes(self, req: Request) -> list[Reply]:
        target = self._target(req, req.cmd.read(Target).user)
        lang, zone = await self.core.language(req.channel), await self.core.zone(req.channel)
        now = self.core.clock.now()
        strikes = await self._active_strikes(req.actor.platform, req.actor.workspace, target, now)
        lines = [self.t(lang, "moderation.strike_line", at=clock_time(s.at, zone), by=s.by,
                        reason=s.reason or self.t(lang, "mod.no_reason"),
                        expires=clock_time(strike_expires(s, self.config.strike_expiry), zone)) for s in strikes]
        body = "\n".join(lines) if lines else self.t(lang, "moderation.no_strikes")
        fields = [Field(self.t(lang, "moderation.thresholds"), self.t(
            lang, "moderation.thresholds_line", mute_at=self.config.mute_at_strikes, minutes=self.config.mute_minutes,
            remove_at=self.config.remove_at_strikes, hours=f"{self.config.strike_expiry_hours:g}"), inline=False)]
        m = self.mod.active_mute(req.actor.platform, req.actor.workspace, target, now)
        if m is not None:
            fields.append(Field(self.t(lang, "moderation.mute_field"), self.t(
                lang, "moderation.mute_until", until=clock_time(m.until, zone), minutes=minutes_left(m.until, now))))
        title = self.t(lang, "moderation.strikes_title", user=target, count=len(strikes))
        return [Reply(Card("list", title=title, body=body, fields=tuple(fields), user_text=True))]

    # --- /mod filter ---

    async def cmd_filter(self, req: Request) -> list[Reply]:
        given = req.cmd.read(FilterChange)
        action = given.action
        lang = await self.core.language(req.channel)
        platform, workspace = req.actor.platform, req.actor.workspace
        allowed = given.allow
        if action == "list":
            return [Reply(await self._filter_list(lang, platform, workspace))]
        word = given.word.strip()
        if not word:
            raise RuleError("parse.missing_option", "usage.mod.filter", option="word")
        which = self.t(lang, "moderation.filter.allow_list" if allowed else "moderation.filter.block_list")
        if action == "add":
            problem = validate_entry(word)
            if problem is not None:
                key = f"moderation.filter.invalid.{problem}"
                why = self.t(lang, key) if self.core.catalog.has(key) else problem
                raise RuleError("moderation.filter.invalid_entry", "usage.mod.filter", word=word[:60], why=why)
            await self.store.add_filter_word(platform, workspace, word, allowed, req.actor.user_id,
                                             self.core.clock.now())
            reply = self.t(lang, "moderation.filter.added", word=word, list=which)
        else:
            blocked, allow = await self.store.filter_words(platform, workspace)
            stored = next((w for w in (allow if allowed else blocked) if w.casefold() == word.casefold()), None)
            if stored is None:
                raise RuleError("moderation.filter.not_listed", "usage.mod.filter", word=word[:60], list=which)
            await self.store.remove_filter_word(platform, workspace, stored, allowed)
            word = stored
            reply = self.t(lang, "moderation.filter.removed", word=word, list=which)
        self.mod._filters.pop((platform, workspace), None)
        await self.mod._audit_by(req, f"filter.{action}", reason="allow" if allowed else "block", details=word)
        return [Reply(Card("notice", body=reply, user_text=True))]

    async def _filter_list(self, lang: str, platform: str, workspace: str) -> Card:
        blocked, allowed = await self.store.filter_words(platform, workspace)
        none = self.t(lang, "moderation.filter.none")
        return Card("list", title=self.t(lang, "moderation.filter.title"), user_text=True, fields=(
            Field(self.t(lang, "moderation.filter.block_list"), ", ".join(blocked) or none, inline=False),
            Field(self.t(lang, "moderation.filter.allow_list"), ", ".join(allowed) or none, inline=False),
        ), footer=self.t(lang, "moderation.filter.footer", blocked=len(self.mod.default_filter.blocked),
                         allowed=len(self.mod.default_filter.allowed)))

    # --- /mod slowmode, role, log, logchannel ---

    async def cmd_slowmode(self, req: Request) -> list[Reply]:
        seconds = req.cmd.read(Slowmode).seconds
        lang = await self.core.language(req.channel)
        here = self.mod._scope_here(req.channel)
        if here is None:
            raise RuleError("moderation.error.no_place", "usage.mod.slowmode")
        scope, place = here
        d = place if isinstance(place, Debate) else None
        await self.store.set_slowmode(scope, seconds)  # stored first: a refused change changes nothing
        self.mod.slowmode.set(scope, seconds)
        await self.mod._audit_by(req, "slowmode", debate_id=d.id if d else None, details=f"{scope}: {seconds}")
        space, space_lang = place.space, place.language
        key = "moderation.slowmode_on" if seconds else "moderation.slowmode_off"
        await self.core.port(space).post(space, Card("notice", body=self.t(space_lang, key, seconds=seconds)))
        return [Reply(Card("notice", body=self.t(lang, key, seconds=seconds)))]

    async def cmd_role(self, req: Request) -> list[Reply]:
        given = req.cmd.read(ModRole)
        lang = await self.core.language(req.channel)
        platform, workspace = req.actor.platform, req.actor.workspace
        role = normalise_role(given.role)
        if not role:
            roles = await self.store.roles(platform, workspace)
            body = ", ".join(roles) if roles else self.t(lang, "moderation.role.none")
            return [Reply(Card("list", title=self.t(lang, "moderation.role.title"), body=body, user_text=True))]
        if given.remove:
            await self.store.remove_role(platform, workspace, role)
            action, key = "role.remove", "moderation.role.removed"
        else:
            await self.store.add_role(platform, workspace, role)
            action, key = "role.add", "moderation.role.added"
        self.mod._roles.pop((platform, workspace), None)
        await self.mod._audit_by(req, action, details=role)
        return [Reply(Card("notice", body=self.t(lang, key, role=role), user_text=True))]

    async def cmd_log(self, req: Request) -> list[Reply]:
        given = req.cmd.read(Log)
        await self.mod.settle()
        lang = await self.core.language(req.channel)
        user = given.user
        limit = given.limit or LOG_LIMIT
        entries = await self.core.store.audit_entries(req.actor.platform, req.actor.workspace, user, limit)
        zone = await self.core.zone(req.channel)
        lines = [self.mod.log_mirror.log_line(lang, e, zone) for e in entries]
        title = self.t(lang, "moderation.log.title_user", user=user) if user else self.t(lang, "moderation.log.title")
        body = "\n".join(lines) if lines else self.t(lang, "moderation.log.empty")
        return [Reply(Card("list", title=title, body=body, user_text=True,
                           footer=self.core.tn(lang, "moderation.log.footer", len(entries))))]

    async def cmd_logchannel(self, req: Request) -> list[Reply]:
        given = req.cmd.read(LogChannel)
        lang = await self.core.language(req.channel)
        key = (req.actor.platform, req.actor.workspace)
        if given.off:
            await self.store.set_log_channel(*key, None)
            self.mod.log_channels.pop(key, None)
            await self.mod._audit_by(req, "logchannel", details="off")
            return [Reply(Card("notice", body=self.t(lang, "moderation.logchannel_off")))]
        channel = normalise_channel(given.channel) or req.channel.channel
        await self.store.set_log_channel(*key, channel)
        self.mod.log_channels[key] = channel
        await self.mod._audit_by(req, "logchannel", details=channel)
        return [Reply(Card("notice", body=self.t(lang, "moderation.logchannel_set", channel=channel),
                           user_text=True))]
