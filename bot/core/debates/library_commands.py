"""The commands that read the shipped library and catalogs: /motions, /formats and /help."""

from __future__ import annotations

from bot.core.debates import cards as debate_cards
from bot.core.kernel import help as help_cards
from bot.core.kernel.cards import Reply
from bot.core.kernel.command_specs import Help, Motions
from bot.core.kernel.errors import RuleError
from bot.core.kernel.request import Request
from bot.core.service import Core


class LibraryCommands:
    """Shows the motions and formats of the library, and the help of every command."""

    def __init__(self, core: Core) -> None:
        self.core = core

    async def cmd_motions(self, req: Request) -> list[Reply]:
        mid = req.cmd.read(Motions).id
        lang = await self.core.language(req.channel)
        if mid is None:
            return [Reply(debate_cards.motion_list(self.core, lang), private=False)]
        motion = self.core.library.motions.get(str(mid))
        if motion is None:
            raise RuleError("debate.error.unknown_motion", "usage.motions", id=str(mid)[:40], known=", ".join(self.core.library.motions))
        return [Reply(debate_cards.motion_detail(self.core, motion, lang), private=False)]

    async def cmd_formats(self, req: Request) -> list[Reply]:
        lang = await self.core.language(req.channel)
        return [Reply(debate_cards.format_list(self.core, lang), private=False)]

    async def cmd_help(self, req: Request) -> list[Reply]:
        """`/help`: every command; `/help poll` (or `command:poll`): that command's options and examples."""
        lang = await self.core.language(req.channel)
        given = req.cmd.read(Help)
        words = (given.command or given.text).strip()
        return [Reply(help_cards.detail(self.core, lang, words) if words else help_cards.overview(self.core, lang))]

