"""SQL for debates and everything they hold (participants, speeches, questions, ballots), on
the pool of :class:`PostgresStore` (which hands these calls to `PgDebateStore`; the same behaviour
as `DebateStore` on SQLite)."""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

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
from bot.storage.postgres_connection import PostgresConnection, columns, last_per_key

_STAGES = {s.value: s for s in Stage}
_CHOICES = {c.value: c for c in Choice}

insert_debate = """
INSERT INTO debates (platform, workspace, channel, parent_channel, motion_id, motion_title,
    motion_text, format_id, language, created_by, created_at, phase_index, state, deadline,
    paused_remaining, anonymous, ended_at, messages, announced)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
RETURNING id
"""
# A compare-and-set: the row changes only if nobody changed it since it was read (`version`).
update_debate = """
UPDATE debates SET channel = $1, phase_index = $2, state = $3, deadline = $4, paused_remaining = $5,
    ended_at = $6, messages = $7, language = $8, announced = $9, version = version + 1
WHERE id = $10 AND version = $11
"""
touch_debate = "UPDATE debates SET touched = touched + 1 WHERE id = $1"
touch_debate_of_question = "UPDATE debates SET touched = touched + 1 WHERE id = (SELECT debate_id FROM questions WHERE id = $1)"
select_debate_version = "SELECT version, touched FROM debates WHERE id = $1"
select_debate_versions = "SELECT id, version, touched FROM debates WHERE state <> 'ended' OR id = ANY($1::bigint[])"
select_stage_votes = "SELECT voter, choice FROM votes WHERE debate_id = $1 AND stage = $2"
select_owed_debates = "SELECT * FROM debates WHERE state = 'ended' AND announced <= phase_index ORDER BY id"
select_sides_held = "SELECT user_id, side FROM sides_held WHERE debate_id = $1"
select_open_sides_held = """
SELECT h.debate_id, h.user_id, h.side FROM sides_held h JOIN debates d ON d.id = h.debate_id WHERE d.state <> 'ended'
"""
delete_debate = "DELETE FROM debates WHERE id = $1"
select_open_debates = "SELECT * FROM debates WHERE state <> 'ended' ORDER BY id"
# The restart path: every open debate's rows in one query per table, not one per debate. Rows
# come in the order SQLite gives (its tables are ordered by their keys; "C" compares as it does).
select_open_participants = """
SELECT p.* FROM participants p JOIN debates d ON d.id = p.debate_id WHERE d.state <> 'ended'
ORDER BY p.debate_id, p.user_id COLLATE "C"
"""
select_open_speeches = """
SELECT s.* FROM speeches s JOIN debates d ON d.id = s.debate_id WHERE d.state <> 'ended' ORDER BY s.id
"""
select_open_questions = """
SELECT q.* FROM questions q JOIN debates d ON d.id = q.debate_id WHERE d.state <> 'ended' ORDER BY q.id
"""
select_open_votes = """
SELECT v.debate_id, v.stage, v.voter, v.choice FROM votes v JOIN debates d ON d.id = v.debate_id
WHERE d.state <> 'ended'
ORDER BY v.debate_id, v.stage COLLATE "C", v.voter COLLATE "C"
"""
select_debate = "SELECT * FROM debates WHERE id = $1"
select_last_debate_in = """
SELECT id FROM debates WHERE platform = $1 AND workspace = $2 AND (channel = $3 OR parent_channel = $3)
ORDER BY id DESC LIMIT 1
"""
select_ended_debates = """
SELECT id FROM debates WHERE platform = $1 AND workspace = $2 AND state = 'ended' ORDER BY id DESC LIMIT $3
"""
upsert_participant = """
INSERT INTO participants (debate_id, user_id, name, role, joined_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (debate_id, user_id) DO UPDATE SET name = excluded.name, role = excluded.role
"""
delete_participant = "DELETE FROM participants WHERE debate_id = $1 AND user_id = $2"
select_participants = 'SELECT * FROM participants WHERE debate_id = $1 ORDER BY user_id COLLATE "C"'
insert_speech = """
INSERT INTO speeches (debate_id, phase_index, user_id, name, side, text, at) VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id
"""
select_speeches = "SELECT * FROM speeches WHERE debate_id = $1 ORDER BY id"
insert_question = """
INSERT INTO questions (debate_id, user_id, name, text, status, reason, at) VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id
"""
update_question = "UPDATE questions SET status = $1, reason = $2 WHERE id = $3"
select_questions = "SELECT * FROM questions WHERE debate_id = $1 ORDER BY id"
select_votes = 'SELECT stage, voter, choice FROM votes WHERE debate_id = $1 ORDER BY stage COLLATE "C", voter COLLATE "C"'
# A batch of ballots, one statement: each argument is one column. One statement cannot touch a
# row twice, so the batch comes deduplicated (the last ballot of each voter, see `last_per_key`).
# A ballot carries the version of the debate it was cast against (NULL: no condition). The debates
# are share-locked until the commit, so a phase change (a compare-and-set on the version, by any
# process) waits for these ballots, or these wait for it and see its new version; a ballot cast
# against an older version (or a debate that is gone) is left out, and its key is not returned; one
# with no version and no debate breaks the foreign key, and the batch with it.
upsert_votes = """
WITH ballots AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bigint[])
        AS u (debate_id, stage, voter, choice, at, version)
), live AS (
    SELECT id, version FROM debates WHERE id IN (SELECT debate_id FROM ballots) FOR SHARE
)
INSERT INTO votes (debate_id, stage, voter, choice, at)
SELECT b.debate_id, b.stage, b.voter, b.choice, b.at FROM ballots b LEFT JOIN live ON live.id = b.debate_id
WHERE b.version IS NULL OR b.version = live.version
ON CONFLICT (debate_id, stage, voter) DO UPDATE SET choice = excluded.choice, at = excluded.at
RETURNING debate_id, stage, voter
"""
# One ballot, one row: what a plain `executemany` would send (the bench's raw baseline).
upsert_vote = """
INSERT INTO votes (debate_id, stage, voter, choice, at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (debate_id, stage, voter) DO UPDATE SET choice = excluded.choice, at = excluded.at
"""


class PgDebateStore:
    """Debates on the store's pool."""

    def __init__(self, store: PostgresConnection) -> None:
        self.store = store
        self.pool = store.pool

    async def create_debate(self, d: Debate) -> int:
        return await self.pool.fetchval(
            insert_debate,
            d.space.platform, d.space.workspace, d.space.channel, d.parent.channel, d.motion_id,
            d.motion_title, d.motion_text, d.format_id, d.language, d.created_by, d.created_at,
            d.phase_index, d.state.value, d.deadline, d.paused_remaining, d.anonymous, d.ended_at,
            self._messages(d), d.announced,
        )

    async def delete_debate(self, debate_id: int) -> None:
        await self.pool.execute(delete_debate, debate_id)

    async def save_debate(self, d: Debate) -> None:
        """Store the debate's own row if nobody changed it since `d` was read, and count the change
        in `d.version`; raises StaleDebate (changing nothing) if somebody did."""
        status = await self.pool.execute(
            update_debate,
            d.space.channel, d.phase_index, d.state.value, d.deadline, d.paused_remaining, d.ended_at,
            self._messages(d), d.language, d.announced, d.id, d.version,
        )
        if status != "UPDATE 1":
            raise StaleDebate(d.id)
        d.version += 1

    async def debate_version(self, debate_id: int) -> tuple[int, int] | None:
        row = await self.pool.fetchrow(select_debate_version, debate_id)
        return (row["version"], row["touched"]) if row else None

    async def debate_versions(self, also: Iterable[int] = ()) -> dict[int, tuple[int, int]]:
        rows = await self.pool.fetch(select_debate_versions, list(also))
        return {r["id"]: (r["version"], r["touched"]) for r in rows}

    async def stage_votes(self, debate_id: int, stage: Stage) -> dict[str, Choice]:
        rows = await self.pool.fetch(select_stage_votes, debate_id, stage.value)
        return {r["voter"]: _CHOICES[r["choice"]] for r in rows}

    async def _touching(self, sql: str, args: tuple, touch: str, key: object, fetch: bool = False):
        """`sql`, and in the same transaction count a change of the debate's people or texts."""
        return await self.store.write_then(sql, args, touch, key, fetch)

    async def load_owed_debates(self) -> list[Debate]:
        """Ended debates that still owe their result, with everything they hold."""
        ids = [r["id"] for r in await self.pool.fetch(select_owed_debates)]
        return [d for i in ids if (d := await self.load_debate(i)) is not None]

    @staticmethod
    def _messages(d: Debate) -> dict[str, str]:
        data = {"opening": d.opening_message_id}
        data.update({f"tally_{k.value}": v for k, v in d.tally_message_ids.items()})
        return data

    async def load_open_debates(self) -> list[Debate]:
        """Every debate that has not ended, with its people, speeches, questions and ballots.

        Five queries in all, whatever the number of debates (the restart path), on one snapshot.
        """
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            debates = {row["id"]: self._debate(row) for row in await conn.fetch(select_open_debates)}
            if not debates:
                return []
            for p in await conn.fetch(select_open_participants):
                if (d := debates.get(p["debate_id"])) is not None:
                    d.participants[p["user_id"]] = self._participant(p)
            for s in await conn.fetch(select_open_speeches):
                if (d := debates.get(s["debate_id"])) is not None:
                    d.speeches.append(self._speech(s))
            for q in await conn.fetch(select_open_questions):
                if (d := debates.get(q["debate_id"])) is not None:
                    d.questions.append(self._question(q))
            for h in await conn.fetch(select_open_sides_held):
                if (d := debates.get(h["debate_id"])) is not None:
                    d.sides_held[h["user_id"]] = Role(h["side"])
            stages, choices = _STAGES, _CHOICES
            for debate_id, stage, voter, choice in await conn.fetch(select_open_votes):
                if (d := debates.get(debate_id)) is not None:
                    d.votes[stages[stage]][voter] = choices[choice]
        return list(debates.values())

    async def load_debate(self, debate_id: int) -> Debate | None:
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            row = await conn.fetchrow(select_debate, debate_id)
            if row is None:
                return None
            d = self._debate(row)
            for p in await conn.fetch(select_participants, d.id):
                d.participants[p["user_id"]] = self._participant(p)
            d.speeches = [self._speech(s) for s in await conn.fetch(select_speeches, d.id)]
            d.questions = [self._question(q) for q in await conn.fetch(select_questions, d.id)]
            for stage, voter, choice in await conn.fetch(select_votes, d.id):
                d.votes[_STAGES[stage]][voter] = _CHOICES[choice]
            for h in await conn.fetch(select_sides_held, d.id):
                d.sides_held[h["user_id"]] = Role(h["side"])
        return d

    async def last_debate_in(self, ref: ChannelRef) -> int | None:
        return await self.pool.fetchval(select_last_debate_in, ref.platform, ref.workspace, ref.channel)

    async def ended_debates(self, platform: str, workspace: str, limit: int = 10) -> list[int]:
        return [r["id"] for r in await self.pool.fetch(select_ended_debates, platform, workspace, limit)]

    @staticmethod
    def _participant(p: asyncpg.Record) -> Participant:
        return Participant(p["user_id"], p["name"], Role(p["role"]), p["joined_at"])

    @staticmethod
    def _speech(s: asyncpg.Record) -> Speech:
        return Speech(s["id"], s["phase_index"], s["user_id"], s["name"], s["side"], s["text"], s["at"])

    @staticmethod
    def _question(q: asyncpg.Record) -> Question:
        return Question(q["id"], q["user_id"], q["name"], q["text"], q["status"], q["at"], q["reason"])

    @staticmethod
    def _debate(row: asyncpg.Record) -> Debate:
        """A debate from its own row, without participants, speeches, questions or ballots."""
        messages = row["messages"]
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
            created_at=row["created_at"],
            phase_index=row["phase_index"],
            state=DebateState(row["state"]),
            deadline=row["deadline"],
            paused_remaining=row["paused_remaining"],
            anonymous=row["anonymous"],
            ended_at=row["ended_at"],
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
        await self._touching(upsert_participant, (debate_id, p.user_id, p.name, p.role.value, p.joined_at),
                             touch_debate, debate_id)

    async def remove_participant(self, debate_id: int, user_id: str) -> None:
        await self._touching(delete_participant, (debate_id, user_id), touch_debate, debate_id)

    async def add_speech(self, debate_id: int, s: Speech) -> int:
        return await self._touching(insert_speech, (debate_id, s.phase_index, s.user_id, s.name, s.side, s.text, s.at),
                                    touch_debate, debate_id, fetch=True)

    async def add_question(self, debate_id: int, q: Question) -> int:
        return await self._touching(insert_question, (debate_id, q.user_id, q.name, q.text, q.status, q.reason, q.at),
                                    touch_debate, debate_id, fetch=True)

    async def save_question(self, q: Question) -> None:
        await self._touching(update_question, (q.status, q.reason, q.id), touch_debate_of_question, q.id)

    # --- votes (called by the group-commit writer) ---

    async def write_votes(self, rows: list[VoteRow]) -> list[VoteRow]:
        """Store a batch of ballots in one statement (UPSERT: the last ballot of a voter wins).
        Returns the ballots left out: cast against a debate that has moved on since (or is gone)."""
        if not rows:
            return []
        stored = await self.pool.fetch(upsert_votes, *columns(last_per_key(rows, _vote_key), 6))
        if len(stored) == len(rows):
            return []
        kept = {(r["debate_id"], r["stage"], r["voter"]) for r in stored}
        return [r for r in rows if _vote_key(r) not in kept]

    async def drain_votes(self, writer: GroupCommitWriter[VoteRow]) -> None:
        """No drain here: the writer commits from the event loop (asyncpg has no thread to drain on)."""
        raise NotImplementedError("PostgresStore commits each batch from the event loop")


def _vote_key(r: VoteRow) -> tuple[int, str, str]:
    return r.debate_id, r.stage, r.voter
