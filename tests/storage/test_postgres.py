"""What only PostgreSQL has: a server to be refused by, several processes migrating one database
at once, and connections the server drops while the bot runs."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime
from urllib.parse import urlsplit

import asyncpg
import pytest

from bot.core.debates.model import ChannelRef, Debate, Stage, VoteRow
from bot.storage import StoreError, open_store
from bot.storage.postgres import PostgresStore
from bot.storage.postgres_setup import newest_version
from bot.testing.postgres import with_database
from tests import postgres

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
PLACE = ChannelRef("discord", "g1", "c1")
# the store's backends of this database, and ending them (waiting up to 5 s for each to exit)
select_backends_waiting = """
SELECT count(*) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
"""
terminate_backends = """
SELECT count(*) FROM (SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity
                      WHERE datname = current_database() AND pid <> pg_backend_pid()) AS ended
"""


def free_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then let go)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def refused(url: str) -> str:
    with pytest.raises(StoreError) as caught:
        await open_store(url)
    message = str(caught.value)
    assert "\n" not in message and caught.value.__cause__ is None and caught.value.__suppress_context__
    return message


@pytest.mark.parametrize("url", ["postgresql://127.0.0.1:notaport/db", "postgresql://[::1/db",
                                 "postgresql://127.0.0.1:99999/db", "postgres://127.0.0.1/db?sslmode=sometimes"])
async def test_a_malformed_url_is_refused_in_one_line(url):
    message = await refused(url)
    assert message.startswith("BOT_DATABASE is not a valid PostgreSQL URL")
    assert "postgresql://user@host:port/database" in message


async def test_a_server_that_is_not_running_is_refused_in_one_line():
    port = free_port()
    message = await refused(f"postgresql://bot:hunter2@127.0.0.1:{port}/debates")
    assert message == f"cannot reach the PostgreSQL server at 127.0.0.1:{port}/debates: connection refused (is it running?)"


async def test_a_missing_database_and_an_unknown_user_are_refused_in_one_line(postgres_server):
    parts = urlsplit(postgres_server)
    missing = with_database(postgres_server, "no_such_debates_db")
    message = await refused(missing)
    assert "no_such_debates_db" in message and "does not exist" in message and "createdb" in message
    host = parts.netloc.rsplit("@", 1)[-1]
    message = await refused(f"postgresql://no_such_bot_user:hunter2@{host}{parts.path}")
    assert "refused the login" in message and "no_such_bot_user" in message
    assert "hunter2" not in message  # never the password


async def test_the_postgres_scheme_and_a_url_with_settings_open_the_store(postgres_url):
    other = "postgres://" + postgres_url.split("://", 1)[1] + "?application_name=debate-bot"
    store = await open_store(other)
    try:
        assert isinstance(store, PostgresStore)
        assert await store.pool.fetchval("SELECT current_setting('application_name')") == "debate-bot"
    finally:
        await store.close()


async def test_several_processes_starting_at_once_migrate_once(postgres_url):
    stores = await asyncio.gather(*(PostgresStore.open(postgres_url) for _ in range(4)))
    try:
        assert [r["version"] for r in await postgres.fetch(postgres_url, "SELECT version FROM schema_version")] == [
            newest_version()]
        did = await stores[0].create_debate(Debate(0, PLACE, PLACE, "m", "t", "x", "quick", "en", "teacher", NOW))
        await stores[1].write_votes([VoteRow(did, "pre", "a", "pro", NOW)])
        await stores[2].write_votes([VoteRow(did, "pre", "a", "con", NOW)])
        assert (await stores[3].load_debate(did)).votes[Stage.PRE] == {"a": "con"}  # one truth
    finally:
        for store in stores:
            await store.close()


async def test_a_dropped_connection_fails_the_call_in_flight_and_the_pool_reconnects(postgres_url):
    """The server ends the store's connection while a batch waits for a lock: that batch raises
    (it is never reported stored), and the next call gets a new connection and is stored."""
    store = await open_store(postgres_url)
    admin = await asyncpg.connect(postgres_url)
    try:
        did = await store.create_debate(Debate(0, PLACE, PLACE, "m", "t", "x", "quick", "en", "teacher", NOW))
        lock = admin.transaction()
        await lock.start()
        await admin.execute("LOCK TABLE votes IN ACCESS EXCLUSIVE MODE")
        in_flight = asyncio.create_task(store.write_votes([VoteRow(did, "pre", "a", "pro", NOW)]))
        for _ in range(500):  # until the server says the batch waits for the lock (bounded)
            if await admin.fetchval(select_backends_waiting):
                break
            await asyncio.sleep(0.01)
        assert await admin.fetchval(terminate_backends) >= 1
        with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, OSError)):
            await in_flight
        await lock.rollback()
        await store.write_votes([VoteRow(did, "pre", "b", "con", NOW)])
        assert (await store.load_debate(did)).votes[Stage.PRE] == {"b": "con"}
    finally:
        await admin.close()
        await store.close()


async def test_ballots_cast_against_an_older_version_of_their_debate_are_left_out(postgres_url):
    store = await PostgresStore.open(postgres_url)
    try:
        d = Debate(0, PLACE, PLACE, "m", "t", "x", "quick", "en", "teacher", NOW)
        d.id = await store.create_debate(d)
        seen = d.version
        await store.save_debate(d)  # another process moves it on: the version goes up
        stale = VoteRow(d.id, "pre", "late", "pro", NOW, seen)
        fresh = VoteRow(d.id, "pre", "ok", "con", NOW, d.version)
        unconditional = VoteRow(d.id, "pre", "any", "pro", NOW)
        assert await store.write_votes([stale, fresh, unconditional]) == [stale]
        assert (await store.load_debate(d.id)).votes[Stage.PRE] == {"ok": "con", "any": "pro"}
        gone = VoteRow(d.id + 99, "pre", "x", "pro", NOW, 1)
        assert await store.write_votes([gone]) == [gone]  # a debate that is gone takes no ballot either
    finally:
        await store.close()


async def test_a_batch_waiting_on_a_phase_change_sees_the_new_version(postgres_url):
    """A phase change (a compare-and-set on the debate) is on its way when a batch of ballots
    arrives: the batch waits for the debate's row, then sees the new version and leaves out the
    ballots cast against the old one, so none lands in a stage after it was counted."""
    store = await PostgresStore.open(postgres_url)
    admin = await asyncpg.connect(postgres_url)
    try:
        d = Debate(0, PLACE, PLACE, "m", "t", "x", "quick", "en", "teacher", NOW)
        d.id = await store.create_debate(d)
        change = admin.transaction()
        await change.start()
        await admin.execute("UPDATE debates SET version = version + 1 WHERE id = $1", d.id)
        late = VoteRow(d.id, "pre", "v", "pro", NOW, d.version)
        batch = asyncio.create_task(store.write_votes([late]))
        for _ in range(500):  # until the server says the batch waits for the debate's row (bounded)
            if await admin.fetchval(select_backends_waiting):
                break
            await asyncio.sleep(0.01)
        assert not batch.done()
        await change.commit()
        assert await batch == [late]
        assert (await store.load_debate(d.id)).votes[Stage.PRE] == {}
    finally:
        await admin.close()
        await store.close()


def test_the_database_named_in_messages_never_carries_a_password():
    from bot.storage import describe

    assert describe("postgresql://bot:s3cret@db.example:6543/debates") == "db.example:6543/debates"
    assert describe("debate-bot.db") == "debate-bot.db"
