"""``portfolio import``: the audit log teams keep today, as historical records in the ledger.

The format (one JSON object per line, as the GlassAlpha manager guide keeps it)::

    {"model_id": "credit-scorer", "timestamp": "2026-03-01T10:00:00Z",
     "gates_passed": true, "team": "credit-risk", "audit_file": "audits/2026-03.pdf"}

``model_id`` is a model name, or ``MODEL@VERSION`` as ``signoff log export`` writes it.
Other keys are ignored.  Every line is checked before anything is written; the first bad
one is named (file, line, field) and nothing of the file is imported.  Each record becomes
one ``audit.imported`` event, projected into ``imported_audits`` — never into ``audits``:
an imported record is what a team's log said, not evidence the registry can judge, so no
change request can rest on it.  A model the registry does not know is registered by the
importing user, with a note saying where it came from and what was not recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._canonical import parse_json
from .._time import iso_utc
from ..errors import AlreadyExists, ConfigError, DataError, InputError
from ..registry import Core, ImportedAudit, VersionRef, check_label

__all__ = ["IMPORT_FIELDS", "ImportResult", "import_audit_log", "parse_audit_log"]

#: The keys every line must have.
IMPORT_FIELDS = ("model_id", "timestamp", "gates_passed", "team", "audit_file")
#: The risk tier of a model the import registers (the log does not say; the strictest
#: review cycle applies until someone records the real one).
IMPORTED_RISK_TIER = "high"

NOT_FOUND = "file not found"
NOT_UTF8 = "not UTF-8 text: {reason}"
NOT_JSON = "not a JSON object: {reason}"
NOT_OBJECT = "expected a JSON object, got {kind}"
MISSING = "missing; every line needs {fields}"
NOT_STRING = "expected a non-empty string, got {value}"
BAD_MODEL = "expected a model name or MODEL@VERSION (letters, digits, '.', '_', '-'), got {value}"
BAD_TIME = "expected an ISO 8601 date or time like 2026-03-01T10:00:00Z, got {value}"
NOT_BOOL = "expected true or false, got {value}"
BAD_TEAM = "expected a printable team name, got {value}"
EMPTY = "holds no audit records (one JSON object per line)"
REPEATED = "the same record (model, timestamp, audit_file) as line {first}"
IMPORTED_BEFORE = "this record was already imported (record {number}, from {file} line {line})"
NOTE = (
    "Registered by `signoff portfolio import` from {file} (sha256 {sha}) line {line}. "
    "The audit log records no owner, use case or risk tier: owner is the importing user, "
    "risk tier {tier} until reviewed."
)
NOT_RECORDED = "not recorded (imported from an audit log)"


@dataclass(frozen=True)
class LogLine:
    """One checked line of an audit log."""

    line: int
    model: str
    version: str | None
    timestamp: str
    gates_passed: bool
    team: str
    audit_file: str

    @property
    def key(self) -> tuple[str, str | None, str, str]:
        """What makes two records the same audit."""
        return (self.model, self.version, self.timestamp, self.audit_file)


@dataclass(frozen=True)
class ImportResult:
    """What one import recorded."""

    file: str
    sha256: str
    records: tuple[ImportedAudit, ...]
    registered: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "file": self.file,
            "sha256": self.sha256,
            "imported": len(self.records),
            "registered_models": list(self.registered),
            "first_seq": self.records[0].ledger_seq if self.records else None,
            "last_seq": self.records[-1].ledger_seq if self.records else None,
        }


def _text(value: Any, *, where: Path, line: int, field: str, message: str = NOT_STRING) -> str:
    if not isinstance(value, str) or not value.strip():
        raise DataError(message.format(value=json.dumps(value)), file=where, line=line, field=field)
    return value


def _moment(value: Any, *, where: Path, line: int) -> str:
    text = _text(value, where=where, line=line, field="timestamp", message=BAD_TIME)
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise DataError(
            BAD_TIME.format(value=json.dumps(text)), file=where, line=line, field="timestamp"
        ) from None
    if moment.tzinfo is None:  # a log without a zone is read as UTC (documented)
        moment = moment.replace(tzinfo=dt.UTC)
    return iso_utc(moment)


def _check(record: Mapping[str, Any], *, where: Path, line: int) -> LogLine:
    for name in IMPORT_FIELDS:
        if name not in record:
            fields = ", ".join(IMPORT_FIELDS)
            raise DataError(MISSING.format(fields=fields), file=where, line=line, field=name)
    ident = _text(record["model_id"], where=where, line=line, field="model_id")
    model, _, version = ident.partition("@")
    try:
        VersionRef.parse(f"{model}@{version or '1'}")
    except ConfigError:
        raise DataError(
            BAD_MODEL.format(value=json.dumps(ident)), file=where, line=line, field="model_id"
        ) from None
    timestamp = _moment(record["timestamp"], where=where, line=line)
    passed = record["gates_passed"]
    if not isinstance(passed, bool):
        raise DataError(
            NOT_BOOL.format(value=json.dumps(passed)), file=where, line=line, field="gates_passed"
        )
    team_text = _text(record["team"], where=where, line=line, field="team")
    try:
        team = check_label(team_text, what="team name")
    except ConfigError:
        raise DataError(
            BAD_TEAM.format(value=json.dumps(team_text)), file=where, line=line, field="team"
        ) from None
    audit_file = _text(record["audit_file"], where=where, line=line, field="audit_file")
    return LogLine(line, model, version or None, timestamp, passed, team, audit_file)


def parse_audit_log(path: Path) -> tuple[str, list[LogLine]]:
    """Read and check every line (blank lines skipped); the file's SHA-256 and the lines.

    Raises
    ------
    InputError
        The file is missing or not UTF-8.
    DataError
        Naming the file, the line and the field of the first bad record.
    """
    if not path.is_file():
        raise InputError(NOT_FOUND, file=path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(NOT_UTF8.format(reason=exc.reason), file=path) from None
    lines: list[LogLine] = []
    seen: dict[tuple[str, str | None, str, str], int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = parse_json(raw)
        except ValueError as exc:  # JSONDecodeError is a ValueError
            raise DataError(NOT_JSON.format(reason=exc), file=path, line=number) from None
        if not isinstance(record, dict):
            kind = type(record).__name__
            raise DataError(NOT_OBJECT.format(kind=kind), file=path, line=number)
        checked = _check(record, where=path, line=number)
        if checked.key in seen:
            raise DataError(REPEATED.format(first=seen[checked.key]), file=path, line=number)
        seen[checked.key] = number
        lines.append(checked)
    if not lines:
        raise DataError(EMPTY, file=path)
    return hashlib.sha256(data).hexdigest(), lines


def import_audit_log(core: Core, path: Path, *, actor: str) -> ImportResult:
    """Import an audit log, all or nothing, in one unit of work (see the module docstring)."""
    sha, lines = parse_audit_log(path)
    name = path.name
    with core.write(actor) as unit:
        known = {m.name for m in unit.repo.models()}
        before = {
            (r.model, r.version, iso_utc(r.audited_at), r.audit_file): r
            for r in unit.repo.imported_audits()
        }
        for item in lines:
            earlier = before.get(item.key)
            if earlier is not None:
                raise AlreadyExists(
                    IMPORTED_BEFORE.format(
                        number=earlier.number, file=earlier.source_file, line=earlier.source_line
                    ),
                    file=path,
                    line=item.line,
                )
        registered: list[str] = []
        number = unit.repo.next_number("imported_audit")
        for item in lines:
            if item.model not in known:
                if not unit.repo.team_exists(item.team):
                    unit.emit("team.created", f"team:{item.team}", {"name": item.team})
                unit.emit(
                    "model.registered",
                    f"model:{item.model}",
                    {
                        "name": item.model,
                        "owner": unit.actor,
                        "team": item.team,
                        "use_case": NOT_RECORDED,
                        "risk_tier": IMPORTED_RISK_TIER,
                        "description": NOTE.format(
                            file=name, sha=sha[:16], line=item.line, tier=IMPORTED_RISK_TIER
                        ),
                    },
                )
                known.add(item.model)
                registered.append(item.model)
            unit.emit(
                "audit.imported",
                f"model:{item.model}",
                {
                    "import_id": number,
                    "model": item.model,
                    "version": item.version,
                    "timestamp": item.timestamp,
                    "gates_passed": item.gates_passed,
                    "team": item.team,
                    "audit_file": item.audit_file,
                    "source": {"file": name, "sha256": sha, "line": item.line},
                    "imported": True,
                },
            )
            number += 1
        records = [r for r in unit.repo.imported_audits() if r.source_sha256 == sha]
    return ImportResult(str(path), sha, tuple(records[-len(lines) :]), tuple(registered))
