"""Request counts and latencies in the Prometheus text format (0.0.4), per worker process.

Requests are labelled by method, the route's *template* (``/api/crs/{cr}``, never the
filled-in path, so the number of series stays bounded) and status code; a request that
matched no route is ``route="unmatched"``. Latency is a histogram with fixed buckets.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable

__all__ = ["BUCKETS", "RequestMetrics"]

#: Histogram bucket bounds in seconds (``+Inf`` is added).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


class RequestMetrics:
    """Counters and a latency histogram of the requests one process answered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count: dict[tuple[str, str, str], int] = defaultdict(int)
        self._buckets: dict[tuple[str, str], list[int]] = {}
        self._sum: dict[tuple[str, str], float] = defaultdict(float)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request and its latency."""
        with self._lock:
            self._count[(method, route, str(status))] += 1
            key = (method, route)
            buckets = self._buckets.setdefault(key, [0] * len(BUCKETS))
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    buckets[i] += 1
            self._sum[key] += seconds

    def render(self) -> str:
        """The text exposition of both families."""
        lines = [
            "# HELP signoff_http_requests_total HTTP requests answered, by method, route "
            "and status.",
            "# TYPE signoff_http_requests_total counter",
        ]
        with self._lock:
            for (method, route, status), n in sorted(self._count.items()):
                labels = _labels((("method", method), ("route", route), ("status", status)))
                lines.append(f"signoff_http_requests_total{labels} {n}")
            lines += [
                "# HELP signoff_http_request_duration_seconds Time to answer HTTP requests.",
                "# TYPE signoff_http_request_duration_seconds histogram",
            ]
            for (method, route), buckets in sorted(self._buckets.items()):
                base = (("method", method), ("route", route))
                total = sum(n for (m, r, _), n in self._count.items() if (m, r) == (method, route))
                name = "signoff_http_request_duration_seconds"
                for bound, n in zip(BUCKETS, buckets, strict=True):
                    lines.append(f"{name}_bucket{_labels((*base, ('le', str(bound))))} {n}")
                lines.append(f"{name}_bucket{_labels((*base, ('le', '+Inf')))} {total}")
                lines.append(f"{name}_sum{_labels(base)} {self._sum[(method, route)]!r}")
                lines.append(f"{name}_count{_labels(base)} {total}")
        return "\n".join(lines) + "\n"
