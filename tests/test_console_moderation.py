"""Moderation end to end on the console: lines in, a transcript and the audit log out."""

from __future__ import annotations

import io

from bot.adapters.console.adapter import ConsoleApp


async def run(app: ConsoleApp, out: io.StringIO, script: str) -> str:
    """Feed the lines; return what they printed."""
    start = len(out.getvalue())
    for line in script.strip().splitlines():
        await app.handle_line(line)
    return out.getvalue()[start:]


async def test_off_turn_warned_muted_refused_unmuted_votes(console):
    app, out, clock = console
    core = app.core
    text = await run(app, out, """
        teacher: /debate start format:quick
        alice: /debate join side:pro
        bob: /debate join side:con
        dave: /debate join side:audience
        dave: /vote undecided
        teacher: /debate next
        dave: /speak Masks are fine, let me say why.
    """)
    assert "(only dave sees this) ── Not done ──" in text
    assert "It is not your turn: Pro has the floor." in text
    assert "Masks are fine, let me say why." in text  # handed back

    text = await run(app, out, """
        teacher: /mod warn user:dave reason:"speaking off turn"
        dave: /speak I really must speak now.
        teacher: /mod warn user:@dave reason:"off turn again"
    """)
    assert "dave is warned: 1 active strike." in text
    assert "(only dave sees this) ── A warning from a moderator ──" in text
    assert "Reason: speaking off turn" in text
    assert "dave reached 2 strikes and is muted until 2026-11-22 09:10 UTC (10 min)." in text
    assert "You are muted until 2026-11-22 09:10 UTC (10 min left)" in text

    text = await run(app, out, """
        teacher: /debate next
        teacher: /debate next
        teacher: /debate extend seconds:900
        dave: /vote pro
    """)
    assert "The post-vote is open" in text
    assert "(only dave sees this) ── Not done ──\n" in text
    assert "You are muted until 2026-11-22 09:10 UTC (10 min left)." in text

    clock.advance(10 * 60)
    await core.run_due()
    text = await run(app, out, """
        dave: /vote pro
        teacher: /mod log user:dave
    """)
    assert "#main (only dave sees this) Your mute has ended: you may speak, ask and vote again." in out.getvalue()
    assert "Your vote: Pro. You can change it until the vote closes." in text
    assert "── Moderation log: dave ──" in text
    assert "09:10:00 UTC · bot · unmute → dave · time up" in text

    steps = [(e.actor, e.action, e.target, e.reason)
             for e in reversed(await core.store.audit_entries("console", "local", "dave", 50))]
    assert steps == [
        ("bot", "refuse.speak", "dave", "speak.error.not_your_turn"),
        ("teacher", "strike", "dave", "speaking off turn"),
        ("bot", "refuse.speak", "dave", "speak.error.not_your_turn"),
        ("teacher", "strike", "dave", "off turn again"),
        ("bot", "mute", "dave", "strikes=2"),
        ("bot", "refuse.vote", "dave", "moderation.error.muted"),
        ("bot", "unmute", "dave", "expired"),
    ]
    times = [e.at.strftime("%H:%M") for e in reversed(await core.store.audit_entries("console", "local", "dave", 50))]
    assert times[-1] == "09:10" and times[0] == "09:00"


async def test_a_console_discussion_is_a_room_of_its_own(console):
    app, out, clock = console
    text = await run(app, out, """
        teacher: /discuss start topic:"Masks on film sets"
        #discuss-1 amy: /speak Film crews need them.
        #discuss-1 ben: /speak What a load of bullshit.
        #discuss-1 teacher: /mod slowmode seconds:20
        teacher: /mod logchannel channel:#mods
        #discuss-1 teacher: /discuss close
    """)
    assert "Discussion #1 is open in #discuss-1: Masks on film sets" in text
    assert "#discuss-1 bot: ── Discussion #1: Masks on film sets ──" in text
    assert "#discuss-1 bot: Amy:" in text.replace("amy:", "Amy:")
    assert "    Film crews need them." in text
    assert "Your text contains 'bullshit'" in text
    assert "#discuss-1 bot: Slow mode is on: one message every 20 s per person." in text
    assert "#mods bot: ── Moderation log ──" in text  # the close is mirrored
    assert "Discussion #1 (Masks on film sets) is closed." in text
