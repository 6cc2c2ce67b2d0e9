"""Prometheus metrics: every ``flarelite_*`` series, and the text a scrape of ``/metrics`` gets.

prometheus_client keeps its values per process. ``flarelite serve`` points
``PROMETHEUS_MULTIPROC_DIR`` at a folder under the data dir before any worker starts
(``observability/multiprocess.py``): each worker then writes its values to its own mmap file
there, and a scrape answered by any worker sums every worker's files. Recording a value is an
mmap write under an uncontended in-process mutex (~1-2 µs): no cross-process lock, no syscall.

Metric objects are module-level because prometheus_client's value store is process-wide by
design; they hold numbers only. Labels stay low-cardinality: never an image, token or zone id.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from flarelite.observability.multiprocess import MULTIPROC_ENV

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# One histogram per request: its ``_count`` is the request counter, so a request costs one
# observation, not a counter and a histogram.
REQUEST_SECONDS = Histogram(
    "flarelite_http_request_duration_seconds",
    "Time to answer an HTTP request, by route group (the route table's tag) and status.",
    ["group", "status"],
    buckets=_LATENCY_BUCKETS,
)
AUTH_OUTCOMES = Counter(
    "flarelite_auth_outcomes_total",
    "API authentication and authorisation results, by outcome (allowed, or why refused).",
    ["outcome"],
)
RATE_LIMIT_REJECTIONS = Counter(
    "flarelite_ratelimit_rejections_total",
    "API requests refused with 429 by the per-token/per-user rate limiter.",
)
TRANSFORM_SECONDS = Histogram(
    "flarelite_transform_duration_seconds",
    "CPU time of one image transform in the pool (decode, steps, encode), by outcome.",
    ["outcome"],
    buckets=_LATENCY_BUCKETS,
)
TRANSFORMS_IN_FLIGHT = Gauge(
    "flarelite_transform_queue_depth",
    "Transforms running or waiting for a pool slot, summed over live workers.",
    multiprocess_mode="livesum",
)
TRANSFORM_REJECTIONS = Counter(
    "flarelite_transform_rejections_total",
    "Delivery requests answered 503 (9522) because the transform queue was full.",
)
VARIANT_LOOKUPS = Counter(
    "flarelite_delivery_variant_lookups_total",
    "Where a delivered variant came from: memory (in-process cache), store (built earlier, "
    "read from the blob store) or built (transformed now). Hit ratio: 1 - built / total.",
    ["source"],
)
DELIVERY_BYTES = Counter(
    "flarelite_delivery_bytes_total",
    "Body bytes sent by image delivery (GET answers).",
)
STORAGE_ERRORS = Counter(
    "flarelite_storage_errors_total",
    "Blob store failures (anything but 'not found'), by where they surfaced: api (a 503 "
    "envelope), delivery (a 503 answer) or variant_store (a built variant not saved).",
    ["surface"],
)
UNHANDLED_ERRORS = Counter(
    "flarelite_unhandled_errors_total",
    "Requests that crashed with an unexpected exception (each one is a bug, answered 500).",
)


# Label children resolved once: ``labels()`` takes a registry lock and builds a tuple each call.
_request_children: dict[tuple[str, int], Histogram] = {}


def record_request(group: str, status: int, seconds: float) -> None:
    child = _request_children.get((group, status))
    if child is None:
        child = _request_children[(group, status)] = REQUEST_SECONDS.labels(group, str(status))
    child.observe(seconds)


def render() -> tuple[bytes, str]:
    """The exposition text and its content type; summed over every worker in multiprocess mode."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
