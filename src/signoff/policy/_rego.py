"""Custom Rego rules over the audit evidence (``rego:`` in a policy; needs ``signoff[rego]``).

Teams that already write Open Policy Agent rules can add them to a policy.  The
rules run in-process on `regopy <https://pypi.org/project/regopy/>`_, Microsoft's
Python bindings of rego-cpp.  The convention: ``package signoff`` and rules named
``deny``; signoff queries :data:`REGO_QUERY` and every ``deny`` message becomes a
gate.

The input document::

    {
      "results":  {...},         # results.json of the audit, e.g.
                                 #   input.results.overall.accuracy.value
                                 #   input.results.by_attribute[attr].groups[g].count.value
      "manifest": {...} | null   # the manifest, when one is written
    }

A message is a string (a FAIL gate) or an object
``{"msg": str, "id": str, "severity": "error" | "warning"}`` (``id`` and
``severity`` optional; severity ``warning`` makes a WARN gate).  Gates are
sorted by message; with no message, one PASS gate shows that the rules ran.

Syntax: Rego v1 (``deny contains msg if { ... }``), with or without
``import rego.v1``.  Rego v0 partial rules (``deny[msg] { ... }``) are refused
with a message naming the v1 form.  Errors of built-in functions (division by
zero, ``sprintf`` on the wrong type) are errors, not "undefined": a rule that
cannot be evaluated is an ERROR gate, never a silent pass.  A rule that reads
missing evidence is undefined and denies nothing, as in OPA; deny on
``not input.results.overall.accuracy`` where missing evidence matters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn

from signoff.errors import ConfigError, MissingExtraError
from signoff.policy._result import GateResult, Status

__all__ = ["REGO_QUERY", "evaluate_rego"]

#: The documented convention: ``package signoff``, rules named ``deny``.
REGO_QUERY = "data.signoff.deny"
_NAME_CHARS = 60
_V1_HINT = "write `package signoff` and rules like `deny contains msg if { ... }` (Rego v1)"


def evaluate_rego(
    path: Path, evidence: Mapping[str, Any], *, policy_file: Path | None = None
) -> tuple[GateResult, ...]:
    """Run the Rego rules in ``path`` over the evidence; one gate per ``deny`` message.

    Parameters
    ----------
    path : Path
        The ``.rego`` file (already resolved against the policy file's folder).
    evidence : Mapping[str, Any]
        The input document, ``{"results": ..., "manifest": ...}``, of JSON types.
    policy_file : Path, optional
        The policy whose ``rego`` field names ``path``, for error messages.

    Returns
    -------
    tuple of GateResult
        FAIL/WARN gates sorted by message; one PASS gate if nothing is denied;
        one ERROR gate if the rules fail while evaluating.

    Raises
    ------
    MissingExtraError
        ``regopy`` is not installed.
    ConfigError
        The file cannot be read, does not parse or compile, or defines no set
        ``data.signoff.deny``.
    """
    try:
        import regopy
        from regopy import rego_shared
    except ImportError as exc:
        raise MissingExtraError(feature="Rego rules", extra="rego", module="regopy") from exc
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = "does not exist" if not path.exists() else f"cannot be read ({exc})"
        message = f"the Rego rules file {path} {reason}"
        if policy_file is not None:
            raise ConfigError(message, file=policy_file, field="rego") from exc
        raise ConfigError(message, file=path) from exc

    interp = regopy.Interpreter()
    interp.log_level = regopy.LogLevel.NONE  # no compiler chatter on stdout
    interp.strict_built_in_errors = True
    try:
        interp.add_module(path.name, source)
    except regopy.RegoError as exc:
        _raise_config(path, source, str(exc))
    interp.set_input(dict(evidence))
    # regopy's Output parses the result as JSON and fails on compile errors, so
    # read the raw output (and the error codes) through its ctypes layer.
    out = rego_shared.rego_query(interp._impl, REGO_QUERY)
    try:
        text = rego_shared.rego_output_string(out)
        if rego_shared.rego_output_ok(out) and not text.startswith("(error"):
            value = None if text == "undefined" else json.loads(text)["expressions"][0]
            return _gates(path, value)
        errors = _error_nodes(rego_shared, rego_shared.rego_output_node(out))
    finally:
        rego_shared.rego_free_output(out)
    compile_errors = [e for e in errors if not e[0].startswith("eval_")]
    if compile_errors or not errors:
        _raise_config(path, source, compile_errors[0][1] if compile_errors else text)
    message, line, _ = _describe(errors[0][1], source, path.name)
    where = f" (line {line})" if line is not None else ""
    return (_gate(path, "ERROR", f"the rules could not be evaluated{where}: {message}"),)


def _gates(path: Path, value: Any) -> tuple[GateResult, ...]:
    if value is None:
        raise ConfigError(f"{REGO_QUERY} is not defined; {_V1_HINT}", file=path)
    if not isinstance(value, list):
        kind = "an object" if isinstance(value, dict) else json.dumps(value)
        raise ConfigError(
            f"{REGO_QUERY} must be a set of messages, not {kind} (Rego v0 rules like "
            f"`deny[msg] {{ ... }}` read as an object); {_V1_HINT}",
            file=path,
        )
    gates = [_denied(path, item) for item in value]
    if not gates:
        return (_gate(path, "PASS", f"no rule in {path.name} denies"),)
    return tuple(sorted(gates, key=lambda g: (g.message, g.status, g.name)))


def _denied(path: Path, item: Any) -> GateResult:
    if isinstance(item, str):
        return _gate(path, "FAIL", item, name=item)
    if isinstance(item, dict) and isinstance(item.get("msg"), str):
        ident, severity = item.get("id"), item.get("severity", "error")
        if severity in ("error", "warning") and (ident is None or isinstance(ident, str)):
            status: Status = "FAIL" if severity == "error" else "WARN"
            return _gate(path, status, item["msg"], name=ident or item["msg"], ident=ident)
    return _gate(
        path,
        "ERROR",
        f"a deny message must be a string or an object with a string `msg`, an optional "
        f"string `id` and severity error|warning; got {json.dumps(item, sort_keys=True)}",
    )


def _gate(
    path: Path, status: Status, message: str, *, name: str | None = None, ident: str | None = None
) -> GateResult:
    title = " ".join((name or path.name).split())
    if len(title) > _NAME_CHARS and ident is None:
        title = title[:_NAME_CHARS].rstrip() + "…"
    return GateResult(
        name=f"rego: {title}",
        id=ident,
        kind="rego",
        metric=None,
        attribute=None,
        group=None,
        value=None,
        ci=None,
        threshold=None,
        comparison=None,
        severity="warning" if status == "WARN" else "error",
        status=status,
        clause=f"Rego: {path.name}",
        rationale="",
        message=message,
        remediation=f"Fix what the rule reports, or change the rule in {path.name} "
        "through policy review",
    )


def _error_nodes(rs: Any, node: Any) -> list[tuple[str, str]]:
    """``(code, error text)`` of each error under an output node (an error or a sequence)."""
    kind = rs.rego_node_type(node)
    if kind == rs.NodeKind.ErrorSeq:
        return [
            e
            for i in range(rs.rego_node_size(node))
            for e in _error_nodes(rs, rs.rego_node_get(node, i))
        ]
    if kind != rs.NodeKind.Error:
        return []
    code = ""
    for i in range(rs.rego_node_size(node)):
        child = rs.rego_node_get(node, i)
        if rs.rego_node_type(child) == rs.NodeKind.ErrorCode:
            code = rs.rego_node_value(child)
    return [(code, rs.rego_node_json(node))]


def _describe(text: str, source: str, name: str) -> tuple[str, int | None, int | None]:
    """The first error's message, line and column, from the engine's error text."""
    block = next((b for b in re.split(r"\(error(?=[\s)])", text) if "(errormsg" in b), text)
    found = re.search(r"\(errormsg (\d+):", block)
    message = " ".join(text.split())
    if found is not None:
        raw = block[found.end() :].encode()[: int(found.group(1))]
        message = " ".join(raw.decode(errors="replace").split())
    at = re.search(rf"\d+:{re.escape(name)}\|(\d+)\|(\d+)", block)
    if at is None:
        return message, None, None
    offset, length = int(at.group(1)), int(at.group(2))  # the engine counts bytes
    data = source.encode()
    token = data[offset : offset + length].decode(errors="replace").strip().split("\n")[0]
    if token:
        message += f" (at `{token[:30]}`)"
    before = data[:offset]
    line_start = before.rfind(b"\n") + 1
    return message, before.count(b"\n") + 1, len(before[line_start:].decode(errors="replace")) + 1


def _raise_config(path: Path, source: str, text: str) -> NoReturn:
    message, line, column = _describe(text, source, path.name)
    raise ConfigError(f"Rego rules do not compile: {message}", file=path, line=line, column=column)
