"""Whole console lines at random against a live debate and poll: every line is answered (or, as a
comment, ignored), and none ends in a traceback or an "internal error" reply.

The lines go in as bytes through the console's own reading (a strict UTF-8 stdin, now and then
with a byte that is not UTF-8), so the path is the one `python -m bot` runs, on a FakeClock that
the script moves on now and then.
"""

from __future__ import annotations

import asyncio
import io
import logging
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.console.adapter import ConsoleApp, ConsolePort
from bot.app import build_core
from bot.core.debates import export
from bot.core.kernel.commands import SPECS, Choice, Int
from bot.testing.clock import FakeClock

NAMES = ("teacher", "alice", "bob", "pupil1", "pupil2", "mod.x", "a-b")
ROOMS = ("", "", "#main ", "#lobby ", "#discuss-1 ")
ODD_VALUES = (
    "²", "①", "١٢", "٣", "-1", "0", "1", "2", "3", "00", "1000000001", "9" * 30, "99999999999999999999d",
    "9" * 5000 + "m", "10m", "1h30m", "2026-11-22T20:00+09:00", "2026-11-22T20:00", "「", "」", "「x", '"', "“",
    "'", "«", "„", "\x1b[2J", "\x00", "\x07", "\u202e", "\u200b", "@$$", "4$$", "a|b", "a||b", "|", "yes", "no",
    "pro", "con", "undecided", "audience", "single", "multi", "ranked", "hidden", "json", "csv", "md", "html",
    "ja", "en", "add", "remove", "list", "<@alice>", "@bob", "teacher", "*", "ass", "zorb*", "「" * 5000,
)
CHOICE_WORDS = ("1", "2", "3", "rice", "bread", "noodles", "²", "①", "١", "1,2", "pro", "con")  # bare words
OPTION_KEYS = sorted({key for spec in SPECS.values() for key in spec.options} | {"colour", "ID", "x"})
values = st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=12), st.integers(-3, 10**12).map(str))


@st.composite
def command(draw) -> str:
    """A command of the vocabulary, mostly with its required options, then words: its own options
    with values of their sort or odd ones, stray options, bare words and quoted ones."""
    spec = draw(st.sampled_from(list(SPECS.values())))
    head = f"/{spec.name}" + (f" {spec.sub}" if spec.sub else "")
    if draw(st.booleans()):
        head += "".join(f" {key}:{draw(fitting(spec.options[key]))}" for key in spec.required)
    option = st.sampled_from(sorted(spec.options)).flatmap(
        lambda key: st.tuples(st.just(key), st.one_of(fitting(spec.options[key]), values)))
    stray = st.tuples(st.sampled_from(OPTION_KEYS), values)
    word = st.one_of(
        st.one_of(option, option, stray).map(lambda kv: f"{kv[0]}:{kv[1]}") if spec.options else values,
        st.one_of(option, stray).map(lambda kv: f'{kv[0]}:"{kv[1]}"') if spec.options else values,
        st.one_of(values, st.sampled_from(CHOICE_WORDS)),
        st.builds('"{}"'.format, values),
    )
    return " ".join([head, *draw(st.lists(word, max_size=5))])


def fitting(kind: object) -> st.SearchStrategy[str]:
    """Values of the right sort for an option: small ids and counts, its choices, or any text."""
    if isinstance(kind, Int):
        return st.sampled_from(("0", "1", "2", "3", "10", "60"))
    if isinstance(kind, Choice):
        return st.sampled_from(kind.values)
    return values


@st.composite
def line(draw) -> bytes:
    text = draw(st.one_of(
        st.builds("{}{}: {}".format, st.sampled_from(ROOMS), st.sampled_from(NAMES), command()),
        st.builds("{}{}: {}".format, st.sampled_from(ROOMS), st.sampled_from(NAMES), command()),
        st.builds("{}{}: /{}".format, st.sampled_from(ROOMS), st.sampled_from(NAMES), st.text(max_size=30)),
        st.text(max_size=40),
    ))
    raw = text.encode()
    if draw(st.integers(0, 9)) == 0:  # now and then a byte that is not UTF-8, anywhere in the line
        at = draw(st.integers(0, len(raw)))
        raw = raw[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80\x80"])) + raw[at:]
    return raw


step = st.one_of(line(), line(), line(), st.integers(1, 400))  # an int: that many seconds pass


class Errors(logging.Handler):
    """Every log record at ERROR or above: a logged exception is a traceback, seen or not."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class Live:
    """One core with the console on it, a debate and a poll kept running between scripts."""

    def __init__(self, app: ConsoleApp, out: io.StringIO, clock: FakeClock) -> None:
        self.app, self.out, self.clock = app, out, clock
        core = app.core
        self.internal = tuple(core.t(lang, "error.internal") for lang in ("en", "ja"))

    @classmethod
    async def open(cls, folder: Path) -> Live:
        out, clock = io.StringIO(), FakeClock()
        core = await build_core(folder / "fuzz.db", {}, clock=clock)
        port = ConsolePort(out, clock, core.catalog, folder / "exports")
        core.ports["console"] = port
        core.charts = None
        await core.start()
        return cls(ConsoleApp(core, port, frozenset({"teacher"})), out, clock)

    async def keep_live(self) -> None:
        core = self.app.core
        if not core.debates.debates:
            for text in ("teacher: /debate start format:quick", "alice: /debate join side:pro",
                         "bob: /debate join side:con"):
                await self.app.handle_line(text)
        if not core.polls.polls:
            await self.app.handle_line('teacher: /poll create question:"Lunch?" options:"rice|bread|noodles"')

    async def play(self, script: list[bytes | int]) -> str:
        await self.keep_live()
        start = len(self.out.getvalue())
        for item in script:
            if isinstance(item, int):
                self.clock.advance(item)
                for _ in range(10):  # let the scheduler run what fell due
                    await asyncio.sleep(0)
                continue
            stdin = io.TextIOWrapper(io.BytesIO(item + b"\n"), encoding="utf-8", errors="strict")
            await self.app.run(stdin)
        return self.out.getvalue()[start:]


async def no_chart(*args, **kwargs):
    return None  # charts are drawn in test_exports and test_charts; here they would only cost time


def test_no_console_line_ends_in_a_traceback_or_an_internal_error(tmp_path, monkeypatch):
    monkeypatch.setattr(export, "debate_chart", no_chart)
    errors = Errors()
    logging.getLogger("bot").addHandler(errors)
    try:
        with asyncio.Runner() as runner:
            live = runner.run(Live.open(tmp_path))

            @settings(max_examples=150, deadline=None, database=None,
                      suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
            @given(st.lists(step, min_size=1, max_size=8))
            def play(script: list[bytes | int]) -> None:
                printed = runner.run(live.play(script))
                assert not [t for t in live.internal if t in printed], printed
                assert "Traceback" not in printed
                assert not errors.records, [r.getMessage() for r in errors.records]

            try:
                play()
            finally:
                runner.run(live.app.core.stop())
    finally:
        logging.getLogger("bot").removeHandler(errors)
