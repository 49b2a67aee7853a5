"""An argument map on the console: a class builds, rates, sees and exports a claim tree."""

from __future__ import annotations

import io
import json

SCRIPT = """\
amy: /claim pro Nowhere to put it.
teacher: /debate start format:quick
amy: /claim pro Masks let criminals pass as someone else.
ben: /claim con parent:1 Face recognition already catches most masks.
cat: /claim pro parent:2 Not the cheap shop cameras.
dan: /claim rate id:1 impact:3
eve: /claim rate id:1 impact:4
fay: /claim rate id:1 impact:3
dan: /claim rate id:2 impact:9
dan: /claim map
teacher: /claim reveal
eve: /claim map
teacher: /debate end
eve: /debate export format:json
eve: /debate export format:argdown
"""


async def test_a_class_builds_rates_sees_and_exports_a_map(tmp_path, console):
    app, out, _ = console
    await app.run(io.StringIO(SCRIPT))
    text = out.getvalue()
    assert "There is no debate or discussion here" in text  # the first line, before the debate
    assert "Claim #1 · Pro on the motion" in text and "[0] [1] [2] [3] [4]" in text
    assert "Claim #2 · Con on #1" in text
    assert "Impact is 0 to 4" in text and "Usage: /claim rate id:<N> impact:0-4" in text
    assert "#1 Pro · amy · impact 3.3 (3 ratings) — Masks let criminals pass as someone else." in text
    assert "Strongest pro claim" in text and "#1 Masks let criminals pass as someone else. — amy" in text
    exports = tmp_path / "exports"
    data = json.loads((exports / "debate-1.json").read_text(encoding="utf-8"))
    assert [c["id"] for c in data["claims"]] == [1]
    assert data["claims"][0]["children"][0]["children"][0]["text"] == "Not the cheap shop cameras."
    assert "<- <Claim 2>: Face recognition already catches most masks. #con" in (
        exports / "debate-1.argdown").read_text(encoding="utf-8")
    picture = (exports / "debate-1-map.png").read_bytes()
    assert picture[:8] == b"\x89PNG\r\n\x1a\n"
