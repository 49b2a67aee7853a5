from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from bot.adapters.console.adapter import ConsoleApp, ConsolePort
from bot.app import build_core
from bot.core.debates.model import Actor, ChannelRef
from bot.core.kernel.request import Request
from bot.core.service import Core
from bot.testing.chat import FakeChat
from bot.testing.clock import FakeClock
from tests import postgres

CHANNEL = ChannelRef("test", "w1", "c1")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """Tests never read the developer's tokens or settings."""
    for name in ("DISCORD_TOKEN", "DISCORD_GUILD_ID", "DISCORD_SHARD_COUNT", "DISCORD_SHARDS",
                 "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_MODERATORS",
                 "BOT_DATABASE", "BOT_EXPORT_DIR", "BOT_MODERATORS", "BOT_SECRET", "BOT_PROMPTS",
                 "BOT_LOG_LEVEL", "BOT_TIMEZONE", "SLACK_PORT", "SLACK_HOST", "SLACK_CLIENT_ID",
                 "SLACK_CLIENT_SECRET", "SLACK_INSTALL_URL_BASE", "SLACK_API_URL", "BOT_WEB_HOST", "BOT_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BOT_WEB_PORT", "0")  # the bot's web listener starts with every adapter: on any free port


_postgres_skipped: list[str] = []  # why the PostgreSQL tests were skipped, for the one summary line


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The test server's admin URL (`BOT_TEST_POSTGRES`). Without a server the test is skipped,
    or with `BOT_REQUIRE_POSTGRES=1` (CI) fails."""
    why = postgres.reachable()
    if why is not None:
        from bot.storage.postgres_setup import where

        message = f"no PostgreSQL server at {where(postgres.admin_url())} ({why}); set BOT_TEST_POSTGRES"
        if postgres.required():
            pytest.fail(f"{message} (BOT_REQUIRE_POSTGRES=1 makes it an error)", pytrace=False)
        _postgres_skipped.append(message)
        pytest.skip(message)
    return postgres.admin_url()


@pytest.fixture
def postgres_url(postgres_server) -> Iterator[str]:
    """A fresh, empty database of this test's own on the test server, dropped afterwards."""
    name, url = postgres.create_database()
    yield url
    postgres.drop_database(name)


def pytest_terminal_summary(terminalreporter) -> None:
    if _postgres_skipped:
        terminalreporter.write_line(f"PostgreSQL tests skipped: {_postgres_skipped[0]}")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def chat() -> FakeChat:
    return FakeChat()


@pytest.fixture
async def core(tmp_path, chat, clock) -> Core:
    core = await build_core(tmp_path / "test.db", {"test": chat}, clock=clock)
    await core.start()
    yield core
    await core.stop()


def actor(name: str, moderator: bool = False) -> Actor:
    return Actor("test", "w1", name, name.title(), is_admin=moderator)


async def say(core: Core, name: str, line: str, channel: ChannelRef = CHANNEL, moderator: bool | None = None):
    """Run one command as `name` (teacher is a moderator) and return the reply cards."""
    is_mod = name == "teacher" if moderator is None else moderator
    replies = await core.handle(Request(actor(name, is_mod), channel, line))
    return [r.card for r in replies]


@pytest.fixture
async def console(tmp_path):
    """The console adapter on a fake clock: (app, printed output, clock); `teacher` moderates."""
    out = io.StringIO()
    clock = FakeClock()
    core = await build_core(tmp_path / "console.db", {}, clock=clock)
    port = ConsolePort(out, clock, core.catalog, tmp_path / "exports", language=core.language)
    core.ports["console"] = port
    await core.start()
    yield ConsoleApp(core, port, frozenset({"teacher"})), out, clock
    await core.stop()
