"""The bot's Prometheus metrics: what operators watch instead of waiting for members to complain.

Counters and histograms are updated where things happen (answers, interaction responses,
database errors); the cache, the knowledge version and the gateway latency are read when
Prometheus scrapes. Every Metrics has a registry of its own, so tests can make several.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext

from bot.matching.engine import MatchResult, Outcome

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from bot.answers.serving import KnowledgeService

ANSWER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
ACK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0)  # Discord's deadline: 3 s
OUTCOMES = {Outcome.ANSWER: "answer", Outcome.SUGGEST: "suggest"}  # anything else: "none"

ShardLatencies = Callable[[], Sequence[tuple[int, float]]]


def outcome_label(result: MatchResult) -> str:
    return OUTCOMES.get(result.outcome, "none")


class Metrics:
    """One process's metrics."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.questions = Counter(
            "careerbot_questions",
            "Questions answered, by outcome (answer, suggest, none) and front end.",
            ["outcome", "frontend"],
            registry=self.registry,
        )
        self.answer_seconds = Histogram(
            "careerbot_answer_seconds",
            "Time from a question to its match, including a wait for the server's knowledge.",
            ["frontend"],
            buckets=ANSWER_BUCKETS,
            registry=self.registry,
        )
        self.ack_seconds = Histogram(
            "careerbot_interaction_ack_seconds",
            "Time from an interaction's creation to Discord accepting its first response.",
            buckets=ACK_BUCKETS,
            registry=self.registry,
        )
        self.database_errors = Counter(
            "careerbot_database_errors",
            "Database errors (failed statements and connections), by exception class.",
            ["error"],
            registry=self.registry,
        )

    def answered(self, frontend: str, result: MatchResult, seconds: float) -> None:
        self.questions.labels(outcome_label(result), frontend).inc()
        self.answer_seconds.labels(frontend).observe(seconds)

    def acknowledged(self, created_at: float, now: float | None = None) -> None:
        """An interaction created at `created_at` (Unix time) got its first response."""
        now = time.time() if now is None else now
        self.ack_seconds.observe(max(0.0, now - created_at))

    def watch_database(self, engine: AsyncEngine) -> Callable[[], None]:
        """Count every error the engine's driver raises (statements and connections); returns
        the function that stops counting."""

        def count(context: ExceptionContext) -> None:
            error = context.original_exception
            self.database_errors.labels(type(error).__name__).inc()

        event.listen(engine.sync_engine, "handle_error", count)
        return lambda: event.remove(engine.sync_engine, "handle_error", count)

    def watch_knowledge(self, knowledge: KnowledgeService) -> None:
        self.registry.register(KnowledgeCollector(knowledge))

    def watch_gateway(self, latencies: ShardLatencies) -> None:
        self.registry.register(GatewayCollector(latencies))

    def exposition(self) -> bytes:
        """The metrics in Prometheus's text format."""
        return generate_latest(self.registry)


class KnowledgeCollector(Collector):
    """The knowledge version being served and the per-server cache, read at each scrape."""

    def __init__(self, knowledge: KnowledgeService) -> None:
        self.knowledge = knowledge

    def collect(self) -> Iterator[Metric]:
        base = self.knowledge.base
        info = GaugeMetricFamily(
            "careerbot_knowledge_info",
            "The bundled knowledge being served: 1 for its version.",
            labels=["version"],
        )
        info.add_metric([base.version], 1)
        yield info
        yield GaugeMetricFamily(
            "careerbot_knowledge_entries", "Entries in the bundled knowledge.", value=len(base)
        )
        stats = self.knowledge.cache_stats()
        if stats is None:
            return
        yield from _gauges(
            ("careerbot_knowledge_cache_servers", "Servers whose knowledge is in memory.",
             stats.views),
            ("careerbot_knowledge_cache_bytes", "Estimated memory of the cached server "
             "knowledge.", stats.nbytes),
            ("careerbot_knowledge_cache_budget_bytes", "KNOWLEDGE_CACHE_MB in bytes.",
             stats.budget),
            ("careerbot_knowledge_cache_building", "Server knowledge being built now.",
             stats.building),
        )  # fmt: skip
        yield CounterMetricFamily(
            "careerbot_knowledge_cache_evictions",
            "Servers dropped from memory to stay within the budget.",
            value=stats.evictions,
        )
        lookups = CounterMetricFamily(
            "careerbot_knowledge_cache_lookups",
            "Lookups of a server's knowledge: in memory (hit) or to be built (miss).",
            labels=["result"],
        )
        lookups.add_metric(["hit"], stats.hits)
        lookups.add_metric(["miss"], stats.misses)
        yield lookups


class GatewayCollector(Collector):
    """Each shard's heartbeat latency, read at each scrape (NaN until it connected)."""

    def __init__(self, latencies: ShardLatencies) -> None:
        self.latencies = latencies

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "careerbot_gateway_latency_seconds",
            "Time between a gateway heartbeat and its acknowledgement, per shard.",
            labels=["shard"],
        )
        for shard_id, latency in self.latencies():
            family.add_metric([str(shard_id)], latency)
        yield family


def _gauges(*rows: tuple[str, str, float]) -> Iterator[Metric]:
    for name, documentation, value in rows:
        yield GaugeMetricFamily(name, documentation, value=value)
