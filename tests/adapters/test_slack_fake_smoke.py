"""Smoke test of the Slack mock and driver with a tiny throw-away bolt AsyncApp."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.testing.slack_fake import (
    SIGNING_SECRET,
    FakeSlackApi,
    SlackDriver,
    make_app,
    make_client,
    serve_app,
)

BUTTON = "pong_button"


def build_app(fake: FakeSlackApi, seen: list[tuple[str, Any]]) -> AsyncApp:
    app = make_app(fake, SIGNING_SECRET)

    @app.command("/ping")
    async def ping(ack, body, client):
        await ack()
        seen.append(("ping", body["text"]))
        await client.chat_postMessage(
            channel=body["channel_id"],
            text=f"pong {body['text']}",
            blocks=[{
                "type": "actions",
                "block_id": "pong_actions",
                "elements": [{
                    "type": "button",
                    "action_id": BUTTON,
                    "value": "v1",
                    "text": {"type": "plain_text", "text": "Press"},
                }],
            }],
        )

    @app.command("/echo")
    async def echo(ack, body, respond):
        await ack()
        seen.append(("echo", body["text"]))
        await respond(f"echo: {body['text']}")

    @app.command("/speak")
    async def speak(ack, body, client):
        await ack()
        await client.views_open(
            trigger_id=body["trigger_id"],
            view={
                "type": "modal",
                "callback_id": "speak_modal",
                "private_metadata": body["channel_id"],
                "title": {"type": "plain_text", "text": "Speak"},
                "submit": {"type": "plain_text", "text": "Post"},
                "blocks": [{
                    "type": "input",
                    "block_id": "speech",
                    "label": {"type": "plain_text", "text": "Speech"},
                    "element": {"type": "plain_text_input", "action_id": "text"},
                }],
            },
        )

    @app.action(BUTTON)
    async def pressed(ack, body, client):
        await ack()
        seen.append(("pressed", body["actions"][0]["value"]))
        channel, ts = body["channel"]["id"], body["message"]["ts"]
        try:
            await client.chat_update(channel=channel, ts=ts, text=f"pressed by {body['user']['id']}")
        except SlackApiError as e:
            # Caught on purpose: a listener that raises right after ack() makes bolt 1.30 wait
            # its full 3 s ack timeout and answer 404 "unhandled request".
            seen.append(("update_failed", e.response.status_code))
        await client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text="thanks")

    @app.view("speak_modal")
    async def submitted(ack, view, client):
        await ack()
        text = view["state"]["values"]["speech"]["text"]["value"]
        seen.append(("submitted", text))
        await client.chat_postMessage(channel=view["private_metadata"], text=text)

    @app.event("message")
    async def on_message(event, request, say):
        seen.append(("message", request.headers.get("x-slack-retry-num", [None])[0]))
        await say(f"heard {event['text']}")

    return app


@pytest.fixture
async def fake():
    async with FakeSlackApi(team_id="T1") as api:
        api.add_user("U1", "alice", is_admin=True, tz="Asia/Tokyo")
        api.add_user("U2", "bob")
        api.add_channel("C1", "debate")
        yield api


@pytest.fixture
def seen() -> list[tuple[str, Any]]:
    return []


@pytest.fixture
async def driver(fake, seen):
    async with serve_app(build_app(fake, seen)) as url:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/slack/events")
        yield SlackDriver(url, SIGNING_SECRET, fake=fake)


async def test_slash_command_posts_a_button_message_after_auth_test(fake, driver, seen):
    r = await driver.slash_command("/ping", "hi", user_id="U1", channel_id="C1")

    assert r.status == 200
    post = await fake.wait_for("chat.postMessage")
    assert post.ok and post.token == "xoxb-test"
    assert post.args["channel"] == "C1"
    assert post.args["text"] == "pong hi"
    assert post.args["blocks"][0]["elements"][0]["action_id"] == BUTTON
    assert post.response["ts"] in {ts for _, ts in fake.messages}
    [auth] = fake.calls("auth.test")
    assert auth.ok and auth.response["user_id"] == "UBOT" and auth.response["bot_id"] == "BBOT"
    assert fake.calls()[0].method == "auth.test"  # lazily, before the listener's call
    assert seen == [("ping", "hi")]
    assert r.payload["command"] == "/ping" and r.payload["user_name"] == "alice"


async def test_button_updates_message_and_sends_ephemeral(fake, driver, seen):
    await driver.slash_command("/ping", "x", channel_id="C1")
    ts = (await fake.wait_for("chat.postMessage")).response["ts"]

    r = await driver.block_action(BUTTON, "v1", user_id="U2", channel_id="C1", message_ts=ts,
                                  block_id="pong_actions")

    assert r.status == 200
    update = await fake.wait_for("chat.update")
    assert update.matches(channel="C1", ts=ts, text="pressed by U2")
    assert update.args["team_id"] == "T1"  # bolt's per-request client adds team_id
    ephemeral = await fake.wait_for("chat.postEphemeral")
    assert ephemeral.matches(channel="C1", user="U2", text="thanks")
    assert fake.message("C1", ts)["text"] == "pressed by U2"
    assert r.payload["message"]["blocks"][0]["block_id"] == "pong_actions"  # real message
    assert ("pressed", "v1") in seen


async def test_view_opened_by_command_and_submitted(fake, driver, seen):
    r = await driver.slash_command("/speak", channel_id="C1")
    opened = await fake.wait_for("views.open")
    assert opened.args["trigger_id"] == r.payload["trigger_id"]
    view_id = opened.response["view"]["id"]

    r = await driver.view_submission(values={"speech": {"text": "Regulate the masks"}},
                                     view_id=view_id, user_id="U1")

    assert r.status == 200 and r.body == ""
    assert r.payload["view"]["callback_id"] == "speak_modal"
    post = await fake.wait_for("chat.postMessage")
    assert post.matches(channel="C1", text="Regulate the masks")
    assert seen == [("submitted", "Regulate the masks")]


async def test_respond_posts_to_the_response_url_on_the_mock(fake, driver):
    r = await driver.slash_command("/echo", "hello")

    call = await fake.wait_for("response_url")
    assert call.args["text"] == "echo: hello"
    assert call.args["response_url"] == r.payload["response_url"]


async def test_bad_signature_is_rejected_before_any_handler(fake, driver, seen):
    bad = await driver.slash_command("/ping", "forged", bad_signature=True)
    assert bad.status == 401
    assert fake.calls() == []  # not even auth.test

    good = await driver.slash_command("/ping", "genuine")  # barrier: a handler that does run
    assert good.status == 200
    await fake.wait_for("chat.postMessage")
    assert seen == [("ping", "genuine")]
    assert len(fake.calls("chat.postMessage")) == 1


async def test_stale_timestamp_is_rejected(fake, driver, seen):
    stale = await driver.slash_command("/ping", "old", stale=True)
    assert stale.status == 401

    await driver.slash_command("/ping", "fresh")
    await fake.wait_for("chat.postMessage")
    assert seen == [("ping", "fresh")]


async def test_bolt_does_not_dedupe_retried_events(fake, driver, seen):
    first = await driver.message("hello", user_id="U1", channel_id="C1")
    again = await driver.retry(first, retry_num=1, retry_reason="http_timeout")

    assert first.status == again.status == 200
    assert again.payload["event_id"] == first.payload["event_id"]
    await fake.wait_for("chat.postMessage", count=2)
    replies = [c.args["text"] for c in fake.calls("chat.postMessage")]
    assert replies == ["heard hello", "heard hello"]  # the product must dedupe, bolt does not
    assert sorted(seen, key=str) == [("message", "1"), ("message", None)]


async def test_rate_limit_mode_answers_429_and_counts():
    clock = [1000.0]
    limited = FakeSlackApi(now=lambda: clock[0], rate_limits=True, tier3_limit=3)
    async with limited:
        client = make_client(limited)
        ts = [(await client.chat_postMessage(channel="C1", text=str(i)))["ts"] for i in range(4)]

        await client.chat_update(channel="C1", ts=ts[0], text="a")
        with pytest.raises(SlackApiError) as err:
            await client.chat_update(channel="C1", ts=ts[0], text="b")  # same message, < 3 s
        assert err.value.response.status_code == 429
        assert err.value.response["error"] == "ratelimited"
        assert err.value.response.headers["Retry-After"] == "3"
        assert limited.count_429 == 1

        clock[0] += 3.0
        await client.chat_update(channel="C1", ts=ts[0], text="b")  # window passed
        await client.chat_update(channel="C1", ts=ts[1], text="c")  # 3rd in the minute
        with pytest.raises(SlackApiError):
            await client.chat_update(channel="C1", ts=ts[2], text="d")  # tier limit
        assert limited.count_429 == 2
        assert [c.status for c in limited.calls("chat.update")] == [200, 429, 200, 200, 429]

        clock[0] += 60.0
        await client.chat_update(channel="C1", ts=ts[2], text="d")
        assert limited.count_429 == 2


async def test_rate_limited_update_from_the_app_is_counted(fake, driver, seen):
    fake.rate_limits = True
    await driver.slash_command("/ping", "x")
    ts = (await fake.wait_for("chat.postMessage")).response["ts"]

    await driver.block_action(BUTTON, "v1", message_ts=ts)
    await fake.wait_for("chat.postEphemeral")
    second = await driver.block_action(BUTTON, "v1", message_ts=ts)  # within 3 s

    assert second.status == 200
    refused = await fake.wait_for("chat.update", lambda c: c.status == 429)
    assert refused.args["ts"] == ts
    await fake.wait_for("chat.postEphemeral", count=2)
    assert fake.count_429 == 1
    assert ("update_failed", 429) in seen


async def test_other_web_api_methods(fake):
    client = make_client(fake)

    user = (await client.users_info(user="U1"))["user"]
    assert (user["name"], user["is_admin"], user["tz"], user["tz_offset"]) == (
        "alice", True, "Asia/Tokyo", 9 * 3600)
    assert (await client.conversations_info(channel="C1"))["channel"]["name"] == "debate"
    dm = (await client.conversations_open(users="U2"))["channel"]["id"]
    assert dm.startswith("D")
    posted = await client.chat_postMessage(channel="U2", text="psst")  # user id -> their DM
    assert posted["channel"] == dm
    assert (await client.team_info())["team"]["id"] == "T1"
    await client.chat_delete(channel=dm, ts=posted["ts"])
    assert (dm, posted["ts"]) not in fake.messages

    done = await client.files_upload_v2(channel="C1", filename="votes.csv", content="a,b\n1,2\n",
                                        title="Votes")
    assert done["file"]["title"] == "Votes"
    assert fake.files[done["file"]["id"]]["content"] == b"a,b\n1,2\n"
    assert [c.method for c in fake.calls()[-3:]] == [
        "files.getUploadURLExternal", "upload_url", "files.completeUploadExternal"]

    with pytest.raises(SlackApiError) as err:
        await client.api_call("reactions.add", json={"name": "thumbsup"})
    assert err.value.response["error"] == "unknown_method"
    assert fake.calls("reactions.add")[0].args == {"name": "thumbsup"}

    with pytest.raises(SlackApiError) as err:
        await make_client(fake, token="xoxb-other").auth_test()
    assert err.value.response["error"] == "invalid_auth"

    fake.fail_next("chat.postMessage", "channel_not_found")
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="C1", text="x")
    await client.chat_postMessage(channel="C1", text="x")

    with pytest.raises(AssertionError, match="views.update"):
        await fake.wait_for("views.update", timeout=0.01)
