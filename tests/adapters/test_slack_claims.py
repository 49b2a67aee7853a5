"""Argument maps on Slack: `/claim` in a debate channel, the 0–4 buttons on a posted claim (a
retried click acting once), escaped user text, the map, and the map kept over a restart."""

from __future__ import annotations

from tests.adapters.test_slack_env import CHANNEL, action_ids, dump, slack_env, texts


def claim_post(env, claim_id: int):
    return next(c for c in env.fake.calls("chat.postMessage")
                if f"claim:{claim_id}:rate:0" in action_ids(c.args.get("blocks", [])))


async def test_a_map_on_slack_survives_a_restart(tmp_path):
    async with slack_env(tmp_path) as env:
        drv = env.driver
        await drv.slash_command("/claim", "pro Too early.", user_id="U2", channel_id=CHANNEL)
        refusal = await env.ephemeral("U2", "There is no debate or discussion here")
        assert "Usage: /claim pro" in dump(refusal.args) and "Too early." in dump(refusal.args)

        await drv.slash_command("/debate", "start format:quick", user_id="U1", channel_id=CHANNEL)
        await env.ephemeral("U1", "Debate #1 started")
        await drv.slash_command("/claim", "pro Masks let <!here> criminals pass & hide.", user_id="U2",
                                channel_id=CHANNEL)
        await env.ephemeral("U2", "Your claim #1 (Pro) is on the map.")
        posted = claim_post(env, 1)
        assert posted.args.get("thread_ts")  # in the debate's thread
        assert action_ids(posted.args["blocks"]) == [f"claim:1:rate:{v}" for v in range(5)]
        assert "&lt;!here&gt;" in texts(posted.args["blocks"]) and "&amp; hide" in texts(posted.args["blocks"])

        first = await drv.block_action("claim:1:rate:3", "claim:1:rate:3", user_id="U4", channel_id=CHANNEL,
                                       message_ts=posted.response["ts"])
        await drv.retry(first)
        await env.ephemeral("U4", "Your impact rating of claim #1: 3.")
        await env.spy.wait(lambda q, r: q.command is not None and q.command.name == "claim"
                           and q.command.sub == "rate", count=1)
        rated = [c for c in env.fake.calls("chat.postEphemeral") if c.args["user"] == "U4"]
        assert len(rated) == 1  # the retry did not act again
        await drv.slash_command("/claim", "rate id:1 impact:9", user_id="U5", channel_id=CHANNEL)
        await env.ephemeral("U5", "Usage: /claim rate id:&lt;N&gt; impact:0-4")
        await drv.slash_command("/claim", "con parent:1 Cameras learn.", user_id="U3", channel_id=CHANNEL)
        await env.ephemeral("U3", "Your claim #2 (Con) is on the map.")
        await drv.slash_command("/claim", "map picture:no", user_id="U4", channel_id=CHANNEL)
        shown = await env.ephemeral("U4", "Argument map")
        assert "impact 3.0 (1 rating)" in dump(shown.args) and "rate it to see its impact" in dump(shown.args)

    async with slack_env(tmp_path) as env:  # the same database, a new process (and new trigger ids)
        await env.driver.slash_command("/claim", "rate id:1 impact:2", user_id="U4", channel_id=CHANNEL,
                                       trigger_id="after.restart.1")
        await env.ephemeral("U4", "changed from 3 to 2")
        await env.driver.slash_command("/claim", "reveal", user_id="U1", channel_id=CHANNEL, trigger_id="after.restart.2")
        await env.ephemeral("U1", "shown to everybody now")
        await env.driver.slash_command("/claim", "map picture:no", user_id="U5", channel_id=CHANNEL,
                                       trigger_id="after.restart.3")
        public = await env.fake.wait_for("chat.postMessage", lambda c: "Argument map" in dump(c.args))
        assert "impact 2.0 (1 rating)" in dump(public.args) and "#2 Con" in dump(public.args)
