"""Platform deliveries handled once: a retried interaction, Slack event or action does nothing."""

from __future__ import annotations

from collections import OrderedDict

from bot.core.ports import Clock, Metrics, Store

DEDUPE_MEMORY = 10_000  # recent keys this process remembers, to spare the store a round trip


class Deliveries:
    def __init__(self, store: Store, clock: Clock, metrics: Metrics) -> None:
        self.store = store
        self.clock = clock
        self.metrics = metrics
        self._seen: OrderedDict[str, None] = OrderedDict()

    async def seen_before(self, key: str | None, platform: str = "") -> bool:
        """Whether this delivery was handled before, by this process or any other on the store
        (before a restart too): the first call for a key claims it in the store. The memory of
        recent keys only saves a store round trip for a retry this process has already seen."""
        if key is None:
            return False
        if key in self._seen:
            self.metrics.duplicate(platform)
            return True
        fresh = await self.store.claim_delivery(key, self.clock.now())
        self._seen[key] = None
        if len(self._seen) > DEDUPE_MEMORY:
            self._seen.popitem(last=False)
        if not fresh:
            self.metrics.duplicate(platform)
        return not fresh
