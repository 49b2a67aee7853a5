"""The command vocabulary (DESIGN.md §2): each command's values, declared once.

A command's values are a frozen dataclass (with slots: one is made for every command); each field says its kind and range in ``Annotated``
(:mod:`bot.core.kernel.command_types`). A field without a default is a required option. The parser,
the typed values a handler reads (``req.cmd.read(Extend)``), the Discord app-command options and
the help all take the kinds and ranges from here. See docs/commands-spec.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from bot.core.claims.tree import MAX_IMPACT, MIN_IMPACT
from bot.core.debates.engine import MAX_EXTEND_SECONDS
from bot.core.kernel.command_types import (
    MAX_NUMBER,
    About,
    Choice,
    Flag,
    FreeText,
    Int,
    Rest,
    Spec,
    Text,
    User,
)
from bot.core.moderation.rules import LOG_MAX, MAX_MUTE_MINUTES, MAX_SLOWMODE_SECONDS
from bot.core.polls.model import MAX_OPTIONS
from bot.core.screens.tokens import DEFAULT_HOURS, MAX_HOURS

SIDES = ("pro", "con", "audience")
CHOICES = ("pro", "con", "undecided")
EXPORT_FORMATS = ("md", "json", "html", "argdown")
MAP_FORMATS = ("md", "json", "html", "argdown")  # a discussion's export: its argument map
MAP_PAGES = 1000  # the most pages (and levels) a map is shown in
FLAGGED = ("include", "exclude")
LANGS = ("en", "ja")
POLL_MODES = ("single", "multi", "ranked")
TALLIES = ("live", "hidden")
POLL_EXPORTS = ("csv", "json")
FILTER_ACTIONS = ("add", "remove", "list")

Id = Annotated[int, Int(1, MAX_NUMBER)]  # a poll's or a question's number
PollNumber = Annotated[Id, About("poll_id")]
QuestionNumber = Annotated[Id, About("question_id")]
OptionalText = Annotated[str, Text()]
Member = Annotated[str, User()]
Yes = Annotated[bool, Flag()]
ScreenHours = Annotated[int, Int(1, MAX_HOURS, refusal="screen.error.hours"), About("screen_hours")]
RevokeLinks = Annotated[bool, Flag(), About("screen_revoke")]


# --- /debate ---

@dataclass(frozen=True, slots=True)
class DebateStart:
    motion: OptionalText = ""
    format: OptionalText = ""
    anonymous: Yes = False


@dataclass(frozen=True, slots=True)
class Join:
    side: Annotated[str, Choice(SIDES, names="side")]


@dataclass(frozen=True, slots=True)
class Extend:
    seconds: Annotated[int, Int(1, MAX_EXTEND_SECONDS, refusal="debate.error.extend_range"), About("extend_seconds")]


@dataclass(frozen=True, slots=True)
class Results:
    flagged: Annotated[str, Choice(FLAGGED)] = "include"
    chart: Yes = True


@dataclass(frozen=True, slots=True)
class Export:
    format: Annotated[str, Choice(EXPORT_FORMATS), About("export_format")] = "md"


@dataclass(frozen=True, slots=True)
class Language:
    lang: Annotated[str, Choice(LANGS)]


@dataclass(frozen=True, slots=True)
class Timezone:
    zone: OptionalText = ""


@dataclass(frozen=True, slots=True)
class SpeechText:
    text: Annotated[str, FreeText(), About("speech")] = ""


@dataclass(frozen=True, slots=True)
class QuestionText:
    text: Annotated[str, FreeText(), About("question")]


@dataclass(frozen=True, slots=True)
class Vote:
    choice: Annotated[str, Choice(CHOICES, names="choice")]


@dataclass(frozen=True, slots=True)
class Motions:
    id: Annotated[str | None, Text(), About("motion_id")] = None


@dataclass(frozen=True, slots=True)
class Help:
    command: Annotated[str, Text(), About("help_command")] = ""
    text: Annotated[str, FreeText()] = ""  # `/help poll create`: the rest names a command


@dataclass(frozen=True, slots=True)
class DebateScreen:
    hours: ScreenHours = DEFAULT_HOURS
    revoke: RevokeLinks = False
    tally: Annotated[str, Choice(TALLIES), About("screen_tally")] = "hidden"


# --- /poll ---

@dataclass(frozen=True, slots=True)
class PollCreate:
    question: Annotated[str, Text(), About("poll_question")]
    options: Annotated[str, Text(), About("poll_options")]
    mode: Annotated[str, Choice(POLL_MODES), About("poll_mode")] = "single"
    max: Annotated[int | None, Int(1, MAX_OPTIONS, refusal="poll.error.max_range", narrowed=True),
                   About("poll_max")] = None  # the handler refuses more than the poll's options
    anonymous: Annotated[bool, Flag(), About("poll_anonymous")] = False
    closes: Annotated[str | None, Text(), About("poll_closes")] = None
    tally: Annotated[str, Choice(TALLIES), About("poll_tally")] = "live"


@dataclass(frozen=True, slots=True)
class PollBallot:
    id: PollNumber
    toggle: Annotated[bool, Flag(), About("poll_toggle")] = False
    choices: Annotated[tuple[str, ...], Rest(), About("poll_choices")] = ()


@dataclass(frozen=True, slots=True)
class PollId:
    id: PollNumber


@dataclass(frozen=True, slots=True)
class PollScreen:
    id: PollNumber
    hours: ScreenHours = DEFAULT_HOURS
    revoke: RevokeLinks = False


@dataclass(frozen=True, slots=True)
class PollResults:
    id: PollNumber
    format: Annotated[str | None, Choice(POLL_EXPORTS), About("poll_format")] = None


# --- /mod and /discuss ---

@dataclass(frozen=True, slots=True)
class Warn:
    user: Member
    reason: OptionalText = ""


@dataclass(frozen=True, slots=True)
class MuteUser:
    user: Member
    minutes: Annotated[int | None, Int(1, MAX_MUTE_MINUTES, refusal="moderation.error.mute_range")] = None
    reason: OptionalText = ""


@dataclass(frozen=True, slots=True)
class Target:
    user: Member


@dataclass(frozen=True, slots=True)
class QuestionId:
    id: QuestionNumber


@dataclass(frozen=True, slots=True)
class Reject:
    id: QuestionNumber
    reason: OptionalText = ""


@dataclass(frozen=True, slots=True)
class FilterChange:
    action: Annotated[str, Choice(FILTER_ACTIONS), About("filter_action")]
    word: OptionalText = ""
    allow: Yes = False


@dataclass(frozen=True, slots=True)
class Slowmode:
    seconds: Annotated[int, Int(0, MAX_SLOWMODE_SECONDS, refusal="moderation.error.slowmode_range"),
                       About("slowmode_seconds")]


@dataclass(frozen=True, slots=True)
class ModRole:
    role: OptionalText = ""
    remove: Annotated[bool, Flag(), About("remove_role")] = False


@dataclass(frozen=True, slots=True)
class Log:
    user: Annotated[str, User(), About("log_user")] = ""
    limit: Annotated[int | None, Int(1, LOG_MAX), About("log_limit")] = None


@dataclass(frozen=True, slots=True)
class LogChannel:
    channel: Annotated[str, Text(), About("log_channel")] = ""
    off: Annotated[bool, Flag(), About("log_off")] = False


@dataclass(frozen=True, slots=True)
class DiscussStart:
    topic: Annotated[str, Text()]



@dataclass(frozen=True, slots=True)
class DiscussExport:
    format: Annotated[str, Choice(MAP_FORMATS), About("map_format")] = "md"


# --- /claim ---

ClaimId = Annotated[int, Int(1, MAX_NUMBER), About("claim_id")]
ClaimText = Annotated[str, FreeText(), About("claim_text")]
Parent = Annotated[int, Int(0, MAX_NUMBER), About("parent")]  # 0: the motion or topic


@dataclass(frozen=True, slots=True)
class ClaimNew:
    text: ClaimText
    parent: Parent = 0


@dataclass(frozen=True, slots=True)
class ClaimEdit:
    id: ClaimId
    text: ClaimText


@dataclass(frozen=True, slots=True)
class ClaimNumber:
    id: ClaimId


@dataclass(frozen=True, slots=True)
class ClaimMove:
    id: ClaimId
    parent: Parent


@dataclass(frozen=True, slots=True)
class ClaimRate:
    id: ClaimId
    impact: Annotated[int, Int(MIN_IMPACT, MAX_IMPACT, refusal="claim.error.impact_range"), About("impact")]


@dataclass(frozen=True, slots=True)
class ClaimMap:
    id: Annotated[int | None, Int(1, MAX_NUMBER), About("map_root")] = None
    depth: Annotated[int | None, Int(1, MAP_PAGES), About("depth")] = None
    page: Annotated[int, Int(1, MAP_PAGES), About("page")] = 1
    picture: Annotated[bool, Flag(), About("picture")] = True

SPEC_LIST = [
    Spec("debate", "start", DebateStart, moderator=True),
    Spec("debate", "join", Join, positional=("side",)),
    Spec("debate", "leave"),
    Spec("debate", "next", moderator=True),
    Spec("debate", "pause", moderator=True),
    Spec("debate", "resume", moderator=True),
    Spec("debate", "extend", Extend, positional=("seconds",), moderator=True),
    Spec("debate", "end", moderator=True),
    Spec("debate", "status"),
    Spec("debate", "results", Results),
    Spec("debate", "export", Export, positional=("format",)),
    Spec("debate", "language", Language, positional=("lang",), moderator=True),
    Spec("debate", "timezone", Timezone, positional=("zone",), moderator=True),
    Spec("debate", "screen", DebateScreen, moderator=True),
    Spec("speak", None, SpeechText),
    Spec("ask", None, QuestionText),
    Spec("vote", None, Vote, positional=("choice",)),
    Spec("motions", None, Motions, positional=("id",)),
    Spec("formats", None),
    Spec("help", None, Help),
    Spec("poll", "create", PollCreate, moderator=True),
    Spec("poll", "vote", PollBallot),
    Spec("poll", "withdraw", PollId, positional=("id",)),
    Spec("poll", "close", PollId, positional=("id",), moderator=True),
    Spec("poll", "results", PollResults, positional=("id",)),
    Spec("poll", "list"),
    Spec("poll", "screen", PollScreen, positional=("id",), moderator=True),
    Spec("mod", "warn", Warn, positional=("user",), moderator=True),
    Spec("mod", "mute", MuteUser, positional=("user", "minutes"), moderator=True),
    Spec("mod", "unmute", Target, positional=("user",), moderator=True),
    Spec("mod", "strikes", Target, positional=("user",), moderator=True),
    Spec("mod", "queue", moderator=True),
    Spec("mod", "approve", QuestionId, positional=("id",), moderator=True),
    Spec("mod", "reject", Reject, moderator=True),
    Spec("mod", "filter", FilterChange, positional=("action", "word"), moderator=True),
    Spec("mod", "slowmode", Slowmode, positional=("seconds",), moderator=True),
    Spec("mod", "role", ModRole, positional=("role",), moderator=True),
    Spec("mod", "log", Log, positional=("user",), moderator=True),
    Spec("mod", "logchannel", LogChannel, moderator=True),
    Spec("discuss", "start", DiscussStart, moderator=True),
    Spec("discuss", "close", moderator=True),
    Spec("discuss", "export", DiscussExport, positional=("format",)),
    Spec("claim", "pro", ClaimNew),
    Spec("claim", "con", ClaimNew),
    Spec("claim", "edit", ClaimEdit),
    Spec("claim", "remove", ClaimNumber, positional=("id",), moderator=True),
    Spec("claim", "move", ClaimMove, moderator=True),
    Spec("claim", "rate", ClaimRate, positional=("id", "impact")),
    Spec("claim", "reveal", moderator=True),
    Spec("claim", "map", ClaimMap, positional=("id",)),
]
