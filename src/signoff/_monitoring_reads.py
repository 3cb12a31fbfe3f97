"""What monitoring recorded, read back: status, history, the report, the Prometheus file."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from .monitor import metric_value, prometheus_text, render_monitor_report
from .store import MonitorWindow

__all__ = ["MonitoringReads"]


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _summary(w: MonitorWindow) -> dict[str, Any]:
    return {
        "seq": w.seq,
        "version": w.version,
        "start": _iso(w.start),
        "end": _iso(w.end),
        "rows": w.rows,
        "status": w.status,
        "failed_gates": list(w.failed_gates),
        "label_coverage": w.label_coverage,
        "superseded_by": w.superseded_by,
        "recorded_at": _iso(w.at),
        "results_sha256": w.results_sha256,
        "profile_sha256": w.profile_sha256,
    }


class MonitoringReads:
    """What monitoring recorded: status, history, the report and the Prometheus file."""

    def __init__(self, signoff: Any) -> None:
        self._signoff = signoff
        self.service = signoff.workflow.monitoring

    def status(self, model: str | None = None) -> list[dict[str, Any]]:
        """One row per model in production or monitored: latest window, streaks, alerts."""
        rows = []
        for entry in self.service.overview(model):
            latest = entry["latest"]
            rows.append(
                {
                    "model": entry["model"],
                    "production": entry["production"],
                    "monitored": latest is not None,
                    "latest_window": _summary(latest) if latest else None,
                    "failing_windows_in_a_row": entry["streaks"],
                    "windows": entry["windows"],
                    "alerts": entry["alerts"],
                }
            )
        return rows

    def _documents(self, windows: list[MonitorWindow]) -> dict[str, dict[str, Any]]:
        bodies = self.service.documents([w.results_sha256 for w in windows])
        return {sha: json.loads(body) for sha, body in bodies.items()}

    def history(
        self,
        model: str,
        metric: str,
        *,
        column: str | None = None,
        attribute: str | None = None,
        since: dt.datetime | None = None,
    ) -> list[dict[str, Any]]:
        """``metric`` in every current window of ``model`` (oldest first)."""
        windows = self.service.windows(model, since=since)
        documents = self._documents(windows)
        out = []
        for w in windows:
            value, ci = metric_value(
                documents[w.results_sha256], metric, column=column, attribute=attribute
            )
            failed = any(
                g.get("metric") == metric and (attribute is None or g.get("attribute") == attribute)
                for g in w.failed_gates
            )
            out.append(
                {
                    "start": _iso(w.start),
                    "end": _iso(w.end),
                    "version": w.version,
                    "value": value,
                    "ci": ci,
                    "failed": failed,
                    "ledger_seq": w.seq,
                }
            )
        return out

    def report(self, model: str) -> str:
        """The monitoring report of ``model`` as one self-contained HTML page."""
        status = self.status(model)[0]
        windows = self.service.windows(model, current_only=False)
        documents = self._documents(windows)
        rows = [{**_summary(w), "document": documents[w.results_sha256]} for w in windows]
        verified = self._signoff.ledger.verify()
        return render_monitor_report(
            model=model,
            production=f"{model}@{status['production']}" if status["production"] else None,
            windows=rows,
            alerts=self.service.alerts(model),
            generated=_iso(self._signoff.workflow.clock()) or "",
            ledger_size=verified.size,
            ledger_root=verified.root,
        )

    def prometheus(self) -> str:
        """The node-exporter textfile of every monitored model's latest window."""
        entries = [e for e in self.service.overview() if e["latest"] is not None]
        latest = [e["latest"] for e in entries]
        documents = self._documents(latest)
        pairs = []
        for entry, w in zip(entries, latest, strict=True):
            end = w.end or w.at
            summary = {
                "model": entry["model"],
                "status": w.status,
                "end": end.timestamp(),
                "rows": w.rows,
                "alerts": entry["alerts"],
            }
            pairs.append((summary, documents[w.results_sha256]))
        return prometheus_text(pairs)
