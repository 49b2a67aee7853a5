"""ClaimService: argument maps (`/claim …`) in debates and discussion threads.

Claims go through moderation as speeches do (the core's guards: mutes, removals, slow mode, the
rate limit of "claim", the word filter) and a length limit; a refused claim comes back to its
author with the reason. Ratings are one per person per claim (changeable), stored under a keyed
hash in an anonymous debate, and a person sees a claim's mean only once they rated it, until a
moderator reveals the map (`/claim reveal`) or the debate or discussion ends. The store is the
truth: every command reads the map from it, so several processes and a restart agree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import partial

from bot.core.claims import cards as claim_cards
from bot.core.claims import export as claim_export
from bot.core.claims.cards import MapView
from bot.core.claims.tree import (
    SIDES,
    Claim,
    Ratings,
    check_edit,
    check_impact,
    check_move,
    descendants,
    impact,
    outline,
    parent_of,
    strongest,
    visible,
)
from bot.core.debates import export
from bot.core.debates.model import NO_TIME, Actor, AuditEntry, ChannelRef, Debate
from bot.core.debates.service import DebateService, voter_hash
from bot.core.kernel.cards import Attachment, Card, Field, Reply
from bot.core.kernel.command_specs import (
    ClaimEdit,
    ClaimMap,
    ClaimMove,
    ClaimNew,
    ClaimRate,
    DiscussExport,
)
from bot.core.kernel.errors import RuleError
from bot.core.kernel.pipeline import Route
from bot.core.kernel.request import Request
from bot.core.moderation.service import ModerationService
from bot.core.ports.charts import MAP_NODES, MapChart, MapNode
from bot.core.service import Core

log = logging.getLogger(__name__)
CLAIM_LIMIT = 300  # characters, as argument-mapping tools allow
SUBCOMMANDS = ("pro", "con", "edit", "remove", "move", "rate", "reveal", "map")
SCREEN_CLAIMS = 8  # claims the classroom screen shows, in reading order
SCREEN_DEPTH = 2  # levels of the map the classroom screen shows


@dataclass(frozen=True)
class Space:
    """The debate or discussion a map belongs to."""

    kind: str  # debate | discuss
    id: int
    where: ChannelRef  # where its claims are posted
    language: str
    thesis: str
    title: str
    anonymous: bool
    open: bool
    target: object  # the Debate or Discussion, for the guards

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


def debate_space(d: Debate) -> Space:
    return Space("debate", d.id, d.space, d.language, d.motion_text, d.motion_title, d.anonymous, d.running, d)


class ClaimService:
    def __init__(self, core: Core, debates: DebateService, moderation: ModerationService,
                 max_chars: int = CLAIM_LIMIT) -> None:
        self.core = core
        self.debates = debates
        self.moderation = moderation
        self.store = core.store.claims
        self.max_chars = max_chars

    def routes(self) -> list[Route]:
        return [*(Route("claim", sub, getattr(self, f"cmd_{sub}")) for sub in SUBCOMMANDS),
                Route("discuss", "export", self.cmd_discuss_export)]

    def t(self, lang: str, key: str, **params: object) -> str:
        return self.core.t(lang, key, **params)

    # --- where a request is ---

    async def _here(self, req: Request, open_only: bool) -> Space:
        """The debate running here, else the discussion open here; without `open_only`, also
        the debate that ran here last."""
        usage = req.cmd.spec.usage_key
        try:
            return debate_space(await self.debates.current(req))
        except RuleError:
            pass
        disc = self.moderation.discussion_at(req.channel, parent_too=True)
        if disc is not None:
            return Space("discuss", disc.id, disc.space, disc.language, disc.topic, disc.topic, False,
                         disc.closed_at is None, disc)
        if not open_only:
            try:
                return debate_space(await self.debates.latest(req))
            except RuleError:
                pass
        raise RuleError("claim.error.no_place", usage)

    async def _map(self, space: Space) -> tuple[list[Claim], dict[int, Claim], Ratings]:
        claims = await self.store.in_space(space.key, space.where.platform, space.where.workspace)
        ratings = await self.store.ratings(space.key, space.where.platform, space.where.workspace)
        return claims, visible(claims), ratings

    async def _claim(self, req: Request, space: Space, tree: dict[int, Claim]) -> Claim:
        cid: int = req.cmd.read(req.cmd.spec.values).id  # edit, remove, move, rate: each holds the claim's id
        if cid not in tree:
            raise RuleError("claim.error.unknown", req.cmd.spec.usage_key, id=cid)
        return tree[cid]

    def rater(self, space: Space, actor: Actor) -> str:
        """Who a rating belongs to: the user id, or in an anonymous debate a keyed hash of it."""
        if space.anonymous:
            return voter_hash(self.core.secret, actor, f"claims:{space.key}")
        return actor.user_id

    async def revealed(self, space: Space) -> bool:
        return not space.open or await self.store.revealed(space.key)

    def _text(self, req: Request) -> str:
        values = req.cmd.read(ClaimEdit) if req.cmd.sub == "edit" else req.cmd.read(ClaimNew)
        text = values.text.strip()
        if not text:
            raise RuleError("parse.missing_text", req.cmd.spec.usage_key)
        if len(text) > self.max_chars:
            raise RuleError("claim.error.too_long", req.cmd.spec.usage_key, handback=text, length=len(text),
                            limit=self.max_chars)
        return text

    async def _guard(self, req: Request, space: Space, action: str, text: str) -> None:
        """Moderation may refuse (a mute, the filter, a rate limit); the author gets the text back."""
        try:
            await self.core.pipeline.guard(action, req.actor, req.channel, space.target, text)
        except RuleError as exc:
            if text and not exc.handback:
                exc.handback = text
            raise

    # --- adding and changing claims ---

    async def cmd_pro(self, req: Request) -> list[Reply]:
        return await self._add(req, "pro")

    async def cmd_con(self, req: Request) -> list[Reply]:
        return await self._add(req, "con")

    async def _add(self, req: Request, side: str) -> list[Reply]:
        assert side in SIDES
        text = self._text(req)
        try:
            space = await self._here(req, open_only=True)
            _, tree, _ = await self._map(space)
            parent = parent_of(tree, req.cmd.read(ClaimNew).parent or None, req.cmd.spec.usage_key)
        except RuleError as exc:
            exc.handback = text
            raise
        await self._guard(req, space, "claim", text)
        c = Claim(0, space.key, space.where.platform, space.where.workspace, parent, side, text,
                  req.actor.user_id, req.actor.name, self.core.clock.now(), channel=space.where.channel)
        c.id = await self.store.add(c)
        try:
            c.message_id = await self.core.port(space.where).post(space.where, claim_cards.posted(
                self.core, space.language, c))
            await self.store.save(c)
        except Exception:
            log.exception("claim %s is stored but its card could not be posted", c.id)
        return [Reply(Card("notice", body=self.t(space.language, "claim.added", id=c.id,
                                                 side=claim_cards.side_name(self.core, space.language, side))))]

    async def cmd_edit(self, req: Request) -> list[Reply]:
        text = self._text(req)
        try:
            space = await self._here(req, open_only=True)
            _, tree, ratings = await self._map(space)
            c = await self._claim(req, space, tree)
            check_edit(tree, c, req.actor.user_id, bool(ratings.get(c.id)))
        except RuleError as exc:
            exc.handback = text
            raise
        await self._guard(req, space, "claim", text)
        c.text, c.edited_at = text, self.core.clock.now()
        await self.store.save(c)
        await self._redraw(space, c, claim_cards.posted(self.core, space.language, c))
        return [Reply(Card("notice", body=self.t(space.language, "claim.edited", id=c.id)))]

    async def cmd_remove(self, req: Request) -> list[Reply]:
        space = await self._here(req, open_only=False)
        _, tree, _ = await self._map(space)
        c = await self._claim(req, space, tree)
        hidden = len(descendants(tree, c.id))
        c.removed_at, c.removed_by = self.core.clock.now(), req.actor.user_id
        await self.store.save(c)
        await self._audit(req.actor, space, "claim.remove", target=c.author_id,
                          details=f"#{c.id} ({c.side}, {hidden} below): {c.text}")
        await self._redraw(space, c, claim_cards.removed(self.core, space.language, c))
        return [Reply(Card("notice", body=self.core.tn(space.language, "claim.removed", hidden, id=c.id)))]

    async def cmd_move(self, req: Request) -> list[Reply]:
        space = await self._here(req, open_only=False)
        _, tree, _ = await self._map(space)
        c = await self._claim(req, space, tree)
        new_parent = check_move(tree, c.id, req.cmd.read(ClaimMove).parent)
        before, c.parent_id = c.parent_id, new_parent
        await self.store.save(c)
        await self._audit(req.actor, space, "claim.move", target=c.author_id,
                          details=f"#{c.id}: {before or 0} -> {new_parent or 0}")
        await self._redraw(space, c, claim_cards.posted(self.core, space.language, c))
        on = claim_cards.on_what(self.core, space.language, new_parent)
        return [Reply(Card("notice", body=self.t(space.language, "claim.moved", id=c.id, on=on)))]

    async def _redraw(self, space: Space, c: Claim, card: Card) -> None:
        if not c.message_id:
            return
        where = ChannelRef(c.platform, c.workspace, c.channel or space.where.channel)
        try:
            await self.core.port(where).edit(where, c.message_id, card)
        except Exception:
            log.exception("could not redraw the card of claim %s", c.id)

    # --- ratings ---

    async def cmd_rate(self, req: Request) -> list[Reply]:
        value = check_impact(req.cmd.read(ClaimRate).impact)
        space = await self._here(req, open_only=True)
        _, tree, _ = await self._map(space)
        c = await self._claim(req, space, tree)
        await self._guard(req, space, "vote", "")
        rater = self.rater(space, req.actor)
        before = await self.store.rate(c.id, rater, value, NO_TIME if space.anonymous else self.core.clock.now())
        ratings = await self.store.ratings(space.key, space.where.platform, space.where.workspace)
        card = claim_cards.rating(self.core, space.language, c, value, before, impact(ratings.get(c.id)))
        return [Reply(card)]

    async def cmd_reveal(self, req: Request) -> list[Reply]:
        space = await self._here(req, open_only=False)
        await self.store.reveal(space.key, req.actor.user_id, self.core.clock.now())
        await self._audit(req.actor, space, "claim.reveal", details=space.key)
        await self.core.port(space.where).post(space.where, Card(
            "notice", body=self.t(space.language, "claim.revealed_post")))
        return [Reply(Card("notice", body=self.t(space.language, "claim.revealed")))]

    # --- showing and exporting the map ---

    async def view(self, space: Space, actor: Actor, ratings: Ratings) -> MapView:
        rater = self.rater(space, actor)
        return MapView(await self.revealed(space), frozenset(cid for cid, r in ratings.items() if rater in r))

    async def cmd_map(self, req: Request) -> list[Reply]:
        space = await self._here(req, open_only=False)
        _, tree, ratings = await self._map(space)
        asked = req.cmd.read(ClaimMap)
        root, depth = asked.id, asked.depth
        if root is not None and root not in tree:
            raise RuleError("claim.error.unknown", "usage.claim.map", id=root)
        view = await self.view(space, req.actor, ratings)
        lines = outline(tree, ratings, root=root, depth=depth, by_impact=view.revealed)
        page = asked.page
        card = claim_cards.map_card(self.core, space.language, space.thesis, lines, ratings, view, page, root)
        if page <= 1 and asked.picture and lines:
            picture = await self.picture(space, lines, ratings, view, root)
            if picture is not None:
                card = replace(card, attachment=picture)
        return [Reply(card, private=not view.revealed)]

    async def picture(self, space: Space, lines: list[tuple[int, Claim]], ratings: Ratings, view: MapView,
                      root: int | None) -> Attachment | None:
        charts = self.core.charts
        if charts is None:
            return None
        lang = space.language
        shown = lines[:MAP_NODES]
        top = MapNode(0, None, "thesis", self.t(lang, "claim.picture_thesis"), "", space.thesis)
        nodes = [top]
        for level, c in shown:
            parent = 0 if level == 0 else c.parent_id
            heading = self.t(lang, "claim.picture_heading", id=c.id, side=claim_cards.side_name(self.core, lang, c.side))
            detail = claim_cards.impact_text(self.core, lang, impact(ratings.get(c.id)), view.shows(c.id))
            nodes.append(MapNode(c.id, parent, c.side, heading, detail, c.text))
        left = len(lines) - len(shown)
        note = self.core.tn(lang, "claim.picture_more", left) if left else ""
        name = f"{space.kind}-{space.id}-map.png" if root is None else f"{space.kind}-{space.id}-claim-{root}.png"
        return await export.png(partial(charts.claim_map, MapChart(nodes, note)), name)

    async def screen_map(self, d: Debate, limit: int = SCREEN_CLAIMS) -> list[dict[str, object]]:
        """Debate `d`'s map for the classroom screen (bot/web): its first `limit` claims in reading
        order, two levels deep, each with its side and text, and its mean impact only once the
        ratings are revealed (the screen is for everybody). No author: nobody is named there."""
        space = debate_space(d)
        _, tree, ratings = await self._map(space)
        shown = await self.revealed(space)
        lang = space.language
        lines = outline(tree, ratings, depth=SCREEN_DEPTH, by_impact=shown)[:limit]
        out: list[dict[str, object]] = []
        for level, c in lines:
            rated = impact(ratings.get(c.id))
            out.append({"id": c.id, "level": level, "side": c.side, "text": c.text,
                        "heading": self.t(lang, "claim.picture_heading", id=c.id,
                                          side=claim_cards.side_name(self.core, lang, c.side)),
                        "impact": claim_cards.impact_text(self.core, lang, rated, shown) if shown else ""})
        return out

    async def map_data(self, space: Space) -> claim_export.MapData:
        _, tree, ratings = await self._map(space)
        return claim_export.MapData(space.kind, space.id, space.thesis, space.language, tree, ratings,
                                    await self.revealed(space))

    async def debate_map(self, d: Debate) -> claim_export.MapData:
        """The map of debate `d`, for its exports."""
        return await self.map_data(debate_space(d))

    async def cmd_discuss_export(self, req: Request) -> list[Reply]:
        space = await self._here(req, open_only=True)
        if space.kind != "discuss":
            raise RuleError("claim.error.no_discussion", "usage.discuss.export")
        kind = req.cmd.read(DiscussExport).format
        title = self.t(space.language, "claim.export_discussion", id=space.id, topic=space.thesis)
        return [self.file_reply(await self.map_data(space), kind, title, f"discussion-{space.id}")]

    def file_reply(self, m: claim_export.MapData, kind: str, title: str, stem: str) -> Reply:
        data = claim_export.render(self.core, m, kind, title)
        card = Card("notice", body=self.t(m.language, "claim.exported", format=kind),
                    attachment=Attachment(f"{stem}.{kind}", data,
                                          claim_export.MIME[kind]))
        return Reply(card, private=False)

    # --- the result aid ---

    async def result_fields(self, d: Debate) -> tuple[Field, ...]:
        """The strongest pro and con claim of debate `d` (result card), or () without a map."""
        space = debate_space(d)
        _, tree, ratings = await self._map(space)
        if not tree:
            return ()
        best = {side: strongest(tree, ratings, side) for side in SIDES}
        return claim_cards.strongest_fields(self.core, d.language, best)

    async def _audit(self, actor: Actor, space: Space, action: str, *, target: str = "", details: str = "") -> None:
        await self.core.audit(AuditEntry(
            platform=space.where.platform, workspace=space.where.workspace, at=self.core.clock.now(),
            actor=actor.user_id, action=action, target=target, details=details,
            debate_id=space.id if space.kind == "debate" else None))
