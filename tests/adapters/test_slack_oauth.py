"""Slack in many workspaces, end to end on both store engines: two workspaces install through
/slack/install and the OAuth redirect, debate at once with their own tokens, and one uninstalls
while the other carries on; the Home tab; replayed, expired and forged states."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.adapters.slack_oauth_env import oauth_env
from tests.adapters.test_slack_env import texts


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path) -> str:
    if request.param == "postgres":
        return request.getfixturevalue("postgres_url")
    return str(tmp_path / "oauth.db")


def stored_bytes(database: str) -> bytes:
    """Everything a copy of the SQLite database would hold (the file and its write-ahead log)."""
    return b"".join(p.read_bytes() for p in Path(database).parent.glob(Path(database).name + "*")
                    if not p.name.endswith(".secret"))


async def test_two_workspaces_install_debate_at_once_and_one_uninstalls(database):
    async with oauth_env(database) as env:
        fake, core = env.fake, env.core
        page = await env.install("T1", "North School")
        assert "installed in North School" in page
        await env.install("T2", "South School", user="U9")
        t1_token, = fake.workspaces["T1"].tokens
        t2_token, = fake.workspaces["T2"].tokens
        assert await core.store.installations.workspaces("slack") == ["T1", "T2"]
        if not database.startswith("postgres"):  # the tokens are sealed: the file alone gives none
            with sqlite3.connect(database) as db:
                db.execute("PRAGMA wal_checkpoint(FULL)")
            raw = stored_bytes(database)
            assert b"installations" in raw and t1_token.encode() not in raw and t2_token.encode() not in raw

        # --- a debate in each workspace at once, every call with its own workspace's token ---
        north, south = env.driver("T1"), env.driver("T2")
        fake.clear_calls()
        r1 = await north.slash_command("/debate", "start format:quick", user_id="U1", channel_id="C1")
        r2 = await south.slash_command("/debate", "start format:quick", user_id="U9", channel_id="C2")
        assert r1.status == r2.status == 200
        await fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == "C1" and "thread_ts" not in c.args)
        await fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == "C2" and "thread_ts" not in c.args)
        await fake.wait_for("chat.postEphemeral", lambda c: c.args["channel"] == "C2")
        posts = [c for c in fake.calls() if c.method.startswith(("chat.", "views.", "files."))]
        assert posts and all(c.token in (t1_token, t2_token) for c in posts)
        assert {c.args["channel"] for c in posts if c.token == t1_token} == {"C1"}
        assert {c.args["channel"] for c in posts if c.token == t2_token} == {"C2"}
        d1, d2 = sorted(core.debates.debates.values(), key=lambda d: d.id)
        assert (d1.space.workspace, d2.space.workspace) == ("T1", "T2")

        # --- T2 uninstalls: its tokens go, its timers wait; T1 carries on ---
        ev = await south.event({"type": "app_uninstalled"}, team_id="T2")
        assert ev.status == 200
        await env.changed("T2", False)
        fake.revoke("T2")
        assert await core.store.installations.find("slack", "", "T2") is None
        assert ("slack", "T2") in core.away
        await env.settle()
        fake.clear_calls()
        env.clock.advance(121)  # past the two-minute pre-vote of both debates
        await core.run_due()
        await fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == "C1" and "Pro speech" in texts(c.args["blocks"]))
        assert d1.phase_index == 1 and d2.phase_index == 0
        assert not env.calls_in("T2") and all(c.token == t1_token for c in fake.calls() if c.method.startswith("chat."))
        assert await core.store.load_debate(d2.id) is not None  # its record stays

        # --- T2 installs again: its debate picks up where it waited, with the new token ---
        await env.install("T2", "South School", user="U9")
        new_t2, = fake.workspaces["T2"].tokens
        assert new_t2 != t2_token and ("slack", "T2") not in core.away
        await core.run_due()
        await fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == "C2" and c.token == new_t2)
        assert d2.phase_index == 1


async def test_a_replayed_expired_or_forged_state_is_refused_with_a_page(database):
    async with oauth_env(database, state_seconds=60) as env:
        state, cookie = await env.install_page()
        code = env.fake.new_install_code("T1", "North School")
        assert (await env.redirect({"code": code, "state": state}, cookie))[0] == 200
        status, page = await env.redirect({"code": env.fake.new_install_code("T1"), "state": state}, cookie)
        assert status == 401 and "already used, or it has expired" in page and "Traceback" not in page

        state, cookie = await env.install_page()
        env.clock.advance(61)
        status, page = await env.redirect({"code": env.fake.new_install_code("T3"), "state": state}, cookie)
        assert status == 401 and "expired" in page
        status, page = await env.redirect({"code": env.fake.new_install_code("T3"), "state": "forged"}, "forged")
        assert status == 401 and "Start again" in page
        status, page = await env.redirect({"code": env.fake.new_install_code("T3"), "state": "forged"})
        assert status == 400 and "this browser" in page  # no cookie: not the browser that started it
        status, page = await env.redirect({"error": "access_denied", "state": state}, cookie)
        assert status == 200 and "cancelled" in page
        assert await env.core.store.installations.workspaces("slack") == ["T1"]


async def test_a_wrong_client_secret_is_a_clear_page_and_a_logged_refusal(tmp_path, caplog):
    async with oauth_env(str(tmp_path / "o.db"), client_secret="not-the-secret") as env:
        state, cookie = await env.install_page()
        status, page = await env.redirect({"code": env.fake.new_install_code("T1"), "state": state}, cookie)
        assert status == 401 and "SLACK_CLIENT_SECRET" in page and "Traceback" not in page
        assert "bad_client_secret" in caplog.text and "not-the-secret" not in caplog.text
        assert await env.core.store.installations.workspaces("slack") == []


async def test_a_request_from_a_workspace_without_installation_is_refused_politely(tmp_path, caplog):
    async with oauth_env(str(tmp_path / "o.db")) as env:
        r = await env.driver("T7").slash_command("/debate", "start", user_id="U1", channel_id="C1")
        assert r.status == 200
        told = await env.fake.wait_for("response_url")  # bolt answers through the command's response_url
        assert "not installed in this workspace" in told.args["text"] and "インストール" in told.args["text"]
        assert "authorize" in caplog.text.lower() or "installation" in caplog.text.lower()
        assert not env.core.debates.debates and not env.fake.calls("chat.postMessage")


async def test_the_home_tab_shows_the_workspaces_debates_in_the_users_language(database):
    async with oauth_env(database) as env:
        await env.install("T1", "North School")
        await env.install("T2", "South School", user="U9")
        north, south = env.driver("T1"), env.driver("T2")
        # north's debate is stored first (it is #1): its start is posted before south's is sent
        await north.slash_command("/debate", "start format:quick", user_id="U1", channel_id="C1")
        await env.fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == "C1")
        await south.slash_command("/debate", "start format:quick", user_id="U9", channel_id="C2")
        await env.fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == "C2")
        await north.slash_command("/debate", "end", user_id="U1", channel_id="C1")
        await env.fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == "C1" and "Result" in texts(c.args["blocks"]))

        await north.event({"type": "app_home_opened", "user": "U2", "tab": "home", "channel": "D2"})
        published = await env.fake.wait_for("views.publish", lambda c: c.args["user_id"] == "U2")
        assert env.fake.workspace_of(published.token) == "T1"
        home = texts(env.fake.home_views[("T1", "U2")]["blocks"])
        assert "No debate is running" in home and "#debate-club" in home and "#1" in home
        assert "#kyoushitsu" not in home and "Audit log" not in home  # U2 is no moderator

        await south.slash_command("/poll", 'create question:"Lunch at noon?" options:"yes|no" closes:10m',
                                  user_id="U9", channel_id="C2")
        await env.fake.wait_for("chat.postMessage", lambda c: "Lunch at noon?" in texts(c.args.get("blocks", [])))
        await south.event({"type": "app_home_opened", "user": "U9", "tab": "home", "channel": "D9"})
        await env.fake.wait_for("views.publish", lambda c: c.args["user_id"] == "U9")
        home = texts(env.fake.home_views[("T2", "U9")]["blocks"])
        assert "進行中のディベート" in home and "#kyoushitsu" in home and "事前投票" in home and "2:00" in home
        assert "投票 #1: Lunch at noon? · #kyoushitsu · 締め切りまで 10:00" in home
        assert "監査ログ" in home and "#debate-club" not in home  # an admin: the moderator buttons
        assert "締め切った投票はまだありません。" in home

        await south.block_action("poll:1:vote:1", None, user_id="U9", channel_id="C2")
        await env.fake.wait_for("chat.postEphemeral", lambda c: c.args["user"] == "U9")
        await south.slash_command("/poll", "close id:1", user_id="U9", channel_id="C2")
        await env.fake.wait_for("chat.postMessage", lambda c: "Lunch at noon?" in texts(c.args.get("blocks", []))
                                and c.args["channel"] == "C2", count=2)
        await south.event({"type": "app_home_opened", "user": "U9", "tab": "home", "channel": "D9"})
        await env.fake.wait_for("views.publish", lambda c: c.args["user_id"] == "U9", count=2)
        home = texts(env.fake.home_views[("T2", "U9")]["blocks"])
        assert "最近締め切った投票" in home and "投票 #1: Lunch at noon?（#kyoushitsu）: 1位: yes" in home
        north_home = texts(env.fake.home_views[("T1", "U2")]["blocks"])
        assert "Lunch at noon?" not in north_home  # another workspace's poll

        r = await south.block_action("home:mod:filter", user_id="U9", channel_id=None, view_id="VH1")
        assert r.status == 200
        modal = await env.fake.wait_for("views.open")
        assert env.fake.workspace_of(modal.token) == "T2" and modal.args["view"]["type"] == "modal"
        assert "このサーバーの語句リスト" in texts(modal.args["view"]["blocks"])  # in the clicker's language
        await north.block_action("home:mod:log", user_id="U2", channel_id=None, view_id="VH2")
        refused = await env.fake.wait_for("views.open", count=2)  # not a moderator: the core says so
        assert env.fake.workspace_of(refused.token) == "T1" and "moderator" in texts(refused.args["view"]["blocks"])


async def test_tokens_rotate_before_they_expire_for_requests_and_for_timers(tmp_path):
    async with oauth_env(str(tmp_path / "o.db")) as env:
        fake, core = env.fake, env.core
        fake.expires_in = 3600  # inside bolt's two hours before expiry: the next use rotates it
        await env.install("T1", "North School", rotation=True)
        first, = fake.workspaces["T1"].tokens
        fake.expires_in = 43200
        await env.driver("T1").slash_command("/debate", "start format:quick", user_id="U1", channel_id="C1")
        opening = await fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == "C1")
        refresh = fake.calls("oauth.v2.access")[-1]
        assert refresh.args["grant_type"] == "refresh_token" and refresh.ok
        assert opening.token != first and opening.token == refresh.response["access_token"]
        stored = await env.oauth.installs.async_find_installation(enterprise_id=None, team_id="T1")
        assert stored.bot_token == opening.token and stored.bot_refresh_token == refresh.response["refresh_token"]

        # a timer, with no request running, rotates by itself too
        fake.expires_in = 43200
        stored.bot_token_expires_at = 0  # as if twelve hours went by
        await env.oauth.installs.async_save(stored)
        env.clock.advance(121)
        await core.run_due()
        phase = await fake.wait_for("chat.postMessage", lambda c: "Pro speech" in texts(c.args["blocks"]))
        assert phase.token == fake.calls("oauth.v2.access")[-1].response["access_token"] != opening.token


async def test_tokens_revoked_removes_the_installation(tmp_path):
    async with oauth_env(str(tmp_path / "o.db")) as env:
        await env.install("T1", "North School")
        bot_id = env.fake.workspaces["T1"].bot_id
        r = await env.driver("T1").event({"type": "tokens_revoked", "tokens": {"bot": [bot_id]}})
        assert r.status == 200
        await env.changed("T1", False)
        assert await env.core.store.installations.workspaces("slack") == []


async def test_the_tally_edit_budget_is_per_workspace(tmp_path):
    from bot.adapters.slack.port import EDITS_PER_MINUTE, channel_ref
    from bot.core.kernel.cards import Card

    async with oauth_env(str(tmp_path / "o.db")) as env:
        await env.install("T1", "North School")
        await env.install("T2", "South School", user="U9")
        port = env.oauth.port
        for team, channel in (("T1", "C1"), ("T2", "C2")):
            for n in range(EDITS_PER_MINUTE + 5):
                ts = env.fake.seed_message(channel, f"tally {n}")["ts"]
                await port.edit(channel_ref(team, channel), ts, Card("tally", title=f"{team} {n}"))
        await env.settle()  # every sender either sent or sleeps on the clock
        for team in ("T1", "T2"):
            assert len(env.calls_in(team, "chat.update")) == EDITS_PER_MINUTE == port.budget.used(team)
        assert port.pending_edits() == 10  # the rest wait for the next minute; none is dropped


async def test_an_uninstall_seen_by_another_process_stops_the_timers_here_too(database):
    async with oauth_env(database) as env:
        await env.install("T1", "North School")
        await env.install("T2", "South School", user="U9")
        await env.driver("T2").slash_command("/debate", "start format:quick", user_id="U9", channel_id="C2")
        await env.fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == "C2")
        # another HTTP worker received app_uninstalled and deleted the installation from the store
        await env.core.store.installations.delete("slack", "", "T2")
        await env.core.sync()
        assert env.core.away == {("slack", "T2")}
        await env.install("T2", "South School", user="U9")
        assert env.core.away == set()
