"""HTML tables as Typst tables (header fill, alignment, column widths from the content),
and side-by-side figures as a Typst grid."""

from __future__ import annotations

from collections.abc import Callable

from ._typst_tree import Node, cells

__all__ = ["grid", "table"]


def table(node: Node, content: Callable[[Node], str]) -> str:
    """A ``<table>`` as a Typst ``#table``; ``content`` writes one cell's markup."""
    rows: list[tuple[bool, Node]] = []
    for part in node.children:
        if not isinstance(part, Node):
            continue
        if part.tag == "tr":
            rows.append((False, part))
        for tr in part.children if part.tag in ("thead", "tbody") else ():
            if isinstance(tr, Node) and tr.tag == "tr":
                rows.append((part.tag == "thead", tr))
    classes = node.classes
    columns = max((len(cells(tr)) for _, tr in rows), default=1)
    header: list[str] = []
    body: list[str] = []
    right: set[int] = set()
    for is_head, tr in rows:
        written = []
        for k, cell in enumerate(cells(tr)):
            text = content(cell)
            if "n" in cell.classes:
                right.add(k)
            if cell.tag == "th" and "kv" not in classes:
                text = f"#th[{text}]"
            elif cell.tag == "th":
                text = f'#text(fill: rgb("#444444"))[{text}]'
            if "hash" in cell.classes:
                text = f"#hash[{text}]"
            if "code" in cell.classes:
                text = f"#mono[{text}]"
            if "ci" in cell.classes:
                text = f"#ci[{text}]"
            written.append(f"[{text}]")
        (header if is_head else body).append(", ".join(written))
    size = "0.8em" if "compact" in classes else "0.9em"
    fill = "none" if "kv" in classes else 'rgb("#eef3f8")'
    head_fill = f"fill: (x, y) => if y == 0 {{ {fill} }}" if header and "kv" not in classes else ""
    if "kv" not in classes and "matrix" in classes:
        head_fill = 'fill: (x, y) => if y == 0 or x == 0 { rgb("#eef3f8") }'
    align = ", ".join(
        "center" if "matrix" in classes else ("right" if k in right else "left")
        for k in range(columns)
    )
    parts = [f"columns: {widths(classes, columns, rows)}", f"align: ({align},)"]
    if head_fill:
        parts.append(head_fill)
    if "matrix" in classes:
        parts.append("inset: (x: 12pt, y: 4pt)")
    items = []
    if header:
        items.append("table.header(" + ", ".join(header) + ")")
    items.extend(body)
    joined = ",\n".join(c for c in items if c)
    return (
        f"#block(above: 4pt, below: 8pt)[#text(size: {size})[#table({', '.join(parts)},\n"
        f"{joined})]]"
    )


def widths(classes: list[str], columns: int, rows: list[tuple[bool, Node]]) -> str:
    """Column widths: HTML's full-width tables give their spare room to the wordiest column."""
    if "kv" in classes and columns == 2:
        return "(32%, 1fr)"
    sizes = ["auto"] * columns
    if "matrix" not in classes:
        length, count, longest = [0] * columns, [0] * columns, [0] * columns
        numeric = [True] * columns
        for _, tr in rows:
            for k, cell in enumerate(cells(tr)):
                length[k] += len(cell.text())
                count[k] += 1
                longest[k] = max(longest[k], len(" ".join(cell.text().split())))
                numeric[k] = numeric[k] and ("n" in cell.classes or cell.tag == "th")
        for k in range(columns):  # text columns share the room by their mean length
            if not numeric[k] and longest[k] > 24:  # short ones keep their width (auto)
                sizes[k] = f"{max(1, round(length[k] / max(count[k], 1) / 6))}fr"
    return f"({', '.join(sizes)},)"


def grid(halves: list[str]) -> str:
    """Figures side by side, two to a row, top-aligned (``figure.half`` in the CSS)."""
    return (
        "#block(above: 4pt, below: 4pt)[#grid(columns: (1fr, 1fr), column-gutter: 2%, "
        f"row-gutter: 6pt, align: top, {', '.join(halves)})]"
    )
