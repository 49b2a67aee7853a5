"""The text form of the command vocabulary (DESIGN.md §2) and its parser.

Grammar: ``/name [sub] [key:value | positional]… [free text]``. Values may be quoted with
"…", '…' or “…”. Options are recognised only for keys the command declares; for a command that
takes free text, the first word that is not a declared option starts the text, which runs to
the end of the line exactly as typed. Every failure is a :class:`ParseError` naming what was
wrong and the command's usage key; no other exception escapes :func:`parse`. A line longer than
:data:`MAX_LINE` characters is refused before it is parsed, and the parser's work is linear in
the length of the line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import overload

INT = "int"
TEXT = "str"
USER = "user"
_OPTION_KEY = re.compile(r"([A-Za-z_]+):")
QUOTES = {'"': '"', "'": "'", "“": "”", "„": "“", "«": "»", "「": "」"}
MAX_LINE = 4000  # characters in one command line: a longest speech (3,000) and its command fit
MAX_NUMBER = 10**9  # the largest number an option takes
Words = Mapping[str, frozenset[str]]  # a word as the bot shows it (`賛成`) -> the values it names
NO_WORDS: Words = {}


class _Required:
    """`Command.number` without a default: the option must be there."""


_REQUIRED = _Required()


@dataclass(frozen=True)
class Spec:
    """What one command accepts. `options` maps a key to INT, TEXT, USER or a tuple of choices."""

    name: str
    sub: str | None = None
    options: dict[str, object] = field(default_factory=dict)
    positional: tuple[str, ...] = ()  # bare words fill these options in order
    required: tuple[str, ...] = ()
    variadic: bool = False  # further bare words go to Command.args
    text: bool = False  # free text last
    text_required: bool = False
    moderator: bool = False

    @property
    def usage_key(self) -> str:
        return f"usage.{self.name}" + (f".{self.sub}" if self.sub else "")


def summary_usage_key(name: str) -> str:
    """The usage line of a whole command: `usage.vote`, or `usage.debate.summary` for one with subcommands."""
    return f"usage.{name}.summary" if SUBCOMMANDS.get(name) else f"usage.{name}"


@dataclass(frozen=True)
class Command:
    name: str
    sub: str | None = None
    options: dict[str, str | int] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    text: str = ""

    @property
    def spec(self) -> Spec:
        return SPECS[(self.name, self.sub)]

    def get(self, key: str, default: str | int | None = None) -> str | int | None:
        return self.options.get(key, default)

    @overload
    def number(self, key: str) -> int: ...
    @overload
    def number(self, key: str, default: int) -> int: ...
    @overload
    def number(self, key: str, default: None) -> int | None: ...

    def number(self, key: str, default: int | None | _Required = _REQUIRED) -> int | None:
        """The whole number given for INT option `key` (the parser makes it an int), or `default`
        when it was not given; with no default the option is one the spec requires, and a
        command without it is a KeyError."""
        value = self.options.get(key)
        if value is None:
            if isinstance(default, _Required):
                raise KeyError(f"/{self.name} {self.sub or ''} has no {key}")
            return default
        return int(value)


class ParseError(Exception):
    """A mistyped command: `key` names the catalog message, `usage` the usage line's key."""

    def __init__(self, key: str, usage: str | None = None, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.usage = usage
        self.params = params


SIDES = ("pro", "con", "audience")
CHOICES = ("pro", "con", "undecided")
EXPORT_FORMATS = ("md", "json", "html", "argdown")
MAP_FORMATS = ("md", "json", "html", "argdown")  # a discussion's export: its argument map
FLAGGED = ("include", "exclude")
LANGS = ("en", "ja")

_SPEC_LIST = [
    Spec("debate", "start", {"motion": TEXT, "format": TEXT, "anonymous": ("yes", "no")}, moderator=True),
    Spec("debate", "join", {"side": SIDES}, positional=("side",), required=("side",)),
    Spec("debate", "leave"),
    Spec("debate", "next", moderator=True),
    Spec("debate", "pause", moderator=True),
    Spec("debate", "resume", moderator=True),
    Spec("debate", "extend", {"seconds": INT}, positional=("seconds",), required=("seconds",), moderator=True),
    Spec("debate", "end", moderator=True),
    Spec("debate", "status"),
    Spec("debate", "results", {"flagged": FLAGGED, "chart": ("yes", "no")}),
    Spec("debate", "export", {"format": EXPORT_FORMATS}, positional=("format",)),
    Spec("debate", "language", {"lang": LANGS}, positional=("lang",), required=("lang",), moderator=True),
    Spec("debate", "timezone", {"zone": TEXT}, positional=("zone",), moderator=True),
    Spec("debate", "screen", {"hours": INT, "revoke": ("yes", "no"), "tally": ("live", "hidden")}, moderator=True),
    Spec("speak", None, text=True),
    Spec("ask", None, text=True, text_required=True),
    Spec("vote", None, {"choice": CHOICES}, positional=("choice",), required=("choice",)),
    Spec("motions", None, {"id": TEXT}, positional=("id",)),
    Spec("formats", None),
    Spec("help", None, {"command": TEXT}, text=True),  # `/help poll create`: the rest names a command
    Spec(
        "poll",
        "create",
        {
            "question": TEXT,
            "options": TEXT,
            "mode": ("single", "multi", "ranked"),
            "max": INT,
            "anonymous": ("yes", "no"),
            "closes": TEXT,
            "tally": ("live", "hidden"),
        },
        required=("question", "options"),
        moderator=True,
    ),
    Spec("poll", "vote", {"id": INT, "toggle": ("yes", "no")}, required=("id",), variadic=True),
    Spec("poll", "withdraw", {"id": INT}, positional=("id",), required=("id",)),
    Spec("poll", "close", {"id": INT}, positional=("id",), required=("id",), moderator=True),
    Spec("poll", "results", {"id": INT, "format": ("csv", "json")}, positional=("id",), required=("id",)),
    Spec("poll", "list"),
    Spec("poll", "screen", {"id": INT, "hours": INT, "revoke": ("yes", "no")}, positional=("id",), required=("id",),
         moderator=True),
    Spec("mod", "warn", {"user": USER, "reason": TEXT}, positional=("user",), required=("user",), moderator=True),
    Spec("mod", "mute", {"user": USER, "minutes": INT, "reason": TEXT}, positional=("user", "minutes"), required=("user",),
         moderator=True),
    Spec("mod", "unmute", {"user": USER}, positional=("user",), required=("user",), moderator=True),
    Spec("mod", "strikes", {"user": USER}, positional=("user",), required=("user",), moderator=True),
    Spec("mod", "queue", moderator=True),
    Spec("mod", "approve", {"id": INT}, positional=("id",), required=("id",), moderator=True),
    Spec("mod", "reject", {"id": INT, "reason": TEXT}, required=("id",), moderator=True),
    Spec(
        "mod",
        "filter",
        {"action": ("add", "remove", "list"), "word": TEXT, "allow": ("yes", "no")},
        positional=("action", "word"),
        required=("action",),
        moderator=True,
    ),
    Spec("mod", "slowmode", {"seconds": INT}, positional=("seconds",), required=("seconds",), moderator=True),
    Spec("mod", "role", {"role": TEXT, "remove": ("yes", "no")}, positional=("role",), moderator=True),
    Spec("mod", "log", {"user": USER, "limit": INT}, positional=("user",), moderator=True),
    Spec("mod", "logchannel", {"channel": TEXT, "off": ("yes", "no")}, moderator=True),
    Spec("discuss", "start", {"topic": TEXT}, required=("topic",), moderator=True),
    Spec("discuss", "close", moderator=True),
    Spec("discuss", "export", {"format": MAP_FORMATS}, positional=("format",)),
    Spec("claim", "pro", {"parent": INT}, text=True, text_required=True),
    Spec("claim", "con", {"parent": INT}, text=True, text_required=True),
    Spec("claim", "edit", {"id": INT}, required=("id",), text=True, text_required=True),
    Spec("claim", "remove", {"id": INT}, positional=("id",), required=("id",), moderator=True),
    Spec("claim", "move", {"id": INT, "parent": INT}, required=("id", "parent"), moderator=True),
    Spec("claim", "rate", {"id": INT, "impact": INT}, positional=("id", "impact"), required=("id", "impact")),
    Spec("claim", "reveal", moderator=True),
    Spec("claim", "map", {"id": INT, "depth": INT, "page": INT, "picture": ("yes", "no")}, positional=("id",)),
]

SPECS: dict[tuple[str, str | None], Spec] = {(s.name, s.sub): s for s in _SPEC_LIST}
COMMAND_NAMES: tuple[str, ...] = tuple(dict.fromkeys(s.name for s in _SPEC_LIST))
SUBCOMMANDS: dict[str, tuple[str, ...]] = {
    name: tuple(s.sub for s in _SPEC_LIST if s.name == name and s.sub) for name in COMMAND_NAMES
}


@dataclass(frozen=True)
class _Token:
    value: str
    start: int  # where the raw token starts in the line
    quoted: bool


def _tokens(line: str, usage: str | None, strict: bool = True) -> list[_Token]:
    out: list[_Token] = []
    i, n = 0, len(line)
    # Per closing quote, where it next occurs at or after the last look (-1: nowhere). Looks only
    # move forward, so the line is searched once per kind of quote, not once per opening quote.
    closes: dict[str, int] = {}
    while i < n:
        while i < n and line[i].isspace():
            i += 1
        if i >= n:
            break
        start = i
        buf: list[str] = []
        quoted = False
        while i < n and not line[i].isspace():
            ch = line[i]
            if ch in QUOTES:
                close = QUOTES[ch]
                j = closes.get(close, i)
                if 0 <= j <= i:
                    j = closes[close] = line.find(close, i + 1)
                if j < 0:
                    if strict:
                        raise ParseError("parse.unclosed_quote", usage, quote=ch)
                    buf.append(ch)  # in free text a lone quote is just a character
                    i += 1
                    continue
                buf.append(line[i + 1 : j])
                quoted = True
                i = j + 1
            else:
                buf.append(ch)
                i += 1
        out.append(_Token("".join(buf), start, quoted))
    return out


def _convert(spec: Spec, key: str, raw: str, words: Words = NO_WORDS) -> str | int:
    kind = spec.options[key]
    if kind == INT:
        if not _digits(raw.removeprefix("-")):
            raise ParseError("parse.not_a_number", spec.usage_key, option=key, value=raw[:40])
        value = whole_number(raw)
        if value is None:
            raise ParseError("parse.out_of_range", spec.usage_key, option=key, value=raw[:40])
        return value
    if isinstance(kind, tuple):
        low = raw.lower()
        if low not in kind:
            named = [value for value in kind if value in words.get(raw.strip().casefold(), ())]
            if len(named) == 1:  # `賛成`, as the button reads, is `pro`
                return named[0]
            raise ParseError(
                "parse.bad_choice", spec.usage_key, option=key, value=raw, choices="|".join(kind)
            )
        return low
    if kind == USER:
        return normalise_user(raw)
    return raw


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def whole_number(text: str, limit: int = MAX_NUMBER) -> int | None:
    """`text` as a number from 0 to `limit` when it is written in ASCII digits only, else None.

    `str.isdigit` takes `²` and `①`, which `int` refuses, and `int` takes `١٢`, a sign, spaces
    and `_`; a number a user types is plain 0-9 here, and no huge one is ever converted.
    """
    if not _digits(text):
        return None
    significant = text.lstrip("0")
    if len(significant) > len(str(limit)):
        return None
    value = int(significant or "0")
    return value if value <= limit else None


def normalise_user(raw: str) -> str:
    """`<@123>`, `<@!123>`, `<@U123|name>` and `@name` become the bare id or name."""
    value = raw.strip()
    if value.startswith("<@") and value.endswith(">"):
        value = value[2:-1].lstrip("!")
        value = value.split("|", 1)[0]
    return value.lstrip("@")


def parse(line: str, words: Words = NO_WORDS) -> Command:
    """Parse one command line such as ``/debate join side:pro``.

    `words` are the names the bot shows for fixed values (``賛成`` for ``pro``), taken as those
    values too (:meth:`bot.core.i18n.Catalog.choice_words`).
    """
    if len(line) > MAX_LINE:
        raise ParseError("parse.line_too_long", _usage_of(line), length=len(line), limit=MAX_LINE)
    text = line.strip()
    if not text.startswith("/"):
        raise ParseError("parse.not_a_command")
    head, _, rest_after_head = text[1:].partition(" ")
    name = head.lower()
    if name not in COMMAND_NAMES:
        raise ParseError("parse.unknown_command", None, command=head[:40])
    offset = len(text) - len(rest_after_head)
    rest = text[offset:]
    subs = SUBCOMMANDS[name]
    sub: str | None = None
    if subs:
        first, _, after = rest.strip().partition(" ")
        if not first:
            raise ParseError("parse.missing_subcommand", summary_usage_key(name), command=name)
        if first.lower() not in subs:
            raise ParseError("parse.unknown_subcommand", summary_usage_key(name), command=name, sub=first[:40])
        sub = first.lower()
        rest = after
    spec = SPECS[(name, sub)]
    return _parse_body(spec, rest, words)


def _usage_of(line: str) -> str | None:
    """The usage line of the command a line starts with, read from its first two words only."""
    words = line[:80].split()
    name = words[0][1:].lower() if words and words[0].startswith("/") else ""
    if name not in COMMAND_NAMES:
        return None
    sub = words[1].lower() if len(words) > 1 and SUBCOMMANDS[name] else None
    spec = SPECS.get((name, sub))
    return spec.usage_key if spec else summary_usage_key(name)


def _parse_body(spec: Spec, rest: str, words: Words = NO_WORDS) -> Command:
    tokens = _tokens(rest, spec.usage_key, strict=not spec.text)
    options: dict[str, str | int] = {}
    args: list[str] = []
    positional = list(spec.positional)
    text = ""
    for tok in tokens:
        match = _OPTION_KEY.match(rest, tok.start)
        key = match.group(1).lower() if match else ""
        if key in spec.options:
            if key in options:
                raise ParseError("parse.repeated_option", spec.usage_key, option=key)
            options[key] = _convert(spec, key, tok.value.partition(":")[2], words)
            positional = [p for p in positional if p != key]
            continue
        if spec.text:
            text = rest[tok.start :].strip()
            break
        if positional:
            k = positional.pop(0)
            options[k] = _convert(spec, k, tok.value, words)
            continue
        if spec.variadic:
            args.append(tok.value)
            continue
        if match:
            raise ParseError("parse.unknown_option", spec.usage_key, option=key[:40])
        raise ParseError("parse.unexpected", spec.usage_key, word=tok.value[:40])
    for req in spec.required:
        if req not in options:
            raise ParseError("parse.missing_option", spec.usage_key, option=req)
    if spec.text_required and not text:
        raise ParseError("parse.missing_text", spec.usage_key)
    return Command(spec.name, spec.sub, options, tuple(args), text)


def usage_keys() -> list[str]:
    """Every usage key the catalog must hold."""
    keys = {s.usage_key for s in _SPEC_LIST}
    keys |= {summary_usage_key(n) for n in COMMAND_NAMES}
    return sorted(keys)
