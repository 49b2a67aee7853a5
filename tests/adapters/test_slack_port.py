"""SlackPort against the mock Web API: threads, ephemerals, files, and the edit budget on a fake clock."""

from __future__ import annotations

import pytest

from bot.adapters.slack.port import SlackPort, channel_ref, split_ref
from bot.core.debates.model import ChannelRef
from bot.core.kernel.cards import Attachment, Button, Card, Field
from bot.testing.clock import FakeClock
from bot.testing.slack_fake import FakeSlackApi, make_client
from tests.adapters.test_slack_env import texts


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def fake(clock):
    async with FakeSlackApi(team_id="T1", now=lambda: clock.now().timestamp(), rate_limits=True) as api:
        yield api


@pytest.fixture
async def port(fake, clock):
    p = SlackPort(make_client(fake), clock)
    yield p
    await p.close()


def card(n: int | str) -> Card:
    return Card("tally", title=f"Tally {n}", fields=(Field("Pro", str(n)),))


def test_channel_references_encode_the_thread():
    ref = channel_ref("T1", "C1", "1700000000.000100")
    assert ref == ChannelRef("slack", "T1", "C1/1700000000.000100")
    assert split_ref(ref) == ("C1", "1700000000.000100")
    assert split_ref(channel_ref("T1", "C1")) == ("C1", None)


async def test_open_space_posts_in_the_channel_and_the_debate_lives_in_its_thread(fake, port):
    space, opening = await port.open_space(channel_ref("T1", "C1"), "Debate #1", card("open"))
    assert space == ChannelRef("slack", "T1", f"C1/{opening}")
    first = fake.calls("chat.postMessage")[0]
    assert first.args["channel"] == "C1" and "thread_ts" not in first.args

    ts = await port.post(space, Card("notice", body="in the thread"))
    posted = fake.calls("chat.postMessage")[-1]
    assert posted.args["thread_ts"] == opening and posted.response["ts"] == ts
    assert fake.message("C1", ts)["thread_ts"] == opening


async def test_send_private_is_ephemeral_in_the_thread(fake, port):
    await port.send_private(channel_ref("T1", "C1", "1700000000.000001"), "U2", Card("notice", body="only you"))
    [call] = fake.calls("chat.postEphemeral")
    assert call.matches(channel="C1", user="U2", thread_ts="1700000000.000001", text="only you")


async def test_files_go_into_the_thread_and_private_files_into_the_dm(fake, port):
    space = channel_ref("T1", "C1", "1700000000.000001")
    export = Card("notice", body="Export of debate #1 (md).", attachment=Attachment("debate-1.md", b"# Debate", "text/markdown"))
    await port.post(space, export)
    [done] = fake.calls("files.completeUploadExternal")
    assert done.args["channel_id"] == "C1" and done.args["thread_ts"] == "1700000000.000001"
    assert done.args["initial_comment"] == "Export of debate #1 (md)."
    assert [f["content"] for f in fake.files.values()] == [b"# Debate"]
    assert fake.calls("chat.postMessage") == []  # one upload, its text as the comment

    result = Card("result", title="Result", fields=(Field("Pro", "2"),), attachment=Attachment("c.png", b"png", "image/png"))
    ts = await port.post(space, result)
    assert fake.calls("chat.postMessage")[-1].response["ts"] == ts  # the message, then the file
    assert len(fake.files) == 2

    await port.send_private(space, "U2", Card("notice", body="your CSV", attachment=Attachment("v.csv", b"a,b", "text/csv")))
    dm = fake.calls("files.completeUploadExternal")[-1]
    assert dm.args["channel_id"] == fake.dm_channel_id("U2")


async def test_edits_keep_three_seconds_per_message_and_the_last_card_wins(fake, port, clock):
    ts = await port.post(channel_ref("T1", "C1"), card(0))
    await port.edit(channel_ref("T1", "C1"), ts, card(1))
    await fake.wait_for("chat.update")
    for n in range(2, 7):  # a burst inside the 3 s
        await port.edit(channel_ref("T1", "C1"), ts, card(n))
    await clock.settle(*port.senders())
    assert port.pending_edits() == 1 and len(clock.sleeping()) == 1
    assert len(fake.calls("chat.update")) == 1

    clock.advance(3)
    second = await fake.wait_for("chat.update", count=2)
    assert "Tally 6" in texts(second.args["blocks"])  # only the newest state is sent
    await port.idle()
    assert len(fake.calls("chat.update")) == 2 and fake.count_429 == 0
    assert second.at - fake.calls("chat.update")[0].at == 3.0


async def test_the_workspace_budget_delays_edits_and_never_drops_the_final_state(fake, port, clock):
    where = channel_ref("T1", "C1")
    messages = [await port.post(where, card(f"m{i}")) for i in range(45)]
    for i, ts in enumerate(messages):
        await port.edit(where, ts, card(f"first {i}"))
    await fake.wait_for("chat.update", count=40)
    await clock.settle(*port.senders())
    assert port.pending_edits() == 5 and len(clock.sleeping()) == 5
    assert len(fake.calls("chat.update")) == 40 and port.budget.used("T1") == 40
    for i, ts in enumerate(messages[40:]):  # newer states for the waiting ones
        await port.edit(where, ts, card(f"final {i}"))

    clock.advance(30)  # still inside the minute: nothing more
    await clock.settle(*port.senders())
    assert len(clock.sleeping()) == 5
    assert len(fake.calls("chat.update")) == 40

    clock.advance(30)
    await fake.wait_for("chat.update", count=45)
    await port.idle()
    late = fake.calls("chat.update")[40:]
    assert sorted(texts(c.args["blocks"]).split("\n")[0] for c in late) == [f"Tally final {i}" for i in range(5)]
    assert fake.count_429 == 0
    # another workspace has a budget of its own
    assert port.budget.wait("T2") == 0


async def test_a_429_is_waited_out_on_the_clock_and_the_edit_still_lands(fake, port, clock):
    ts = await port.post(channel_ref("T1", "C1"), card(0))
    fake.fail_next("chat.update", "ratelimited", status=429, retry_after=7)
    await port.edit(channel_ref("T1", "C1"), ts, card(1))
    await fake.wait_for("chat.update", lambda c: c.status == 429)
    await clock.settle(*port.senders())
    clock.advance(3)
    await clock.settle(*port.senders())
    assert len(clock.sleeping()) == 1  # 7 s asked, only 3 passed
    assert len(fake.calls("chat.update")) == 1
    clock.advance(4)
    done = await fake.wait_for("chat.update", lambda c: c.ok)
    assert "Tally 1" in texts(done.args["blocks"])


async def test_workspaces_can_have_clients_of_their_own(fake, clock):
    other = FakeSlackApi(team_id="T2", token="xoxb-other")
    async with other:
        port = SlackPort(make_client(fake), clock, clients={"T2": make_client(other)})
        await port.post(channel_ref("T2", "C5"), Card("notice", body="hello T2"))
        await port.post(channel_ref("T1", "C1"), Card("notice", body="hello T1"))
        assert [c.args["text"] for c in other.calls("chat.postMessage")] == ["hello T2"]
        assert [c.args["text"] for c in fake.calls("chat.postMessage")] == ["hello T1"]


async def test_buttons_carry_the_stable_ids(fake, port):
    ts = await port.post(channel_ref("T1", "C1"), Card("poll", title="Poll", buttons=(
        Button("poll:3:vote:1", "Yes", "success"), Button("poll:3:vote:2", "No", "secondary"))))
    elements = fake.message("C1", ts)["blocks"][-1]["elements"]
    assert [(e["action_id"], e["value"], e.get("style")) for e in elements] == [
        ("poll:3:vote:1", "poll:3:vote:1", "primary"), ("poll:3:vote:2", "poll:3:vote:2", None)]
