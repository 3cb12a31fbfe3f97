"""Pydantic's complaints, turned into one message for people with file:line:column.

Shared by every YAML file signoff reads (audit configs, policies, governance):
unknown keys list the allowed ones, literals list the choices, types say what
was expected, and several problems are listed one per line, in file order.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Literal, NamedTuple, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from ..errors import ConfigError
from ._yaml import YamlDocument
from ._yaml_build import Loc, describe

__all__ = ["validation_error"]

MISSING_KEY = "missing required key '{key}'"
UNKNOWN_KEY = "unknown key '{key}'"
DID_YOU_MEAN = " (did you mean '{match}'?)"
ALLOWED_KEYS = "; allowed keys here: {allowed}"
EXPECTED_ONE_OF = "expected one of: {choices}; got {got}"
EXPECTED_TYPE = "expected {expected}, got {got}"
TOO_SHORT = "needs at least {limit} {entries}, got {actual}"
TOO_LONG = "takes at most {limit} {entries}, got {actual}"
MORE_PROBLEMS = "and {count} more"

_BOUNDS = {
    "greater_than_equal": ("ge", "must be at least {limit}, got {got}"),
    "greater_than": ("gt", "must be greater than {limit}, got {got}"),
    "less_than_equal": ("le", "must be at most {limit}, got {got}"),
    "less_than": ("lt", "must be less than {limit}, got {got}"),
}
_EXPECTED = {
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "finite_number": "a finite number",
    "string_type": "a string",
    "bool_type": "true/false",
    "bool_parsing": "true/false",
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "none_required": "null",
}
_SHOWN = 10  # problems listed in one message


class _Problem(NamedTuple):
    path: Loc  # where in the data
    field: str | None  # dotted, for the message
    message: str
    at_key: bool  # point at the key rather than the value
    meant: Loc | None = None  # an unknown key's likely intended key, e.g. ("data", "target")
    missing: bool = False


def validation_error(
    exc: ValidationError,
    doc: YamlDocument | None,
    *,
    model: type[BaseModel] | None = None,
) -> ConfigError:
    """One :class:`ConfigError` for people from a pydantic ``ValidationError``.

    Parameters
    ----------
    exc : ValidationError
        From validating ``doc.data``.
    doc : YamlDocument or None
        Where the data came from, for file, line and column; ``None`` for data
        that did not come from a file.
    model : type of BaseModel, optional
        The model validated, so unknown keys can list the allowed ones and
        literal errors the choices.

    Returns
    -------
    ConfigError
        Placed at the first problem in the file; further problems, if any,
        are listed one per line below it.
    """
    problems = _problems(exc, model)
    located = []
    for problem in problems:
        line, column = doc.locate(problem.path, key=problem.at_key) if doc else (None, None)
        located.append((line or 0, column or 0, problem))
    located.sort(key=lambda item: (item[0], item[1]))
    file = doc.path if doc else None
    errors = [
        ConfigError(p.message, file=file, field=p.field, line=line or None, column=column or None)
        for line, column, p in located
    ]
    first = errors[0]
    lines = [first.message] + ["  " + error.render() for error in errors[1:_SHOWN]]
    if len(errors) > _SHOWN:
        lines.append("  " + MORE_PROBLEMS.format(count=len(errors) - _SHOWN))
    return ConfigError(
        "\n".join(lines), file=file, field=first.field, line=first.line, column=first.column
    )


def _problems(exc: ValidationError, model: type[BaseModel] | None) -> list[_Problem]:
    """One problem per place; the errors of a union's members become one problem."""
    grouped: dict[Loc, list[ErrorDetails]] = {}
    order: list[_Problem | Loc] = []
    for error in exc.errors(include_url=False):
        path, _, tagged = _walk(model, error["loc"])
        if not tagged:
            order.append(_problem(error, model))
        elif path not in grouped:
            grouped[path] = [error]
            order.append(path)
        else:
            grouped[path].append(error)
    problems = [
        p if isinstance(p, _Problem) else _union_problem(grouped[p], p, model) for p in order
    ]
    # 'tagret' and 'missing target' are one mistake: the unknown key's hint says it all.
    meant = {p.meant for p in problems if p.meant is not None}
    return [p for p in problems if not (p.missing and p.path in meant)]


def _problem(error: ErrorDetails, model: type[BaseModel] | None) -> _Problem:
    path, annotation, _ = _walk(model, error["loc"])
    kind, value = error["type"], error.get("input")
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    if kind in ("missing", "extra_forbidden"):
        key = str(path[-1]) if path else ""
        if kind == "missing":
            message = MISSING_KEY.format(key=key)
            return _Problem(path, _dotted(path[:-1]), message, True, missing=True)
        message = UNKNOWN_KEY.format(key=key)
        allowed = _allowed_keys(_walk(model, error["loc"][:-1])[1])
        match = difflib.get_close_matches(key, allowed, n=1)
        message += DID_YOU_MEAN.format(match=match[0]) if match else ""
        message += ALLOWED_KEYS.format(allowed=", ".join(allowed)) if allowed else ""
        meant = (*path[:-1], match[0]) if match else None
        return _Problem(path, _dotted(path[:-1]), message, True, meant)
    if kind == "literal_error":
        choices = get_args(annotation) if get_origin(annotation) is Literal else ()
        shown = ", ".join(map(_plain, choices)) if choices else str(ctx.get("expected", "?"))
        message = EXPECTED_ONE_OF.format(choices=shown, got=describe(value))
    elif kind in _EXPECTED:
        message = EXPECTED_TYPE.format(expected=_EXPECTED[kind], got=describe(value))
    elif kind in _BOUNDS and _BOUNDS[kind][0] in ctx:
        name, template = _BOUNDS[kind]
        limit = ctx[name]
        limit = int(limit) if isinstance(limit, float) and limit.is_integer() else limit
        message = template.format(limit=limit, got=describe(value))
    elif kind in ("too_short", "too_long"):
        limit = ctx.get("min_length" if kind == "too_short" else "max_length", "?")
        entries = "entry" if limit == 1 else "entries"
        template = TOO_SHORT if kind == "too_short" else TOO_LONG
        message = template.format(limit=limit, entries=entries, actual=ctx.get("actual_length"))
    elif kind in ("value_error", "assertion_error") and "error" in ctx:
        message = str(ctx["error"])
    else:
        message = error["msg"]
    return _Problem(path, _dotted(path), message, isinstance(value, Mapping | list))


def _union_problem(
    errors: list[ErrorDetails], path: Loc, model: type[BaseModel] | None
) -> _Problem:
    """Every member of a union refused the value: say what each would take."""
    if not all(error["type"] in _EXPECTED for error in errors):
        return _problem(next(e for e in errors if e["type"] not in _EXPECTED), model)
    wanted = list(dict.fromkeys(_EXPECTED[error["type"]] for error in errors))
    expected = ", ".join(wanted[:-1]) + " or " + wanted[-1] if len(wanted) > 1 else wanted[0]
    value = errors[0].get("input")
    message = EXPECTED_TYPE.format(expected=expected, got=describe(value))
    return _Problem(path, _dotted(path), message, isinstance(value, Mapping | list))


def _dotted(path: Loc) -> str | None:
    """``protected_attributes.age_group.bins``; list indices as ``intersections[0]``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or None


def _plain(value: Any) -> str:
    return value if isinstance(value, str) else describe(value)


def _unwrap(annotation: Any) -> Any:
    """Drop ``Annotated[...]`` and ``| None`` (pydantic adds no step for either)."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _walk(model: type[BaseModel] | None, loc: Sequence[str | int]) -> tuple[Loc, Any, bool]:
    """Follow a pydantic error location through the model's annotations.

    Returns the location in the data (without union member tags), the
    annotation found there (``Any`` if unknown) and whether a union was crossed.
    """
    annotation: Any = model if model is not None else Any
    path: list[str | int] = []
    tagged = False
    for part in loc:
        annotation = _unwrap(annotation)
        if get_origin(annotation) in (Union, types.UnionType):
            tagged = True  # this part names the union member, not a place in the data
            members = get_args(annotation)
            annotation = next((m for m in members if getattr(m, "__name__", m) == part), Any)
            continue
        path.append(part)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            fields = {f.alias or name: f for name, f in annotation.model_fields.items()}
            annotation = fields[part].annotation if part in fields else Any
        elif get_origin(annotation) in (list, tuple, set, frozenset, Sequence):
            annotation = (get_args(annotation) or (Any,))[0]
        elif get_origin(annotation) in (dict, Mapping):
            annotation = (get_args(annotation) or (Any, Any))[-1]
        else:
            annotation = Any
    return tuple(path), _unwrap(annotation), tagged


def _allowed_keys(annotation: Any) -> list[str]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return sorted(f.alias or name for name, f in annotation.model_fields.items())
    return []
