"""`GET /metrics`: what the bot did, in the Prometheus text format (prometheus-client).

`PrometheusMetrics` is the core's `Metrics` port: the core and the adapters tell it what happened
(a ballot answered, an edit sent, a 429, a deadline, a retried delivery). What the bot holds right
now (open debates and polls) and the writers' batch sizes are read when Prometheus scrapes, from
the sources `watch` names, so the vote path pays nothing for them.

Each instance has a registry of its own: two cores in one process (the tests) never share counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client import Counter as PromCounter
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

PREFIX = "debate_bot"
# seconds from a ballot reaching the core to its answer: a committed ballot takes milliseconds,
# a store under load tens of them
VOTE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000)  # rows in one commit


class BatchSizes(Protocol):
    """A group-commit writer, as far as metrics see it."""

    batch_sizes: Counter[int]


class PrometheusMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._votes = PromCounter(f"{PREFIX}_votes", "Ballots answered, by outcome (confirmed: stored; refused).",
                                  ["platform", "outcome"], registry=self.registry)
        self._vote_seconds = Histogram(f"{PREFIX}_vote_seconds", "Seconds from a ballot reaching the core to its answer.",
                                       ["platform"], buckets=VOTE_BUCKETS, registry=self.registry)
        self._edits = PromCounter(f"{PREFIX}_tally_edits", "Message edits sent to the platform (live tallies).",
                                  ["platform"], registry=self.registry)
        self._limited = PromCounter(f"{PREFIX}_rate_limited", "Platform answers of 429 Too Many Requests.",
                                    ["platform"], registry=self.registry)
        self._deadlines = PromCounter(f"{PREFIX}_deadlines_fired", "Deadlines run: phase, poll, mute.",
                                      ["kind"], registry=self.registry)
        self._duplicates = PromCounter(f"{PREFIX}_deliveries_deduplicated",
                                       "Deliveries seen before (a platform's retry), left alone.",
                                       ["platform"], registry=self.registry)
        self._state = _StateCollector()
        self.registry.register(self._state)

    # --- the Metrics port ---

    def vote(self, platform: str, outcome: str, seconds: float) -> None:
        self._votes.labels(platform, outcome).inc()
        self._vote_seconds.labels(platform).observe(seconds)

    def tally_edit(self, platform: str) -> None:
        self._edits.labels(platform).inc()

    def rate_limited(self, platform: str) -> None:
        self._limited.labels(platform).inc()

    def deadline_fired(self, kind: str) -> None:
        self._deadlines.labels(kind).inc()

    def duplicate(self, platform: str) -> None:
        self._duplicates.labels(platform or "unknown").inc()

    # --- what is read at each scrape ---

    def watch(self, open_counts: Callable[[], Mapping[str, int]],
              writers: Callable[[], Mapping[str, BatchSizes]]) -> None:
        """Where the scrape reads open debates and polls, and the writers' batch sizes."""
        self._state.open_counts = open_counts
        self._state.writers = writers

    def text(self) -> bytes:
        return generate_latest(self.registry)

    async def handle(self, request: web.Request) -> web.Response:
        return web.Response(body=self.text(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    def mount(self, app: web.Application) -> None:
        app.router.add_get("/metrics", self.handle)


class _StateCollector(Collector):
    def __init__(self) -> None:
        self.open_counts: Callable[[], Mapping[str, int]] = dict
        self.writers: Callable[[], Mapping[str, BatchSizes]] = dict

    def collect(self) -> Iterator[Metric]:
        counts = self.open_counts()
        yield GaugeMetricFamily(f"{PREFIX}_open_debates", "Debates running or paused in this process.",
                                value=counts.get("debates", 0))
        yield GaugeMetricFamily(f"{PREFIX}_open_polls", "Polls open in this process.", value=counts.get("polls", 0))
        family = HistogramMetricFamily(f"{PREFIX}_writer_batch_rows", "Rows in each commit of a group-commit writer.",
                                       labels=["writer"])
        for name, writer in sorted(self.writers().items()):
            sizes = dict(writer.batch_sizes)  # a copy: the writer counts on while this reads
            buckets = []
            for bound in BATCH_BUCKETS:
                below = sum(n for size, n in sizes.items() if size <= bound)
                buckets.append((floatToGoString(bound), below))  # le="1.0", as the library's own histograms
            total = sum(sizes.values())
            buckets.append(("+Inf", total))
            family.add_metric([name], buckets, sum(size * n for size, n in sizes.items()))
        yield family

    def describe(self) -> Iterator[Metric]:
        return iter(())
