"""The Slack listeners: retries act once, forged and stale requests are refused, text never pings,
moderators come from Slack's admin flags and SLACK_MODERATORS."""

from __future__ import annotations

import asyncio
import json

from bot.core.debates.model import Choice, Stage
from tests.adapters.test_slack_env import CHANNEL, action_ids, dump, slack_env, texts


def openings(fake):
    return [c for c in fake.calls("chat.postMessage") if "thread_ts" not in c.args and c.args.get("channel") == CHANNEL]


async def start(env, user="U1", text="start format:quick"):
    await env.driver.slash_command("/debate", text, user_id=user)
    await env.ephemeral(user, "started")
    opening = openings(env.fake)[-1]
    tally = await env.fake.wait_for(
        "chat.postMessage", lambda c: any(":vote:" in a for a in action_ids(c.args.get("blocks", []))))
    return opening.response["ts"], tally.response["ts"]


async def test_a_retried_slash_command_acts_once(tmp_path):
    async with slack_env(tmp_path) as env:
        first = await env.driver.slash_command("/debate", "start format:quick", user_id="U1")
        again = await env.driver.retry(first, retry_num=1, retry_reason="http_timeout")
        assert first.status == again.status == 200
        handled = await env.spy.wait(lambda q, r: q.line.startswith("/debate start"), count=2)
        assert handled[0][0].dedupe_key == handled[1][0].dedupe_key
        assert sorted(len(r) for _, r in handled) == [0, 1]  # the repeat was ignored by the core
        assert len(openings(env.fake)) == 1
        assert len(env.core.debates.debates) == 1


async def test_a_repeated_button_payload_votes_once(tmp_path):
    async with slack_env(tmp_path) as env:
        _, tally_ts = await start(env)
        click = await env.driver.block_action("debate:1:vote:pro", "debate:1:vote:pro", user_id="U4",
                                              channel_id=CHANNEL, message_ts=tally_ts)
        await env.driver.retry(click)
        await env.ephemeral("U4", "Your vote: Pro")
        handled = await env.spy.wait(lambda q, r: q.command is not None and q.command.name == "vote", count=2)
        assert sorted(len(r) for _, r in handled) == [0, 1]
        assert [c.args["text"] for c in env.fake.calls("chat.postEphemeral") if c.args["user"] == "U4"] == [
            "Your vote: Pro. You can change it until the vote closes."]
        assert env.core.debates.debates[1].votes[Stage.PRE] == {"U4": Choice.PRO}

        # a second, genuine click (new action_ts) is a new request
        await env.driver.block_action("debate:1:vote:pro", "debate:1:vote:pro", user_id="U4", channel_id=CHANNEL,
                                      message_ts=tally_ts, action={"action_ts": "1700009999.000001"})
        await env.ephemeral("U4", "Your vote stays Pro")


async def test_a_retried_event_and_a_resubmitted_modal_act_once(tmp_path):
    async with slack_env(tmp_path) as env:
        event = {"type": "app_mention", "user": "U8", "text": "<@UBOT> help", "ts": "1700000100.000100",
                 "channel": CHANNEL, "event_ts": "1700000100.000100"}
        first = await env.driver.event(event, event_id="Ev123")
        again = await env.driver.retry(first, retry_num=1)
        assert first.status == again.status == 200
        await env.ephemeral("U8", "Commands")
        await env.spy.wait(lambda q, r: q.dedupe_key and q.dedupe_key.endswith("Ev123"), count=2)
        helps = [c for c in env.fake.calls("chat.postEphemeral") if c.args["user"] == "U8"]
        assert len(helps) == 1 and "/debate start" in texts(helps[0].args["blocks"])

        # the modal: a second delivery of the same view submission posts nothing more
        await start(env)
        await env.driver.block_action("debate:1:join:pro", "debate:1:join:pro", user_id="U2", channel_id=CHANNEL,
                                      message_ts=openings(env.fake)[-1].response["ts"])
        await env.ephemeral("U2", "joined")
        await env.driver.slash_command("/debate", "next", user_id="U1")
        await env.ephemeral("U1", "Moved on")
        await env.driver.slash_command("/speak", "", user_id="U2")
        view_id = (await env.fake.wait_for("views.open")).response["view"]["id"]
        submitted = await env.driver.view_submission(values={"speech": {"text": "Once only."}}, view_id=view_id,
                                                     user_id="U2")
        await env.driver.retry(submitted)
        await env.spy.wait(lambda q, r: q.command is not None and q.command.name == "speak", count=2)
        assert len([c for c in env.fake.calls("chat.postMessage") if "Once only." in dump(c.args)]) == 1


async def test_every_listener_acknowledges_before_the_core_or_the_database_runs(tmp_path):
    async with slack_env(tmp_path) as env:
        root, _ = await start(env)
        gate, entered = asyncio.Event(), []
        handle, language = env.core.handle, env.core.language

        async def held(request):
            entered.append(request)
            await gate.wait()
            return await handle(request)

        async def held_language(ref):
            await gate.wait()
            return await language(ref)

        env.core.handle, env.core.language = held, held_language  # type: ignore[method-assign]
        async with asyncio.timeout(2):  # bolt waits up to 3 s for ack() and then answers 404
            command = await env.driver.slash_command("/vote", "pro", user_id="U4")
            click = await env.driver.block_action("debate:1:vote:con", "debate:1:vote:con", user_id="U5",
                                                  channel_id=CHANNEL, message_ts=root)
            view = await env.driver.view_submission("speak", {"speech": {"text": "Held."}},
                                                    json.dumps({"channel": CHANNEL}), user_id="U6")
        assert (command.status, click.status, view.status) == (200, 200, 200)
        async with asyncio.timeout(3):
            while len(entered) < 3:
                await asyncio.sleep(0.01)
        assert env.core.debates.debates[1].votes[Stage.PRE] == {}  # nothing ran before the gate opened
        gate.set()
        await env.ephemeral("U4", "Your vote: Pro")
        await env.ephemeral("U5", "Your vote: Con")


async def test_forged_and_stale_requests_are_refused_before_anything_runs(tmp_path):
    async with slack_env(tmp_path) as env:
        forged = await env.driver.slash_command("/debate", "start format:quick", user_id="U1", bad_signature=True)
        stale = await env.driver.slash_command("/debate", "start format:quick", user_id="U1", stale=True)
        click = await env.driver.block_action("debate:1:vote:pro", "debate:1:vote:pro", user_id="U4",
                                              bad_signature=True)
        assert (forged.status, stale.status, click.status) == (401, 401, 401)
        assert env.fake.calls() == [] and env.spy.handled == []

        await env.driver.slash_command("/motions", "", user_id="U8")  # a genuine one does run
        await env.fake.wait_for("chat.postMessage")
        assert len(env.spy.handled) == 1


async def test_user_text_arrives_escaped_everywhere(tmp_path):
    async with slack_env(tmp_path) as env:
        motion = 'motion:"<!channel> This house would fine <@U2> & <!here> >:)"'
        await env.driver.slash_command("/debate", f"start format:quick {motion}", user_id="U1")
        opening = await env.fake.wait_for("chat.postMessage", lambda c: "thread_ts" not in c.args)
        assert "&lt;!channel&gt; This house would fine &lt;@U2&gt; &amp; &lt;!here&gt; &gt;:)" in texts(opening.args["blocks"])
        started = await env.ephemeral("U1", "started")
        for call in (opening, started):
            raw = dump(call.args)
            assert "<!channel>" not in raw and "<!here>" not in raw and "<@U2>" not in raw
            assert "&lt;!channel&gt;" in call.args["text"]  # the fallback text too

        # Slack sends typed &, < and > as entities: they are shown once, not double-escaped
        await env.driver.slash_command("/ask", "Is &lt;!everyone&gt; &amp; <#C2|secret> invited?", user_id="U8")
        queued = await env.ephemeral("U8", "waiting for a moderator")
        assert "<!everyone>" not in dump(queued.args)
        await env.driver.slash_command("/mod", "queue", user_id="U1")
        listed = await env.ephemeral("U1", "Questions waiting")
        assert "Is &lt;!everyone&gt; &amp; &lt;#C2|secret&gt; invited?" in texts(listed.args["blocks"])


async def test_moderators_are_admins_owners_and_the_listed_users(tmp_path):
    async with slack_env(tmp_path, moderators=frozenset({"U7"})) as env:
        # a student is refused, and nothing starts
        await env.driver.slash_command("/debate", "start format:quick", user_id="U8")
        refusal = await env.ephemeral("U8", "Only a moderator may do that.")
        assert "/debate start" in texts(refusal.args["blocks"])  # with the usage line
        assert openings(env.fake) == []

        # SLACK_MODERATORS lists U7 (not an admin on Slack)
        await start(env, user="U7")
        assert len(env.core.debates.debates) == 1
        # the owner U9 may drive it; the admin U1 may end it
        await env.driver.slash_command("/debate", "next", user_id="U9")
        await env.ephemeral("U9", "Moved on")
        await env.driver.slash_command("/debate", "end", user_id="U1")
        await env.fake.wait_for("chat.postMessage", lambda c: "Result · debate #1" in dump(c.args),
                                     timeout=20)  # the chart is drawn first
        await env.driver.slash_command("/debate", "start format:quick", user_id="U1")
        await env.ephemeral("U1", "started", count=1)

        # users.info is asked once per user, then cached
        asked = [c.args["user"] for c in env.fake.calls("users.info")]
        assert sorted(asked) == sorted(set(asked))


async def test_moderator_check_is_chained_not_replaced(tmp_path):
    async with slack_env(tmp_path) as env:
        from bot.core.debates.model import Actor

        assert await env.core.is_moderator(Actor("slack", "T1", "U7", "listed"))
        assert await env.core.is_moderator(Actor("slack", "T1", "U1", "teacher"))  # admin via users.info
        assert not await env.core.is_moderator(Actor("slack", "T1", "U8", "student"))
        # other platforms keep their own verdict
        assert await env.core.is_moderator(Actor("console", "local", "U8", "x", is_admin=True))
        assert not await env.core.is_moderator(Actor("console", "local", "U7", "x"))


async def test_public_replies_go_into_the_debate_thread(tmp_path):
    async with slack_env(tmp_path) as env:
        root, _ = await start(env)
        await env.driver.slash_command("/debate", "status", user_id="U8")
        status = await env.fake.wait_for("chat.postMessage", lambda c: "Votes so far" in texts(c.args.get("blocks", [])))
        assert status.args["thread_ts"] == root
        await env.driver.slash_command("/motions", "", user_id="U8", channel_id="C2")  # no debate there
        listed = await env.fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == "C2")
        assert "thread_ts" not in listed.args and "public-ban" in texts(listed.args["blocks"])


async def test_the_speech_modal_opens_only_for_whoever_holds_the_floor(tmp_path):
    async with slack_env(tmp_path) as env:
        await env.driver.slash_command("/speak", "", user_id="U2")
        await env.ephemeral("U2", "No debate is running here")
        root, _ = await start(env)
        await env.driver.slash_command("/speak", "", user_id="U2")  # the pre-vote: nobody speaks
        await env.ephemeral("U2", "Nobody speaks in this phase")
        for user, side in (("U2", "pro"), ("U3", "con")):
            await env.driver.block_action(f"debate:1:join:{side}", f"debate:1:join:{side}", user_id=user,
                                          channel_id=CHANNEL, message_ts=root)
            await env.ephemeral(user, "joined")
        await env.driver.slash_command("/debate", "next", user_id="U1")
        await env.ephemeral("U1", "Moved on")
        await env.driver.slash_command("/speak", "", user_id="U3")  # pro has the floor
        await env.ephemeral("U3", "It is not your turn")
        assert env.fake.calls("views.open") == []
        await env.driver.slash_command("/speak", "", user_id="U2")
        opened = await env.fake.wait_for("views.open")
        assert opened.args["view"]["blocks"][0]["element"]["max_length"] == 1260


async def test_an_unknown_command_word_gets_the_usage(tmp_path):
    async with slack_env(tmp_path) as env:
        await env.driver.slash_command("/debate", "begin", user_id="U1")
        reply = await env.ephemeral("U1", "has no subcommand")
        assert "/debate start" in texts(reply.args["blocks"])


async def test_a_failing_ephemeral_falls_back_to_a_direct_message(tmp_path):
    async with slack_env(tmp_path) as env:
        env.fake.fail_next("chat.postEphemeral", "user_not_in_channel")
        await env.driver.slash_command("/help", "", user_id="U8")
        dm = await env.fake.wait_for("chat.postMessage", lambda c: c.args["channel"] == "U8")
        assert "/debate" in texts(dm.args["blocks"])


async def test_posting_where_the_bot_is_not_a_member_explains_how_to_invite_it(tmp_path):
    async with slack_env(tmp_path) as env:
        env.fake.fail_next("chat.postMessage", "not_in_channel")
        await env.driver.slash_command("/debate", "start format:quick", user_id="U1", channel_id="C9")
        reply = await env.ephemeral("U1", "Invite me first")
        assert reply.args["channel"] == "C9"


async def test_a_user_group_set_with_mod_role_moderates(tmp_path):
    async with slack_env(tmp_path) as env:
        env.fake.stub("usergroups.list", {"ok": True, "usergroups": [
            {"id": "S1", "handle": "helpers", "name": "Helpers", "users": ["U8"]}]})
        await env.driver.slash_command("/debate", "start format:quick", user_id="U8")
        await env.ephemeral("U8", "Only a moderator")
        await env.driver.slash_command("/mod", "role <!subteam^S1|@helpers>", user_id="U1")
        await env.fake.wait_for("chat.postEphemeral", lambda c: c.args["user"] == "U1")
        await env.driver.slash_command("/debate", "start format:quick", user_id="U8")
        await env.ephemeral("U8", "Debate #1 started")
        assert len(env.fake.calls("usergroups.list")) == 1  # cached per workspace
