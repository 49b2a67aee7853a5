from __future__ import annotations

from bot import demo


async def test_the_demo_runs_a_whole_classroom_debate(tmp_path, capsys):
    path = await demo.run(tmp_path)
    out = capsys.readouterr().out
    assert "Not done" not in out  # every scripted line was accepted
    assert "Result · debate #1" in out and "Pro wins" in out
    transcript = path.read_text(encoding="utf-8")
    assert transcript.count("\n### ") >= 4  # four speeches (plus the movement heading)
    assert "Who would keep the ID records" in transcript
    assert "| Post-vote | 9 (45%) | 7 (35%) | 4 (20%) |" in transcript
