"""What /metrics shows, in Prometheus' text format (prometheus-client).

One registry per App, never the library's global one: tests build many apps in one process,
and no state outlives the app that owns it. Counters are incremented where things happen
(the engine's turns, the outbox's deliveries, the database's group commits, digest firings);
the backlog and the transports' own counters are read when /metrics is asked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.transports.base import TransportMetrics

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Turn latency: most turns take a few ms; a turn past a second is what operators must see.
TURN_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
GROUP_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter(
            "aidbridge_updates",
            "Updates (messages, button presses) handled, by transport and result",
            ["transport", "result"],
            registry=r,
        )
        self.turn_seconds = Histogram(
            "aidbridge_turn_seconds",
            "Time from an update's arrival at the engine to its answers",
            ["transport"],
            buckets=TURN_BUCKETS,
            registry=r,
        )
        self.group_commit_turns = Histogram(
            "aidbridge_group_commit_turns",
            "Turns made durable by one group commit",
            buckets=GROUP_BUCKETS,
            registry=r,
        )
        self.deliveries = Counter(
            "aidbridge_deliveries",
            "Outbox deliveries by transport and result (sent, retried, rate_limited, "
            "unreachable, failed, edit_repeated: an edit found already made, retaken: taken "
            "over from a replica whose claim expired, so it may repeat once)",
            ["transport", "result"],
            registry=r,
        )
        self.digests = Counter(
            "aidbridge_digests_sent", "Digest firings that queued a digest", registry=r
        )
        self.resumed_at_start = Gauge(
            "aidbridge_outbox_resumed_at_start",
            "Answers from before the last restart delivered after it (each may have been the "
            "one in flight, so repeated once; an edit repeats as the same edit)",
            registry=r,
        )
        self.lease_held = Gauge(
            "aidbridge_scheduler_lease_held",
            "1 while this replica holds the scheduler's lease (digests, housekeeping); with "
            "several replicas exactly one should say 1",
            registry=r,
        )
        self.scheduler_lag = Gauge(
            "aidbridge_scheduler_lag_seconds",
            "How late the last digest firing ran after its scheduled time",
            registry=r,
        )

    def watch(
        self,
        transports: Mapping[str, TransportMetrics],
        backlog: Callable[[], tuple[int, datetime | None]],
        clock: Callable[[], datetime],
    ) -> None:
        """Read at each scrape: the transports' counters and the outbox backlog (``backlog``
        returns the last figures the server read from the database)."""
        self.registry.register(_LiveCollector(transports, backlog, clock))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _LiveCollector(Collector):
    def __init__(
        self,
        transports: Mapping[str, TransportMetrics],
        backlog: Callable[[], tuple[int, datetime | None]],
        clock: Callable[[], datetime],
    ) -> None:
        self._transports = transports
        self._backlog = backlog
        self._clock = clock

    def collect(self) -> Iterable[CounterMetricFamily | GaugeMetricFamily]:
        fields = {
            "skipped_updates": "Updates or events that could not be read and were skipped",
            "loop_restarts": "Times the receiving loop failed and started again",
            "token_refusals": "Answers refusing the bot's token",
            "rate_limited": "Requests refused for the platform's rate limit (then retried)",
            "refused_calls": "Webhook calls refused for a missing or wrong secret token",
        }
        for field, doc in fields.items():
            family = CounterMetricFamily(f"aidbridge_transport_{field}", doc, labels=["transport"])
            for name, metrics in self._transports.items():
                family.add_metric([name], getattr(metrics, field))
            yield family
        connected = GaugeMetricFamily(
            "aidbridge_transport_connected",
            "1 when the platform answered recently enough",
            labels=["transport"],
        )
        for name, metrics in self._transports.items():
            connected.add_metric([name], 1.0 if metrics.connected() else 0.0)
        yield connected
        pending, oldest = self._backlog()
        yield GaugeMetricFamily(
            "aidbridge_outbox_pending", "Outbox rows not yet delivered", value=pending
        )
        waited = 0.0
        if oldest is not None:
            waited = max(0.0, (self._clock() - oldest).total_seconds())
        yield GaugeMetricFamily(
            "aidbridge_outbox_oldest_due_seconds",
            "How long the oldest due outbox row has waited",
            value=waited,
        )
