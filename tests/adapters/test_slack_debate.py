"""A whole quick debate on Slack: signed slash commands, button clicks and a modal, over real HTTP.

The real slack-bolt AsyncApp serves 127.0.0.1; its Web API client talks to the mock Slack API,
which enforces Slack's rate limits on the same fake clock as the core.
"""

from __future__ import annotations

import asyncio

from bot.core.debates.model import Choice, Stage
from tests.adapters.test_slack_env import CHANNEL, action_ids, dump, slack_env, texts


def is_tally(call) -> bool:
    return any(a.startswith("debate:") and ":vote:" in a for a in action_ids(call.args.get("blocks", [])))


async def test_a_quick_debate_from_start_to_result(tmp_path):
    async with slack_env(tmp_path) as env:
        fake, drv = env.fake, env.driver
        confirmations: list[tuple[str, dict]] = []

        def ephemeral(args):  # what the core had committed when the voter was told
            debate = next(iter(env.core.debates.debates.values()), None)
            if debate is not None:
                confirmations.append((args["user"], {s: dict(v) for s, v in debate.votes.items()}))
            return {"ok": True, "message_ts": fake.new_ts()}

        fake.stub("chat.postEphemeral", ephemeral)

        # --- the teacher (a workspace admin) starts a quick debate ---
        r = await drv.slash_command("/debate", "start format:quick", user_id="U1", channel_id=CHANNEL)
        assert r.status == 200 and r.body == ""  # acknowledged at once, empty
        opening = await fake.wait_for("chat.postMessage", lambda c: "thread_ts" not in c.args)
        root = opening.response["ts"]
        assert opening.matches(channel=CHANNEL)
        assert action_ids(opening.args["blocks"]) == ["debate:1:join:pro", "debate:1:join:con", "debate:1:join:audience"]
        card = texts(opening.args["blocks"])
        assert "Debate #1" in card and "Quick debate" in card and "Pre-vote" in card and "Time left" in card
        assert opening.args["text"]  # a fallback text always goes along
        tally = await fake.wait_for("chat.postMessage", is_tally)
        assert tally.args["thread_ts"] == root
        tally_ts = tally.response["ts"]
        assert action_ids(tally.args["blocks"]) == ["debate:1:vote:pro", "debate:1:vote:con", "debate:1:vote:undecided"]
        await env.ephemeral("U1", "Debate #1 started")
        d = env.core.debates.debates[1]
        assert d.space.channel == f"{CHANNEL}/{root}" and d.space.workspace == "T1"

        # --- two debaters join with the opening message's buttons ---
        await drv.block_action("debate:1:join:pro", "debate:1:join:pro", user_id="U2", channel_id=CHANNEL,
                               message_ts=root)
        await env.ephemeral("U2", "joined debate #1 as Pro")
        await drv.block_action("debate:1:join:con", "debate:1:join:con", user_id="U3", channel_id=CHANNEL,
                               message_ts=root)
        await env.ephemeral("U3", "joined debate #1 as Con")
        await env.advance(3)  # the second redraw of the opening message waits its 3 s
        await fake.wait_for("chat.update", lambda c: c.args["ts"] == root and "ben" in texts(c.args["blocks"]))
        assert "aiko" in texts(fake.message(CHANNEL, root)["blocks"])

        # --- the audience votes with the tally's buttons; a debater may not ---
        for user, choice in (("U4", "pro"), ("U5", "con"), ("U6", "pro")):
            await drv.block_action(f"debate:1:vote:{choice}", f"debate:1:vote:{choice}", user_id=user,
                                   channel_id=CHANNEL, message_ts=tally_ts)
            await env.ephemeral(user, "Your vote:")
        await drv.block_action("debate:1:vote:undecided", "debate:1:vote:undecided", user_id="U4",
                               channel_id=CHANNEL, message_ts=tally_ts)
        await env.ephemeral("U4", "changed from Pro to Undecided")
        await drv.block_action("debate:1:vote:pro", "debate:1:vote:pro", user_id="U2", channel_id=CHANNEL,
                               message_ts=tally_ts)
        await env.ephemeral("U2", "Debaters do not vote")
        # each voter was told only once the vote was committed
        told = {user: votes[Stage.PRE].get(user) for user, votes in confirmations if user in ("U5", "U6")}
        assert told == {"U5": Choice.CON, "U6": Choice.PRO}
        assert [v[Stage.PRE].get("U4") for u, v in confirmations if u == "U4"] == [Choice.PRO, Choice.UNDECIDED]

        # the live tally is edited by time, not once per vote
        await env.advance(3)
        await fake.wait_for("chat.update", lambda c: c.args["ts"] == tally_ts and "3 votes so far" in texts(c.args["blocks"]))
        live_edits = [c for c in fake.calls("chat.update") if c.args["ts"] == tally_ts]
        assert 1 <= len(live_edits) <= 2  # five clicks, at most one edit per 3 s

        # --- next phase: the pre-vote closes with its exact tally ---
        await drv.slash_command("/debate", "next", user_id="U1")
        await env.ephemeral("U1", "Moved on to the next phase")  # acknowledged at once, done by now
        await env.advance(3)
        closed = await fake.wait_for("chat.update", lambda c: c.args["ts"] == tally_ts and "Closed" in texts(c.args["blocks"]))
        assert "Closed · 3 votes" in texts(closed.args["blocks"]) and action_ids(closed.args["blocks"]) == []
        assert "1 (33%)" in texts(closed.args["blocks"])
        await fake.wait_for("chat.postMessage", lambda c: c.args.get("thread_ts") == root and "Pro speech" in dump(c.args))

        # --- speeches: off turn refused with the text handed back; on turn posted in the thread ---
        await drv.slash_command("/speak", "Con wants the floor <!here>", user_id="U3")
        refusal = await env.ephemeral("U3", "not your turn")
        assert "Con wants the floor &lt;!here&gt;" in texts(refusal.args["blocks"])
        assert "<!here>" not in dump(refusal.args)

        await drv.slash_command("/speak", "Ban them in public. <!channel> <@U3> & friends", user_id="U2")
        speech = await fake.wait_for("chat.postMessage", lambda c: "Ban them" in dump(c.args))
        assert speech.args["thread_ts"] == root and speech.args["channel"] == CHANNEL
        assert speech.args["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "aiko · Pro", "emoji": True}}
        assert "Ban them in public. &lt;!channel&gt; &lt;@U3&gt; &amp; friends" in texts(speech.args["blocks"])
        assert "<!channel>" not in dump(speech.args) and "<@U3>" not in dump(speech.args)
        await env.ephemeral("U2", "Your speech is on the floor")

        # --- the con speech through the modal ---
        await drv.slash_command("/debate", "next", user_id="U1")
        await fake.wait_for("chat.postMessage", lambda c: c.args.get("thread_ts") == root and "Con speech" in dump(c.args))
        r = await drv.slash_command("/speak", "", user_id="U3")
        opened = await fake.wait_for("views.open")
        assert opened.args["trigger_id"] == r.payload["trigger_id"]
        element = opened.args["view"]["blocks"][0]["element"]
        assert element["multiline"] is True and element["max_length"] == 1260
        view_id = opened.response["view"]["id"]
        r = await drv.view_submission(values={"speech": {"text": "Education beats bans."}}, view_id=view_id, user_id="U3")
        assert r.status == 200 and r.body == ""
        con = await fake.wait_for("chat.postMessage", lambda c: "Education beats bans." in texts(c.args.get("blocks", [])))
        assert con.args["thread_ts"] == root and con.args["blocks"][0]["text"]["text"] == "ben · Con"

        # --- the post-vote, then the result ---
        await drv.slash_command("/debate", "next", user_id="U1")
        post_tally = await fake.wait_for("chat.postMessage", is_tally, count=2)
        post_ts = post_tally.response["ts"]
        assert post_tally.args["thread_ts"] == root
        for user, choice in (("U4", "pro"), ("U5", "pro"), ("U6", "con")):
            await drv.block_action(f"debate:1:vote:{choice}", f"debate:1:vote:{choice}", user_id=user,
                                   channel_id=CHANNEL, message_ts=post_ts)
            await env.ephemeral(user, "Your vote:", count=2)
        await drv.slash_command("/debate", "next", user_id="U1")
        result = await fake.wait_for("chat.postMessage", lambda c: "Result · debate #1" in dump(c.args),
                                     timeout=20)  # the chart is drawn first
        assert result.args["thread_ts"] == root
        body = texts(result.args["blocks"])
        assert "Pro wins" in body and "33% → 67%" in body
        await env.advance(3)
        final = await fake.wait_for("chat.update", lambda c: c.args["ts"] == post_ts and "Closed · 3 votes" in texts(c.args["blocks"]))
        assert "2 (67%)" in texts(final.args["blocks"])
        await env.advance(3)  # the opening message was redrawn for the post-vote just now: the end waits 3 s
        ended = await fake.wait_for("chat.update", lambda c: c.args["ts"] == root and action_ids(c.args["blocks"]) == [])
        assert "ended" in texts(ended.args["blocks"])

        # everything of the debate went into its thread; Slack never had to refuse an edit
        for call in fake.calls("chat.postMessage"):
            if call is not opening and call.args.get("channel") == CHANNEL:
                assert call.args.get("thread_ts") == root, call.args
        assert all(f["thread_ts"] == root for f in fake.files.values())  # the result's chart, if any
        assert fake.count_429 == 0
        per_message: dict[str, list[float]] = {}
        for call in fake.calls("chat.update"):
            per_message.setdefault(call.args["ts"], []).append(call.at)
        for stamps in per_message.values():
            assert all(b - a >= 3.0 for a, b in zip(stamps, stamps[1:], strict=False))
        assert env.core.debates.debates == {}  # ended


async def test_a_vote_storm_keeps_within_slacks_limits_and_ends_exact(tmp_path):
    async with slack_env(tmp_path) as env:
        fake, drv = env.fake, env.driver
        for n in range(60):
            fake.add_user(f"V{n:03d}", f"voter{n}")
        await drv.slash_command("/debate", "start format:quick", user_id="U1")
        tally_ts = (await fake.wait_for("chat.postMessage", is_tally)).response["ts"]
        await env.ephemeral("U1", "started")
        choices = ("pro", "con", "undecided")
        for batch in range(3):  # 20 clicks at once, then a second passes
            await asyncio.gather(*(
                drv.block_action(f"debate:1:vote:{choices[n % 3]}", None, user_id=f"V{n:03d}", channel_id=CHANNEL,
                                 message_ts=tally_ts)
                for n in range(batch * 20, batch * 20 + 20)))
            await fake.wait_for("chat.postEphemeral", lambda c: c.args["user"].startswith("V"), count=20 * (batch + 1))
            await env.advance(1)
        await drv.slash_command("/debate", "next", user_id="U1")
        await env.ephemeral("U1", "Moved on to the next phase")
        await env.advance(3)
        final = await fake.wait_for("chat.update", lambda c: c.args["ts"] == tally_ts and "Closed · 60 votes" in texts(c.args["blocks"]))
        assert "20 (33%)" in texts(final.args["blocks"])
        edits = [c for c in fake.calls("chat.update") if c.args["ts"] == tally_ts]
        assert len(edits) <= 4  # 60 votes over 3 s of clock: a handful of edits, not 60
        assert all(b.at - a.at >= 3.0 for a, b in zip(edits, edits[1:], strict=False))
        assert fake.count_429 == 0
        assert len(env.core.debates.debates[1].votes[Stage.PRE]) == 60


async def test_debate_timezone_and_a_japanese_vote_through_slack(tmp_path):
    async with slack_env(tmp_path) as env:
        drv = env.driver
        await drv.slash_command("/debate", "timezone Asia/Tokyo", user_id="U1", channel_id=CHANNEL)
        await env.fake.wait_for("chat.postMessage", lambda c: "Asia/Tokyo" in c.args["text"] and "JST" in c.args["text"])
        await drv.slash_command("/debate", "timezone Mars/Base", user_id="U1", channel_id=CHANNEL)
        await env.ephemeral("U1", "'Mars/Base' is not a time zone")
        await drv.slash_command("/vote", "賛成", user_id="U4", channel_id=CHANNEL)
        refusal = await env.ephemeral("U4", "No debate is running here.")
        assert "/debate start" not in refusal.args["text"]  # a pupil is not shown the moderator's command
        await drv.slash_command("/debate", "start format:quick", user_id="U1", channel_id=CHANNEL)
        await env.ephemeral("U1", "Debate #1 started")
        await drv.slash_command("/vote", "賛成", user_id="U4", channel_id=CHANNEL)
        await env.ephemeral("U4", "Your vote: Pro")
