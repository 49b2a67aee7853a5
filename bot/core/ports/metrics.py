"""What is counted for an operator (GET /metrics)."""

from __future__ import annotations

from typing import Protocol


class Metrics(Protocol):
    """What the core and the adapters count for an operator (GET /metrics); the implementation
    lives outside the core (bot/web/metrics.py). Every method returns at once and never raises."""

    def vote(self, platform: str, outcome: str, seconds: float) -> None:
        """A ballot was answered: `outcome` "confirmed" (stored) or "refused", `seconds` from the
        request reaching the core to its answer."""
        ...

    def tally_edit(self, platform: str) -> None:
        """A live tally (or another card) was edited on the platform."""
        ...

    def rate_limited(self, platform: str) -> None:
        """The platform answered 429."""
        ...

    def deadline_fired(self, kind: str) -> None:
        """A deadline ran: "phase" (a debate's speaking time), "poll" (a poll closing), "mute"."""
        ...

    def duplicate(self, platform: str) -> None:
        """A delivery seen before (a platform's retry) was left alone."""
        ...


class NoMetrics:
    """Counts nothing: the core without a metrics endpoint."""

    def vote(self, platform: str, outcome: str, seconds: float) -> None:
        pass

    def tally_edit(self, platform: str) -> None:
        pass

    def rate_limited(self, platform: str) -> None:
        pass

    def deadline_fired(self, kind: str) -> None:
        pass

    def duplicate(self, platform: str) -> None:
        pass
