"""SQL for debates and everything they hold (participants, speeches, questions, ballots), on
the shared SQLite connection of :class:`SqliteStore` (which hands these calls to `DebateStore`)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

import aiosqlite

from bot.core.debates.model import (
    ChannelRef,
    Choice,
    Debate,
    DebateState,
    Participant,
    Question,
    Role,
    Speech,
    Stage,
    VoteRow,
)
from bot.core.kernel.writer import GroupCommitWriter
from bot.core.ports import StaleDebate
from bot.storage.sqlite_connection import SqliteConnection, _at, _dt, _insert_rows, _iso_in, _ts

_STAGES = {s.value: s for s in Stage}
_CHOICES = {c.value: c for c in Choice}


insert_debate = """
INSERT INTO debates (platform, workspace, channel, parent_channel, motion_id, motion_title,
    motion_text, format_id, language, created_by, created_at, phase_index, state, deadline,
    paused_remaining, anonymous, ended_at, messages, announced)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
# A compare-and-set: the row changes only if nobody changed it since it was read (`version`).
update_debate = """
UPDATE debates SET channel = ?, phase_index = ?, state = ?, deadline = ?, paused_remaining = ?,
    ended_at = ?, messages = ?, language = ?, announced = ?, version = version + 1
WHERE id = ? AND version = ?
"""
# Ended debates whose result was never posted (a crash between the end and the post).
select_owed_debates = "SELECT * FROM debates WHERE state = 'ended' AND announced <= phase_index ORDER BY id"
touch_debate = "UPDATE debates SET touched = touched + 1 WHERE id = ?"
touch_debate_of_question = "UPDATE debates SET touched = touched + 1 WHERE id = (SELECT debate_id FROM questions WHERE id = ?)"
select_debate_versions = "SELECT id, version, touched FROM debates WHERE state != 'ended' OR id IN (SELECT value FROM json_each(?))"
select_debate_version = "SELECT version, touched FROM debates WHERE id = ?"
select_stage_votes = "SELECT voter, choice FROM votes WHERE debate_id = ? AND stage = ?"
delete_debate = "DELETE FROM debates WHERE id = ?"
select_open_debates = "SELECT * FROM debates WHERE state != 'ended' ORDER BY id"
# The restart path: every open debate's rows in one query per table, not one per debate.
select_open_participants = """
SELECT p.* FROM participants p JOIN debates d ON d.id = p.debate_id WHERE d.state != 'ended'
"""
select_open_speeches = """
SELECT s.* FROM speeches s JOIN debates d ON d.id = s.debate_id WHERE d.state != 'ended' ORDER BY s.id
"""
select_open_questions = """
SELECT q.* FROM questions q JOIN debates d ON d.id = q.debate_id WHERE d.state != 'ended' ORDER BY q.id
"""
select_open_votes = """
SELECT v.debate_id, v.stage, v.voter, v.choice FROM votes v JOIN debates d ON d.id = v.debate_id
WHERE d.state != 'ended'
"""
select_debate = "SELECT * FROM debates WHERE id = ?"
select_last_debate_in = """
SELECT id FROM debates WHERE platform = ? AND workspace = ? AND (channel = ? OR parent_channel = ?)
ORDER BY id DESC LIMIT 1
"""
select_ended_debates = """
SELECT id FROM debates WHERE platform = ? AND workspace = ? AND state = 'ended' ORDER BY id DESC LIMIT ?
"""
upsert_participant = """
INSERT INTO participants (debate_id, user_id, name, role, joined_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (debate_id, user_id) DO UPDATE SET name = excluded.name, role = excluded.role
"""
delete_participant = "DELETE FROM participants WHERE debate_id = ? AND user_id = ?"
select_participants = "SELECT * FROM participants WHERE debate_id = ?"
select_sides_held = "SELECT user_id, side FROM sides_held WHERE debate_id = ?"
select_open_sides_held = """
SELECT h.debate_id, h.user_id, h.side FROM sides_held h JOIN debates d ON d.id = h.debate_id WHERE d.state != 'ended'
"""
insert_speech = """
INSERT INTO speeches (debate_id, phase_index, user_id, name, side, text, at) VALUES (?, ?, ?, ?, ?, ?, ?)
"""
select_speeches = "SELECT * FROM speeches WHERE debate_id = ? ORDER BY id"
insert_question = """
INSERT INTO questions (debate_id, user_id, name, text, status, reason, at) VALUES (?, ?, ?, ?, ?, ?, ?)
"""
update_question = "UPDATE questions SET status = ?, reason = ? WHERE id = ?"
select_questions = "SELECT * FROM questions WHERE debate_id = ? ORDER BY id"
upsert_vote = """
INSERT INTO votes (debate_id, stage, voter, choice, at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (debate_id, stage, voter) DO UPDATE SET choice = excluded.choice, at = excluded.at
"""
select_votes = "SELECT stage, voter, choice FROM votes WHERE debate_id = ?"
# Many rows in one statement: `INSERT … VALUES (?, …), (?, …), … [tail]` (placeholders only,
# never a value). One statement is one step, so the connection's thread takes the GIL back a
# few times per batch instead of once per row (see `SqliteConnection.insert_rows`).
upsert_votes_head = "INSERT INTO votes (debate_id, stage, voter, choice, at)"
upsert_votes_tail = "ON CONFLICT (debate_id, stage, voter) DO UPDATE SET choice = excluded.choice, at = excluded.at"
VOTE_COLUMNS = 5


def _vote_values(rows: list[VoteRow]) -> list[object]:
    values: list[object] = []
    add, iso = values.extend, _iso_in
    for r in rows:
        add((r.debate_id, r.stage, r.voter, r.choice, iso(r.at, r.at.tzinfo)))
    return values


def _write_votes_here(conn: sqlite3.Connection, rows: list[VoteRow]) -> None:
    _insert_rows(conn, upsert_votes_head, upsert_votes_tail, VOTE_COLUMNS, _vote_values(rows), True)


class DebateStore:
    """Debates on the store's connection; every write runs under the store's lock."""

    def __init__(self, store: SqliteConnection) -> None:
        self.store = store

    @property
    def db(self) -> aiosqlite.Connection:
        return self.store.db

    async def create_debate(self, d: Debate) -> int:
        return await self.store.write(
            insert_debate,
            (
                d.space.platform, d.space.workspace, d.space.channel, d.parent.channel, d.motion_id,
                d.motion_title, d.motion_text, d.format_id, d.language, d.created_by, _ts(d.created_at),
                d.phase_index, d.state.value, _ts(d.deadline), d.paused_remaining, int(d.anonymous),
                _ts(d.ended_at), self._messages(d), d.announced,
            ),
        )

    async def delete_debate(self, debate_id: int) -> None:
        await self.store.write(delete_debate, (debate_id,))

    async def save_debate(self, d: Debate) -> None:
        """Store the debate's own row if nobody changed it since `d` was read, and count the change
        in `d.version`; raises StaleDebate (changing nothing) if somebody did."""
        params = (d.space.channel, d.phase_index, d.state.value, _ts(d.deadline), d.paused_remaining,
                  _ts(d.ended_at), self._messages(d), d.language, d.announced, d.id, d.version)
        async with self.store.lock:
            cur = await self.db.execute(update_debate, params)
            await self.db.commit()
        if cur.rowcount != 1:
            raise StaleDebate(d.id)
        d.version += 1

    async def debate_versions(self, also: Iterable[int] = ()) -> dict[int, tuple[int, int]]:
        """(version, touched) of every open debate, and of the debates `also` names (ended or not)."""
        rows = await self.db.execute_fetchall(select_debate_versions, (json.dumps(list(also)),))
        return {r["id"]: (r["version"], r["touched"]) for r in rows}

    async def debate_version(self, debate_id: int) -> tuple[int, int] | None:
        rows = list(await self.db.execute_fetchall(select_debate_version, (debate_id,)))
        return (rows[0]["version"], rows[0]["touched"]) if rows else None

    async def stage_votes(self, debate_id: int, stage: Stage) -> dict[str, Choice]:
        """The stored ballots of one stage (what every process counts)."""
        rows = await self.db.execute_fetchall(select_stage_votes, (debate_id, stage.value))
        return {r["voter"]: _CHOICES[r["choice"]] for r in rows}

    async def _write_touching(self, sql: str, params: Iterable, touch: str, key: object) -> int:
        return await self.store.write_then(sql, params, touch, (key,))

    @staticmethod
    def _messages(d: Debate) -> str:
        data = {"opening": d.opening_message_id}
        data.update({f"tally_{k.value}": v for k, v in d.tally_message_ids.items()})
        return json.dumps(data)

    async def load_open_debates(self) -> list[Debate]:
        """Every debate that has not ended, with its people, speeches, questions and ballots.

        Five queries in all, whatever the number of debates (the restart path).
        """
        debates = {row["id"]: self._debate(row) for row in await self.db.execute_fetchall(select_open_debates)}
        if not debates:
            return []
        for p in await self.db.execute_fetchall(select_open_participants):
            if (d := debates.get(p["debate_id"])) is not None:
                d.participants[p["user_id"]] = self._participant(p)
        for s in await self.db.execute_fetchall(select_open_speeches):
            if (d := debates.get(s["debate_id"])) is not None:
                d.speeches.append(self._speech(s))
        for q in await self.db.execute_fetchall(select_open_questions):
            if (d := debates.get(q["debate_id"])) is not None:
                d.questions.append(self._question(q))
        for h in await self.db.execute_fetchall(select_open_sides_held):
            if (d := debates.get(h["debate_id"])) is not None:
                d.sides_held[h["user_id"]] = Role(h["side"])
        stages, choices = _STAGES, _CHOICES
        async with self.db.execute(select_open_votes) as cursor:
            cursor.row_factory = None  # plain tuples: one vote row is four values
            while rows := await cursor.fetchmany(20_000):
                for debate_id, stage, voter, choice in rows:
                    if (d := debates.get(debate_id)) is not None:
                        d.votes[stages[stage]][voter] = choices[choice]
        return list(debates.values())

    async def load_owed_debates(self) -> list[Debate]:
        """Ended debates that still owe their result, with everything they hold."""
        return [await self._hydrate(row) for row in await self.db.execute_fetchall(select_owed_debates)]

    async def load_debate(self, debate_id: int) -> Debate | None:
        rows = list(await self.db.execute_fetchall(select_debate, (debate_id,)))
        return await self._hydrate(rows[0]) if rows else None

    async def last_debate_in(self, ref: ChannelRef) -> int | None:
        rows = list(await self.db.execute_fetchall(
            select_last_debate_in, (ref.platform, ref.workspace, ref.channel, ref.channel)
        ))
        return rows[0]["id"] if rows else None

    async def ended_debates(self, platform: str, workspace: str, limit: int = 10) -> list[int]:
        rows = await self.db.execute_fetchall(select_ended_debates, (platform, workspace, limit))
        return [r["id"] for r in rows]

    async def _hydrate(self, row: aiosqlite.Row) -> Debate:
        d = self._debate(row)
        for p in await self.db.execute_fetchall(select_participants, (d.id,)):
            d.participants[p["user_id"]] = self._participant(p)
        for s in await self.db.execute_fetchall(select_speeches, (d.id,)):
            d.speeches.append(self._speech(s))
        for q in await self.db.execute_fetchall(select_questions, (d.id,)):
            d.questions.append(self._question(q))
        for h in await self.db.execute_fetchall(select_sides_held, (d.id,)):
            d.sides_held[h["user_id"]] = Role(h["side"])
        for v in await self.db.execute_fetchall(select_votes, (d.id,)):
            d.votes[_STAGES[v["stage"]]][v["voter"]] = _CHOICES[v["choice"]]
        return d

    @staticmethod
    def _participant(p: aiosqlite.Row) -> Participant:
        return Participant(p["user_id"], p["name"], Role(p["role"]), _at(p["joined_at"]))

    @staticmethod
    def _speech(s: aiosqlite.Row) -> Speech:
        return Speech(s["id"], s["phase_index"], s["user_id"], s["name"], s["side"], s["text"], _at(s["at"]))

    @staticmethod
    def _question(q: aiosqlite.Row) -> Question:
        return Question(q["id"], q["user_id"], q["name"], q["text"], q["status"], _at(q["at"]), q["reason"])

    @staticmethod
    def _debate(row: aiosqlite.Row) -> Debate:
        """A debate from its own row, without participants, speeches, questions or ballots."""
        messages = json.loads(row["messages"])
        d = Debate(
            id=row["id"],
            space=ChannelRef(row["platform"], row["workspace"], row["channel"]),
            parent=ChannelRef(row["platform"], row["workspace"], row["parent_channel"]),
            motion_id=row["motion_id"],
            motion_title=row["motion_title"],
            motion_text=row["motion_text"],
            format_id=row["format_id"],
            language=row["language"],
            created_by=row["created_by"],
            created_at=_at(row["created_at"]),
            phase_index=row["phase_index"],
            state=DebateState(row["state"]),
            deadline=_dt(row["deadline"]),
            paused_remaining=row["paused_remaining"],
            anonymous=bool(row["anonymous"]),
            ended_at=_dt(row["ended_at"]),
            opening_message_id=messages.get("opening", ""),
            version=row["version"],
            touched=row["touched"],
            announced=row["announced"],
        )
        for stage in Stage:
            if f"tally_{stage.value}" in messages:
                d.tally_message_ids[stage] = messages[f"tally_{stage.value}"]
        return d

    async def save_participant(self, debate_id: int, p: Participant) -> None:
        await self._write_touching(upsert_participant, (debate_id, p.user_id, p.name, p.role.value, _ts(p.joined_at)),
                                   touch_debate, debate_id)

    async def remove_participant(self, debate_id: int, user_id: str) -> None:
        await self._write_touching(delete_participant, (debate_id, user_id), touch_debate, debate_id)

    async def add_speech(self, debate_id: int, s: Speech) -> int:
        return await self._write_touching(
            insert_speech, (debate_id, s.phase_index, s.user_id, s.name, s.side, s.text, _ts(s.at)),
            touch_debate, debate_id)

    async def add_question(self, debate_id: int, q: Question) -> int:
        return await self._write_touching(
            insert_question, (debate_id, q.user_id, q.name, q.text, q.status, q.reason, _ts(q.at)),
            touch_debate, debate_id)

    async def save_question(self, q: Question) -> None:
        await self._write_touching(update_question, (q.status, q.reason, q.id), touch_debate_of_question, q.id)

    # --- votes (called by the group-commit writer) ---

    async def write_votes(self, rows: list[VoteRow]) -> None:
        """Store a batch of ballots in one transaction (UPSERT: the last ballot of a voter wins)."""
        await self.store.insert_rows(upsert_votes_head, upsert_votes_tail, VOTE_COLUMNS, _vote_values(rows), pad=True)

    async def drain_votes(self, writer: GroupCommitWriter[VoteRow]) -> None:
        """The vote writer's drain (see `bot.core.kernel.writer.Drain`): batches stored as by `write_votes`."""
        await self.store.drain(writer, _write_votes_here, priority=0)
