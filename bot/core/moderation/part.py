"""`ServicePart`: what each part of `ModerationService` (the guard, the vote signals, the log
mirror, the /mod commands, the discussions) reads through the service it is given."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.debates.service import DebateService
    from bot.core.moderation.rules import ModerationConfig
    from bot.core.moderation.service import ModerationService
    from bot.core.ports import ModerationStorage
    from bot.core.service import Core


class ServicePart:
    """A part of the moderation service. Its state (mutes, removals, flags, …) is the service's,
    read as `self.mod.…`; the config and the store are read through the service too, so a store
    swapped on the service is the store every part uses. The core and the debates are the
    service's for its whole life, given at construction."""

    def __init__(self, mod: ModerationService) -> None:
        self.mod = mod
        self.core: Core = mod.core
        self.debates: DebateService = mod.debates

    @property
    def config(self) -> ModerationConfig:
        return self.mod.config

    @property
    def store(self) -> ModerationStorage:
        return self.mod.store

    def t(self, lang: str, key: str, **params: object) -> str:
        return self.mod.t(lang, key, **params)
