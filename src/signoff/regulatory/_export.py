"""Write the inventory as CSV, JSON or an Excel workbook — deterministic bytes each."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from typing import Any, Literal

from ..errors import MissingExtraError
from ._inventory import INVENTORY_COLUMNS

__all__ = ["INVENTORY_FORMATS", "inventory_bytes"]

InventoryFormat = Literal["csv", "json", "xlsx"]
INVENTORY_FORMATS: tuple[InventoryFormat, ...] = ("csv", "json", "xlsx")
#: How a list (open waivers, open findings) is written into one CSV or spreadsheet cell.
CELL_SEPARATOR = "; "


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return CELL_SEPARATOR.join(str(v) for v in value)
    return str(value)


def _csv(rows: Sequence[dict[str, Any]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(INVENTORY_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in INVENTORY_COLUMNS])
    return out.getvalue().encode("utf-8")


def _xlsx(rows: Sequence[dict[str, Any]], created: dt.datetime) -> bytes:
    try:
        import xlsxwriter  # type: ignore[import-untyped]
    except ImportError:
        raise MissingExtraError("the xlsx inventory", "xlsx", "XlsxWriter") from None
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    workbook.set_properties(
        {"title": "Model inventory", "author": "signoff", "created": created.replace(tzinfo=None)}
    )
    sheet = workbook.add_worksheet("inventory")
    bold = workbook.add_format({"bold": True})
    for col, name in enumerate(INVENTORY_COLUMNS):
        sheet.write_string(0, col, name, bold)
    for r, row in enumerate(rows, start=1):
        for col, name in enumerate(INVENTORY_COLUMNS):
            sheet.write_string(r, col, _cell(row[name]))
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, len(rows), len(INVENTORY_COLUMNS) - 1)
    workbook.close()
    return buffer.getvalue()


def inventory_bytes(
    rows: Sequence[dict[str, Any]], fmt: InventoryFormat, *, created: dt.datetime
) -> bytes:
    """The inventory file's bytes; ``created`` stamps the workbook (the same rows and
    ``created`` give the same bytes)."""
    if fmt == "csv":
        return _csv(rows)
    if fmt == "json":
        text = json.dumps({"columns": list(INVENTORY_COLUMNS), "models": list(rows)}, indent=2)
        return (text + "\n").encode("utf-8")
    return _xlsx(rows, created)
