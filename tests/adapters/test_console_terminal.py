"""The console on a terminal, driven for real. In-process, prompt_toolkit reads keys from its own
pipe input and draws on a VT100 output into a string; for printing while a prompt is up, the
console runs in a child process on a pseudo-terminal, because patch_stdout takes the prompt off
the screen only in prompt_toolkit's default session (the one a real terminal gets), not in one
made with create_app_session.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import pty
import re
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from bot.adapters.console.adapter import ConsoleApp, ConsolePort, without_surrogates
from bot.app import build_core
from bot.core.debates.model import Role
from bot.testing.clock import FakeClock

ROOT = Path(__file__).resolve().parents[2]
UP = "\x1b[A"  # the up-arrow key as a terminal sends it
ENTER = "\r"
CTRL_D = "\x04"


async def until(condition: Callable[[], bool], what: str) -> None:
    """Let the prompt and prompt_toolkit's printing thread work until `condition` holds (each turn
    also gives that thread a millisecond); the fake clock does not move."""
    for _ in range(5_000):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError(f"never happened: {what}")


@contextlib.asynccontextmanager
async def terminal(tmp_path):
    """(app, keys, screen, clock): the console's terminal loop running on a pipe and a VT100 screen.
    A context in the test itself, not a fixture: pytest sets sys.stdout anew between a fixture's
    setup and the test, which would undo the loop's patch_stdout."""
    screen = io.StringIO()
    output = Vt100_Output(screen, lambda: Size(rows=40, columns=200), term="xterm", enable_cpr=False)
    clock = FakeClock()
    with create_pipe_input() as keys, create_app_session(input=keys, output=output):
        core = await build_core(tmp_path / "terminal.db", {}, clock=clock)
        core.charts = None
        # out None: the port prints to sys.stdout as it is, which the terminal loop patches
        port = ConsolePort(None, clock, core.catalog, tmp_path / "exports", language=core.language)
        core.ports["console"] = port
        await core.start()
        app = ConsoleApp(core, port, frozenset({"teacher"}))
        loop = asyncio.create_task(app.run_terminal())
        try:
            await until(shown(screen, "Ctrl-D ends"), "the first prompt")
            yield app, keys, screen, clock
            keys.send_text(CTRL_D)
            await asyncio.wait_for(loop, 30)
        finally:
            loop.cancel()
            await core.stop()


def shown(screen: io.StringIO, text: str, times: int = 1) -> Callable[[], bool]:
    return lambda: screen.getvalue().count(text) >= times


async def test_a_line_after_iam_teacher_acts_as_teacher(tmp_path):
    async with terminal(tmp_path) as (app, keys, screen, _):
        keys.send_text("/iam teacher" + ENTER)
        await until(shown(screen, "You are teacher, a moderator"), "the /iam answer")
        await until(shown(screen, "teacher>"), "the prompt naming teacher")
        keys.send_text("/debate start format:quick" + ENTER)
        await until(shown(screen, "Debate #1"), "the debate opened")
        [debate] = app.core.debates.open_on("console")
        assert debate.created_by == "teacher"
        keys.send_text("alice: /debate join side:pro" + ENTER)  # a named line is still that person's
        await until(lambda: "alice" in debate.participants, "alice joined")
        assert debate.participants["alice"].role is Role.PRO


async def test_the_up_arrow_brings_back_the_line_before(tmp_path):
    async with terminal(tmp_path) as (app, keys, screen, _):
        keys.send_text("teacher: /debate start format:quick" + ENTER)
        await until(shown(screen, "Debate #1"), "the debate opened")
        keys.send_text("alice: /debate join side:con" + ENTER)
        await until(shown(screen, "You joined debate #1 as"), "alice joined")
        keys.send_text(UP + ENTER)  # the same line again, recalled from the history
        await until(shown(screen, "You have already joined as"), "the recalled line answered")
        assert screen.getvalue().count("You joined debate #1 as") == 1


# --- on a real pseudo-terminal: prompt_toolkit as `make run` runs it -------------------------


class Pty:
    """The console harness (tests/procs/console_terminal.py) on a pseudo-terminal: keys in,
    everything the terminal would be sent out, as it was sent (escape sequences and all)."""

    def __init__(self, tmp_path) -> None:
        self.master, slave = pty.openpty()
        control, self.control = os.pipe()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "BOT_"))}
        env["BOT_WEB_PORT"] = "0"  # the web listener on any free port: never a clash with another run
        env.update(PYTHONPATH=str(ROOT), TERM="xterm", PROMPT_TOOLKIT_NO_CPR="1")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.procs.console_terminal", str(tmp_path / "pty.db"), str(control)],
            stdin=slave, stdout=slave, stderr=slave, pass_fds=(control,), cwd=ROOT, env=env,
            start_new_session=True)
        os.close(slave)
        os.close(control)
        self.seen = b""

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def advance(self, seconds: float) -> None:
        os.write(self.control, f"advance {seconds}\n".encode())

    def read_until(self, text: str, after: int = 0, timeout: float = 30.0) -> int:
        """Read what the terminal is sent until `text` shows at or after `after`; its position."""
        want = text.encode()
        deadline = time.monotonic() + timeout
        while (at := self.seen.find(want, after)) < 0:
            ready, _, _ = select.select([self.master], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                raise AssertionError(f"the terminal never showed {text!r}; it showed:\n{self.seen!r}")
            self.seen += os.read(self.master, 65536)
        return at

    def close(self) -> None:
        os.close(self.control)
        if self.proc.poll() is None:
            self.type(CTRL_D)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        os.close(self.master)


@pytest.fixture
def terminal_pty(tmp_path):
    term = Pty(tmp_path)
    try:
        term.read_until("Ctrl-D ends")
        yield term
    finally:
        term.close()


def test_a_post_while_a_line_is_half_typed_prints_above_the_prompt_and_the_line_stays_whole(terminal_pty):
    term = terminal_pty
    term.type("teacher: /debate start format:quick" + ENTER)
    at = term.read_until("Debate #1")
    half = "bob: /debate join si"
    term.type(half)
    typed = term.read_until(half, at)
    term.advance(120)  # the pre-vote's time is up: the timer posts the next phase meanwhile
    posted = term.read_until("Pro speech", typed)
    between = term.seen[typed + len(half):posted]
    # before the post, the prompt and the half line are taken off the screen (cursor back to the
    # start of the prompt, erase down), so the post does not land on the prompt's row ...
    assert b"\x1b[J" in between, between
    assert re.search(rb"\x1b\[\d+D", between), between
    # ... and the prompt is drawn again below the post, with the half line in it
    term.read_until(half, posted)
    term.type("de:con" + ENTER)
    joined = term.read_until("You joined debate #1 as Con", posted)
    assert b"bob: /debate join side:con" in term.seen[posted:joined]


def test_bad_bytes_typed_on_a_terminal_become_replacement_characters():
    """prompt_toolkit decodes a terminal's bytes with surrogateescape; none reaches the store."""
    assert without_surrogates("caf\udcc3\udca9 ok") == "caf\ufffd\ufffd ok"
    assert without_surrogates("café ok") == "café ok"
