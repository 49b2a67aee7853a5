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
from dataclasses import dataclass, field
from typing import TypeVar

from bot.core.kernel.command_specs import (
    CHOICES,
    EXPORT_FORMATS,
    FILTER_ACTIONS,
    FLAGGED,
    LANGS,
    POLL_EXPORTS,
    POLL_MODES,
    SIDES,
    SPEC_LIST,
    TALLIES,
)
from bot.core.kernel.command_types import (
    MAX_NUMBER,
    NO_WORDS,
    Choice,
    Flag,
    Int,
    ParseError,
    Raw,
    Spec,
    Text,
    User,
    Words,
    normalise_user,
    whole_number,
)

__all__ = [
    "CHOICES", "COMMAND_NAMES", "EXPORT_FORMATS", "FILTER_ACTIONS", "FLAGGED", "LANGS", "MAX_LINE", "MAX_NUMBER",
    "POLL_EXPORTS", "POLL_MODES", "QUOTES", "SIDES", "SPECS", "SUBCOMMANDS", "TALLIES", "Choice", "Command", "Flag",
    "Int", "ParseError", "Spec", "Text", "User", "Words", "normalise_user", "parse", "summary_usage_key",
    "usage_keys", "whole_number",
]

_OPTION_KEY = re.compile(r"([A-Za-z_]+):")
QUOTES = {'"': '"', "'": "'", "“": "”", "„": "“", "«": "»", "「": "」"}
MAX_LINE = 4000  # characters in one command line: a longest speech (3,000) and its command fit
V = TypeVar("V")


def summary_usage_key(name: str) -> str:
    """The usage line of a whole command: `usage.vote`, or `usage.debate.summary` for one with subcommands."""
    return f"usage.{name}.summary" if SUBCOMMANDS.get(name) else f"usage.{name}"


@dataclass(frozen=True)
class Command:
    """A command as a platform delivered it: options as typed (ints for Int options), bare words
    in `args`, free text in `text`. A handler reads its typed values with :meth:`read`."""

    name: str
    sub: str | None = None
    options: dict[str, Raw] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    text: str = ""
    # What `read` made of it: a parsed line is kept and handled again (`/vote pro` on every
    # ballot), and its values are then read once (2 us a ballot on the bench's machine).
    _values: object = field(default=None, init=False, repr=False, compare=False)

    @property
    def spec(self) -> Spec:
        return SPECS[(self.name, self.sub)]

    def read(self, values: type[V]) -> V:
        """The command's values as its spec's dataclass `values`, each checked against its kind
        and range (a command built by an adapter has not been through the parser).

        Raises:
            ParseError: a value out of range or a required one missing, with the usage.
            TypeError: `values` is not this command's (a handler registered for another command).
        """
        known = self._values
        if type(known) is values:
            return known
        spec = SPECS[(self.name, self.sub)]
        if spec.values is not values:
            raise TypeError(f"/{self.name} {self.sub or ''} holds {spec.values.__name__}, not {values.__name__}")
        read: V = spec.read(self.options, self.args, self.text)
        object.__setattr__(self, "_values", read)
        return read


SPECS: dict[tuple[str, str | None], Spec] = {(s.name, s.sub): s for s in SPEC_LIST}
COMMAND_NAMES: tuple[str, ...] = tuple(dict.fromkeys(s.name for s in SPEC_LIST))
SUBCOMMANDS: dict[str, tuple[str, ...]] = {
    name: tuple(s.sub for s in SPEC_LIST if s.name == name and s.sub) for name in COMMAND_NAMES
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


def parse(line: str, words: Words = NO_WORDS) -> Command:
    """Parse one command line such as ``/debate join side:pro``.

    `words` are the names the bot shows for fixed values (``賛成`` for ``pro``), taken as those
    values too (:meth:`bot.core.kernel.i18n.Catalog.choice_words`).
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
    options: dict[str, Raw] = {}
    args: list[str] = []
    positional = list(spec.positional)
    text = ""
    for tok in tokens:
        match = _OPTION_KEY.match(rest, tok.start)
        key = match.group(1).lower() if match else ""
        if key in spec.options:
            if key in options:
                raise ParseError("parse.repeated_option", spec.usage_key, option=key)
            options[key] = spec.options[key].parse(key, tok.value.partition(":")[2], spec.usage_key, words)
            positional = [p for p in positional if p != key]
            continue
        if spec.text:
            text = rest[tok.start :].strip()
            break
        if positional:
            k = positional.pop(0)
            options[k] = spec.options[k].parse(k, tok.value, spec.usage_key, words)
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
    keys = {s.usage_key for s in SPEC_LIST}
    keys |= {summary_usage_key(n) for n in COMMAND_NAMES}
    return sorted(keys)
