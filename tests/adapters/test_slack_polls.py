"""Polls on Slack: option buttons, the ranked-ballot modal, and a retried ballot acting once."""

from __future__ import annotations

from tests.adapters.test_slack_env import CHANNEL, action_ids, slack_env, texts


async def create(env, text: str) -> tuple[str, list[str]]:
    await env.driver.slash_command("/poll", f"create {text}", user_id="U1")
    posted = await env.fake.wait_for("chat.postMessage", lambda c: any(a.startswith("poll:") for a in action_ids(c.args.get("blocks", []))))
    return posted.response["ts"], action_ids(posted.args["blocks"])


async def test_a_single_choice_poll_by_buttons(tmp_path):
    async with slack_env(tmp_path) as env:
        ts, ids = await create(env, 'question:"Snack <!here>?" options:"tea|cake & co"')
        assert ids[:2] == ["poll:1:vote:1", "poll:1:vote:2"]
        poll = env.fake.message(CHANNEL, ts)
        assert "Snack &lt;!here&gt;?" in texts(poll["blocks"]) and "cake &amp; co" in texts(poll["blocks"])
        await env.driver.block_action("poll:1:vote:2", "poll:1:vote:2", user_id="U4", channel_id=CHANNEL, message_ts=ts)
        await env.ephemeral("U4", "Your vote on poll #1")
        await env.advance(3)
        await env.fake.wait_for("chat.update", lambda c: c.args["ts"] == ts and "1 (100%)" in texts(c.args["blocks"]))


async def test_a_ranked_ballot_through_the_modal(tmp_path):
    async with slack_env(tmp_path) as env:
        ts, ids = await create(env, 'question:"Order?" options:"tea|cake|fruit" mode:ranked')
        assert "poll:1:rank" in ids
        await env.driver.block_action("poll:1:rank", "poll:1:rank", user_id="U5", channel_id=CHANNEL, message_ts=ts)
        opened = await env.fake.wait_for("views.open")
        assert opened.args["view"]["callback_id"] == "ballot"
        view_id = opened.response["view"]["id"]
        first = await env.driver.view_submission(values={"speech": {"text": "3, 1"}}, view_id=view_id, user_id="U5")
        await env.driver.retry(first)
        cast = await env.ephemeral("U5", "Your vote on poll #1")
        assert "fruit" in cast.args["text"] and "tea" in cast.args["text"]
        await env.spy.wait(lambda q, r: q.command is not None and q.command.name == "poll", count=2)
        assert len([c for c in env.fake.calls("chat.postEphemeral") if c.args["user"] == "U5"]) == 1
