"""Poll exports: versioned JSON (`debate-bot/poll`, version 1) and CSV for spreadsheets.

Anonymous polls number their ballots (`voter-1`, …) in an order that says nothing about who
cast them; the stored voter key never leaves the store.
"""

from __future__ import annotations

import csv
import io
import json

from bot.core.polls.counting import PollCount
from bot.core.polls.model import Poll

SCHEMA = "debate-bot/poll"
VERSION = 1
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def winner(p: Poll, count: PollCount) -> str | list[str] | None:
    """The winning option's text, a list of texts when tied, None without ballots."""
    names = [p.options[i] for i in count.winners]
    if not names:
        return None
    return names[0] if len(names) == 1 else names


def ballots(p: Poll) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for n, voter in enumerate(sorted(p.ballots), 1):
        choices = [p.options[i] for i in p.ballots[voter]]
        if p.anonymous:
            out.append({"voter": f"voter-{n}", "choices": choices})
        else:
            out.append({"voter": voter, "name": p.names.get(voter, voter), "choices": choices})
    return out


def to_dict(p: Poll, count: PollCount) -> dict[str, object]:
    data = {
        "schema": SCHEMA,
        "version": VERSION,
        "id": p.id,
        "question": p.question,
        "mode": p.mode,
        "max_choices": p.max_choices,
        "anonymous": p.anonymous,
        "tally": p.tally,
        "state": "open" if p.open else "closed",
        "language": p.language,
        "created_at": p.created_at.isoformat(),
        "closes_at": p.closes_at.isoformat() if p.closes_at else None,
        "closed_at": p.closed_at.isoformat() if p.closed_at else None,
        "options": list(p.options),
        "counts": list(count.counts),
        "turnout": count.ballots,
        "winner": winner(p, count),
        "ballots": ballots(p),
    }
    if p.mode == "ranked":
        data["rounds"] = [
            {
                "round": n,
                "counts": [rnd.counts.get(i) for i in range(len(p.options))],
                "eliminated": [p.options[i] for i in rnd.eliminated],
                "exhausted": rnd.exhausted,
            }
            for n, rnd in enumerate(count.rounds, 1)
        ]
    return data


def to_json(p: Poll, count: PollCount) -> str:
    return json.dumps(to_dict(p, count), ensure_ascii=False, indent=2) + "\n"


def _cell(value: object) -> str:
    """Text a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(p: Poll, count: PollCount) -> str:
    """One row per option: number, text, votes (first preferences when ranked), share, winner,
    and for a ranked poll one column per runoff round (empty once the option is out), then a
    row for the exhausted ballots of each round."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    rounds = count.rounds if p.mode == "ranked" else []
    w.writerow(["number", "option", "votes", "share_percent", "winner"] + [f"round_{n}" for n in range(1, len(rounds) + 1)])
    for i, option in enumerate(p.options):
        share = 100.0 * count.counts[i] / count.ballots if count.ballots else 0.0
        row = [i + 1, _cell(option), count.counts[i], f"{share:.1f}", "yes" if i in count.winners else "no"]
        row += [rnd.counts.get(i, "") for rnd in rounds]
        w.writerow(row)
    if rounds:
        w.writerow(["", "(exhausted)", "", "", ""] + [rnd.exhausted for rnd in rounds])
    return buf.getvalue()
