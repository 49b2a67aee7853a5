"""What a command option takes, declared once: its kind, its range, and how a refusal reads.

A command's values are a frozen dataclass whose fields carry their kind in ``Annotated`` (see
:mod:`bot.core.kernel.command_specs`); :class:`Spec` reads the fields once, and everything else — the
parser, the typed values a handler reads, the Discord option, the help — asks the spec.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, get_type_hints

Raw = str | int  # an option as a command holds it: the parser's text, or an int for Int options
Words = Mapping[str, frozenset[str]]  # a word as the bot shows it (`賛成`) -> the values it names
NO_WORDS: Words = {}
MAX_NUMBER = 10**9  # the largest number an option takes unless its spec says less
_DIGITS = re.compile(r"[0-9]+")


class ParseError(Exception):
    """A mistyped command: `key` names the catalog message, `usage` the usage line's key."""

    def __init__(self, key: str, usage: str | None = None, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.usage = usage
        self.params = params


def whole_number(text: str, limit: int = MAX_NUMBER) -> int | None:
    """`text` as a number from 0 to `limit` when it is written in ASCII digits only, else None.

    `str.isdigit` takes `²` and `①`, which `int` refuses, and `int` takes `١٢`, a sign, spaces
    and `_`; a number a user types is plain 0-9 here, and no huge one is ever converted.
    """
    if not _DIGITS.fullmatch(text):
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


@dataclass(frozen=True)
class Int:
    """A whole number from `low` to `high`; a number outside is refused with `refusal` (a catalog
    key given `option`, `value`, `min` and `max`) and the command's usage.

    `narrowed`: the handler's rule narrows the range by what else the command says and refuses
    with that (`/poll create max:` is 1 to the number of options, at most `high`), so the parser
    and `read` refuse only what is not a number up to MAX_NUMBER, and the platforms offer the
    range `low`-`high`."""

    low: int = 0
    high: int = MAX_NUMBER
    refusal: str = "parse.out_of_range"
    narrowed: bool = False

    def parse(self, option: str, raw: str, usage: str, words: Words = NO_WORDS) -> int:
        if not _DIGITS.fullmatch(raw.removeprefix("-")):
            raise ParseError("parse.not_a_number", usage, option=option, value=raw[:40])
        value = whole_number(raw, MAX_NUMBER if self.narrowed else self.high)
        if value is None:
            raise self.out_of_range(option, raw, usage)
        return self.check(option, value, usage)

    def check(self, option: str, value: Raw, usage: str) -> int:
        number = int(value)
        if not self.narrowed and not self.low <= number <= self.high:
            raise self.out_of_range(option, str(value), usage)
        return number

    def out_of_range(self, option: str, raw: str, usage: str) -> ParseError:
        key = "parse.out_of_range" if self.narrowed else self.refusal
        return ParseError(key, usage, option=option, value=raw[:40], min=self.low, max=self.high)


@dataclass(frozen=True)
class Text:
    """Any text, as typed (quotes removed)."""

    def parse(self, option: str, raw: str, usage: str, words: Words = NO_WORDS) -> str:
        return raw

    def check(self, option: str, value: Raw, usage: str) -> str:
        return str(value)


@dataclass(frozen=True)
class User(Text):
    """A user: a mention (`<@123>`, `<@U123|name>`), `@name` or a bare id or name."""

    def parse(self, option: str, raw: str, usage: str, words: Words = NO_WORDS) -> str:
        return normalise_user(raw)


@dataclass(frozen=True)
class Choice:
    """One of `values`, in any case, or a word the bot shows for one of them (`賛成` for `pro`).

    `names` is the catalog section naming each value where a platform offers the choices
    (`side.pro`, `discord.choice.md`)."""

    values: tuple[str, ...]
    names: str = "discord.choice"

    def parse(self, option: str, raw: str, usage: str, words: Words = NO_WORDS) -> str:
        low = raw.lower()
        if low in self.values:
            return low
        named = [value for value in self.values if value in words.get(raw.strip().casefold(), ())]
        if len(named) == 1:
            return named[0]
        raise ParseError("parse.bad_choice", usage, option=option, value=raw, choices="|".join(self.values))

    def check(self, option: str, value: Raw, usage: str) -> str:
        if value not in self.values:
            raise ParseError("parse.bad_choice", usage, option=option, value=str(value)[:40],
                             choices="|".join(self.values))
        return str(value)


@dataclass(frozen=True)
class Flag(Choice):
    """`yes` or `no`; a handler reads it as a bool."""

    values: tuple[str, ...] = ("yes", "no")
    names: str = ""  # a platform shows a yes/no option as its own true/false

    def check(self, option: str, value: Raw, usage: str) -> bool:  # type: ignore[override]
        return super().check(option, value, usage) == "yes"


@dataclass(frozen=True)
class FreeText:
    """The command's free text, last on the line and kept exactly as typed."""


@dataclass(frozen=True)
class Rest:
    """The bare words after the options (`/poll vote id:3 tea water`), in order."""


@dataclass(frozen=True)
class About:
    """The catalog key under `discord.opt.` saying what an option means, where it is not the
    option's own name (`extend_seconds` for `/debate extend seconds:`); the help and the Discord
    option show it."""

    key: str


Kind = Int | Text | Choice


@dataclass(frozen=True, slots=True)
class NoOptions:
    """The values of a command that takes none."""


@dataclass(frozen=True)
class Spec:
    """One command: its name, its values (a dataclass of annotated fields) and how bare words
    fill them. Options, what is required and whether free text follows are read from `values`."""

    name: str
    sub: str | None = None
    values: type = NoOptions
    positional: tuple[str, ...] = ()  # bare words fill these options in order
    moderator: bool = False
    options: dict[str, Kind] = field(init=False)
    # option, `<text>` or `<choice> …` -> the key under `discord.opt.` that says what it means
    about: dict[str, str] = field(init=False)
    required: tuple[str, ...] = field(init=False)
    text: bool = field(init=False)  # free text last
    text_required: bool = field(init=False)
    variadic: bool = field(init=False)  # further bare words go to Command.args
    _text_field: str | None = field(init=False, repr=False)
    _rest_field: str | None = field(init=False, repr=False)
    # Worked out once: `read` runs on every command, ballots included.
    _usage: str = field(init=False, repr=False)
    _checks: tuple[tuple[str, Any], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        hints = get_type_hints(self.values, include_extras=True)
        options: dict[str, Kind] = {}
        about: dict[str, str] = {}
        required: list[str] = []
        text_field = rest_field = None
        text_required = False
        for f in dataclasses.fields(self.values):
            kind = _kind_of(hints[f.name])
            optional = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
            name = f.name
            if isinstance(kind, FreeText):
                text_field, text_required, name = f.name, not optional, "<text>"
            elif isinstance(kind, Rest):
                rest_field, name = f.name, "<choice> …"
            else:
                options[f.name] = kind
                if not optional:
                    required.append(f.name)
            said = next((m.key for m in getattr(hints[f.name], "__metadata__", ()) if isinstance(m, About)), None)
            if said is not None or name == f.name:  # free text and bare words are listed where they are described
                about[name] = said or f.name
        for key, value in (("options", options), ("about", about), ("required", tuple(required)), ("text", text_field is not None),
                           ("text_required", text_required), ("variadic", rest_field is not None),
                           ("_text_field", text_field), ("_rest_field", rest_field),
                           ("_usage", f"usage.{self.name}" + (f".{self.sub}" if self.sub else "")),
                           ("_checks", tuple((key, kind.check) for key, kind in options.items()))):
            object.__setattr__(self, key, value)

    @property
    def usage_key(self) -> str:
        return self._usage

    def read(self, options: Mapping[str, Raw], args: tuple[str, ...], text: str) -> Any:
        """The typed values of a command, each checked against its kind and range.

        Raises:
            ParseError: a value out of its range or choices, or a required one missing.
        """
        usage = self._usage
        given: dict[str, object] = {}
        for key, check in self._checks:
            raw = options.get(key)
            if raw is not None:
                given[key] = check(key, raw, usage)
        for key in self.required:
            if key not in given:
                raise ParseError("parse.missing_option", usage, option=key)
        if self._text_field is not None:
            if self.text_required and not text:
                raise ParseError("parse.missing_text", usage)
            given[self._text_field] = text
        if self._rest_field is not None:
            given[self._rest_field] = args
        return self.values(**given)


def _kind_of(hint: object) -> Kind | FreeText | Rest:
    for extra in getattr(hint, "__metadata__", ()):
        if isinstance(extra, Int | Text | Choice | FreeText | Rest):
            return extra
    raise TypeError(f"a command value needs its kind in Annotated[..., kind], not {hint!r}")
