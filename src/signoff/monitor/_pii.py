"""Personal data in column names or sampled values: e-mail, phone, card, US SSN, IBAN.

Values are checked on a deterministic sample (``2 × SAMPLE`` rows drawn with a
fixed seed, of which at most ``SAMPLE`` non-null values per text column), so
the cost does not grow with the batch.  Card numbers must pass the Luhn check
and IBANs the ISO 13616 mod-97 check, which keeps random digit strings from
being reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = [
    "PII_KINDS",
    "SAMPLE",
    "PiiFinding",
    "find_pii",
    "find_pii_sampled",
    "iban_valid",
    "luhn_valid",
    "sample_positions",
]

SAMPLE = 1000
PII_KINDS = ("email", "phone", "card_number", "us_ssn", "iban")

_NAME = re.compile(
    r"(^|_)(e_?mail|mail_?address|phone|mobile|telephone|tel|ssn|social_security|"
    r"iban|card_?(number|no)|credit_?card|cc_?(number|num|no)|passport|national_?id|tax_?id)($|_)",
    re.IGNORECASE,
)
_PATTERNS = {  # phone last: a card number or an SSN is not also a phone number
    "email": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
    "card_number": r"\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{1,7}",
    "us_ssn": r"(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}",
    "iban": r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}",
    "phone": r"\+?\d{1,3}[ .-]?\(?\d{2,4}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}",
}


def luhn_valid(numbers: Sequence[str]) -> NDArray[np.bool_]:
    """Luhn check of digit strings (separators ignored), vectorised over the strings."""
    digits = [re.sub(r"\D", "", n) for n in numbers]
    if not digits:
        return np.zeros(0, dtype=bool)
    width = max(len(d) for d in digits)
    # right-aligned digit matrix, zeros on the left do not change the sum
    grid = np.array([[int(c) for c in d.rjust(width, "0")] for d in digits], dtype=np.int64)
    from_right = np.arange(width)[::-1]
    doubled = np.where(from_right % 2 == 1, grid * 2, grid)
    doubled = np.where(doubled > 9, doubled - 9, doubled)
    lengths = np.array([len(d) for d in digits])
    valid: NDArray[np.bool_] = (doubled.sum(axis=1) % 10 == 0) & (lengths >= 13) & (lengths <= 19)
    return valid


def iban_valid(value: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters → 10..35, mod 97 == 1."""
    text = value.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}", text):
        return False
    moved = text[4:] + text[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


@dataclass(frozen=True)
class PiiFinding:
    """Personal data found in one column."""

    column: str
    in_name: bool
    kinds: tuple[str, ...]  # kinds seen in sampled values
    sampled: int
    matches: int

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "column": self.column,
            "in_name": self.in_name,
            "kinds": list(self.kinds),
            "sampled": self.sampled,
            "matches": self.matches,
        }


def sample_positions(rows: int) -> tuple[NDArray[np.intp] | None, np.random.Generator]:
    """The rows the sample is drawn from (None: all of them), and the generator after the draw.

    Seeded random rows rather than evenly spaced ones, so a column whose values repeat
    with a period cannot hide a kind from the sample.  An engine that reads the data out
    of core fetches these positions of a window and gets the same sample.
    """
    rng = np.random.default_rng(0)
    if rows > 2 * SAMPLE:
        return np.sort(rng.choice(rows, size=2 * SAMPLE, replace=False)), rng
    return None, rng


def _draw(series: pd.Series[Any], rng: np.random.Generator) -> pd.Series[Any]:
    """At most ``SAMPLE`` non-null values of the rows drawn first."""
    values = series.dropna()
    if len(values) > SAMPLE:
        values = values.iloc[np.sort(rng.choice(len(values), size=SAMPLE, replace=False))]
    return values.astype(str).str.strip()


def _sample(series: pd.Series[Any]) -> pd.Series[Any]:
    """At most ``SAMPLE`` non-null values from seeded random rows (cost independent of rows)."""
    positions, rng = sample_positions(len(series))
    if positions is not None:
        series = series.iloc[positions]
    return _draw(series, rng)


def _kinds(values: pd.Series[Any]) -> tuple[tuple[str, ...], int]:
    hit = np.zeros(len(values), dtype=bool)
    kinds = []
    for kind, pattern in _PATTERNS.items():
        match = values.str.fullmatch(pattern).to_numpy(dtype=bool).copy()
        if kind == "card_number" and match.any():
            match[match] = luhn_valid(values[match].tolist())
        elif kind == "iban" and match.any():
            match[match] = [iban_valid(v) for v in values[match]]
        elif kind == "phone" and match.any():
            digits = values[match].str.count(r"\d").to_numpy()
            match[match] = (digits >= 10) & (digits <= 15)
        if kind == "phone":
            match &= ~hit  # a card or an SSN is not also a phone number
        if match.any():
            kinds.append(kind)
            hit |= match
    return tuple(kinds), int(hit.sum())


def _is_text(series: pd.Series[Any]) -> bool:
    return series.dtype.kind == "O" or isinstance(series.dtype, pd.StringDtype)


def find_pii(frame: pd.DataFrame) -> tuple[PiiFinding, ...]:
    """Columns whose name or sampled text values look like personal data."""
    return find_pii_sampled(frame, rows=None)


def find_pii_sampled(
    frame: pd.DataFrame | Mapping[str, pd.Series[Any]], *, rows: int | None
) -> tuple[PiiFinding, ...]:
    """:func:`find_pii` of a window of ``rows`` rows given only its sampled rows.

    ``frame`` maps each column to its values at :func:`sample_positions` of the window
    (all of them when it has at most ``2 × SAMPLE``; only the text columns are looked
    at); ``rows=None``: ``frame`` is the whole window.
    """
    found = []
    for name in frame:
        series = frame[name]  # type: ignore[index]
        in_name = bool(_NAME.search(str(name)))
        kinds: tuple[str, ...] = ()
        sampled = matches = 0
        if _is_text(series):
            if rows is None:
                values = _sample(series)
            else:
                _, rng = sample_positions(rows)
                values = _draw(series, rng)
            sampled = len(values)
            kinds, matches = _kinds(values)
        if in_name or kinds:
            found.append(PiiFinding(str(name), in_name, kinds, sampled, matches))
    return tuple(found)
