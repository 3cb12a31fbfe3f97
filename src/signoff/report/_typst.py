"""signoff's report HTML as Typst markup: the PDF is typeset from the very same HTML.

The HTML template stays the one source of the report's content; this module
reads the document it rendered (a small, known vocabulary of tags and
classes) and writes the same content as Typst markup, which the ``typst``
package compiles to PDF in-process.  Every text run becomes a Typst string
literal (``#"…";``), so nothing in the data can be read as markup.  Inline
``<svg>`` charts are handed to Typst as files (``sys.inputs``) and drawn as
vectors.  Tags it does not know keep their text (never dropped silently).
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from importlib import resources

__all__ = ["TypstDocument", "html_to_typst"]


_BLOCK_GAP = "\n\n"
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
_VOID = {"br", "meta", "img", "hr", "input", "link"}
_SKIP = {"head", "title", "style", "script"}
_INLINE_CLASSES = (("status", None), ("ci", "ci"), ("hash", "hash"), ("code", "mono"))
_WRAPPERS = {"muted": "muted", "small": "small"}


@cache
def _preamble() -> str:
    return resources.files("signoff.report").joinpath("templates/preamble.typ").read_text("utf-8")


def _string(text: str) -> str:
    """A Typst string literal in markup: inert whatever it holds."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'#"{escaped}";'


class TypstDocument:
    """Typst markup and the files (charts) it reads through ``sys.inputs``."""

    def __init__(self, markup: str, inputs: dict[str, str]) -> None:
        self.markup = markup
        self.inputs = inputs


class _Node:
    __slots__ = ("attrs", "children", "tag")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[_Node | str] = []

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class _Tree(HTMLParser):
    """The HTML as a tree; each inline ``<svg>`` kept whole, as markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)
_SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '


class _Writer:
    def __init__(self, charts: list[str]) -> None:
        self.charts = charts
        self.inputs: dict[str, str] = {}
        self.title = ""
        self.verdict = ""
        self.footer = ""

    # -- inline --------------------------------------------------------------------
    def inline(self, node: _Node | str, *, pre: bool = False) -> str:
        if isinstance(node, str):
            text = node if pre else re.sub(r"\s+", " ", node)
            return _string(text) if text else ""
        tag, classes = node.tag, node.classes
        if tag in _SKIP:
            return ""
        if tag == "br":
            return "#linebreak();"
        if tag == "svg":
            return self.chart(node)
        if tag == "figure":
            return f"#half[{self.blocks(node)}];"
        inner = "".join(self.inline(c, pre=pre) for c in node.children)
        if tag in ("b", "strong", "th-text"):
            return f"#strong[{inner}];"
        if tag in ("i", "em"):
            return f"#emph[{inner}];"
        if tag == "code":
            inner = f"#mono[{inner}];"
        for css, function in _INLINE_CLASSES:
            if css in classes:
                if css == "status":
                    kind = next((c[2:] for c in classes if c.startswith("s-")), "")
                    return f'#status("{kind}")[{inner}];'
                inner = f"#{function}[{inner}];"
        for css, function in _WRAPPERS.items():
            if css in classes:
                inner = f"#{function}[{inner}];"
        if "tbc" in classes:
            inner = f'#text(fill: rgb("#8a4b00"), style: "italic")[{inner}];'
        return inner

    def chart(self, node: _Node) -> str:
        index = int(node.attrs.get("data-chart", "-1"))
        name = f"chart-{len(self.inputs)}"
        svg = self.charts[index]
        if "xmlns=" not in svg[:400]:
            svg = svg.replace("<svg ", f"<svg {_SVG_NS}", 1)
        self.inputs[name] = svg
        return f'#chart("{name}");'

    # -- blocks --------------------------------------------------------------------
    def blocks(self, node: _Node) -> str:
        out: list[str] = []
        run: list[str] = []
        halves: list[str] = []
        for child in node.children:
            if isinstance(child, str) and not child.strip():
                if run:
                    run.append(self.inline(child))
                continue
            if isinstance(child, _Node) and child.tag == "figure" and "half" in child.classes:
                if "".join(run).strip():
                    out.append("".join(run))
                run = []
                halves.append(f"[{self.blocks(child)}]")
                continue
            if halves:
                out.append(_grid(halves))
                halves = []
            if isinstance(child, str) or not self.is_block(child):
                run.append(self.inline(child))
                continue
            if "".join(run).strip():
                out.append("".join(run))
            run = []
            out.append(self.block(child))
        if "".join(run).strip():
            out.append("".join(run))
        if halves:
            out.append(_grid(halves))
        return _BLOCK_GAP.join(x for x in out if x)

    @staticmethod
    def is_block(node: _Node) -> bool:
        if node.tag in ("span", "b", "strong", "i", "em", "code", "a", "br", "svg"):
            return False
        return not (node.tag == "figure" and "half" in node.classes)

    def block(self, node: _Node) -> str:
        tag, classes = node.tag, node.classes
        if tag in _SKIP:
            return ""
        if tag in ("html", "body", "div", "section", "nav", "figure", "main", "thead", "tbody"):
            return self.container(node)
        if tag == "header":
            self.footer = f"results.json SHA-256 {node.attrs.get('data-results-sha256', '')}"
            return self.blocks(node)
        if tag in _HEADINGS:
            text = " ".join(node.text().split())
            if tag == "h1" and not self.title:
                self.title = text
            level = _HEADINGS[tag]
            outlined = "false" if level == 1 else "true"
            inner = self.inline_children(node)
            return f"#heading(level: {level}, outlined: {outlined})[{inner}]"
        if tag == "p":
            inner = self.inline_children(node)
            if "subtitle" in classes:
                return f'#block(above: 6pt, below: 10pt, text(fill: rgb("#444444"))[{inner}])'
            return f"#block(above: 3pt, below: 6pt)[{inner}]"
        if tag in ("ul", "ol"):
            items = [c for c in node.children if isinstance(c, _Node) and c.tag == "li"]
            kind = "enum" if tag == "ol" else "list"
            body = ", ".join(f"[{self.blocks(li)}]" for li in items)
            listing = f"#{kind}({body}{',' if len(items) == 1 else ''})"
            if tag == "ol" and self.in_nav:
                height = (len(items) + 1) // 2 * 1.45 + 0.2
                return f"#toc({height}em)[{listing}]"
            return listing
        if tag == "table":
            return self.table(node)
        if tag == "pre":
            size = "6.3pt" if "manifest" in classes else "7.5pt"
            text = node.text()
            return f"#codeblock({size})[#raw({_code_string(text)}, block: true)]"
        if tag == "figcaption":
            return f"#caption[{self.inline_children(node)}]"
        return self.inline(node)

    in_nav = False

    def container(self, node: _Node) -> str:
        tag, classes = node.tag, node.classes
        if tag == "nav":
            self.in_nav = True
            try:
                return f"#block(below: 8pt)[{self.blocks(node)}]"
            finally:
                self.in_nav = False
        if tag == "figure" and "half" in classes:
            return f"#half[{self.blocks(node)}]"
        body = self.blocks(node)
        if tag == "section":
            lead = "" if "first" in classes else "#pagebreak(weak: true)\n"
            return lead + body
        if tag == "figure":
            return f"#block(above: 6pt, below: 6pt, breakable: false)[{body}]"
        if "verdict" in classes:
            kind = next((c for c in classes if c in ("fail", "warn", "pass", "none")), "")
            label = next(
                (c for c in node.children if isinstance(c, _Node) and "label" in c.classes), None
            )
            if label is not None and not self.verdict:
                self.verdict = "Verdict: " + " ".join(label.text().split())
            return f'#verdict("{kind}")[{body}]'
        if "label" in classes:
            return f"#verdict-label[{self.inline_children(node)}]"
        if "callout" in classes:
            kind = "bad" if "bad" in classes else "note" if "note" in classes else ""
            return f'#callout("{kind}")[{body}]'
        if "failed-gate" in classes:
            kind = next((c for c in classes if c.isupper()), "")
            return f'#failed-gate("{kind}")[{body}]'
        if "keep" in classes:
            return f"#block(breakable: false)[{body}]"
        return body

    def inline_children(self, node: _Node) -> str:
        return "".join(self.inline(c) for c in node.children).strip()

    def table(self, node: _Node) -> str:
        rows: list[tuple[bool, _Node]] = []
        for part in node.children:
            if not isinstance(part, _Node):
                continue
            if part.tag == "tr":
                rows.append((False, part))
            for tr in part.children if part.tag in ("thead", "tbody") else ():
                if isinstance(tr, _Node) and tr.tag == "tr":
                    rows.append((part.tag == "thead", tr))
        classes = node.classes
        columns = max((len(_cells(tr)) for _, tr in rows), default=1)
        header: list[str] = []
        body: list[str] = []
        right: set[int] = set()
        for is_head, tr in rows:
            cells = []
            for k, cell in enumerate(_cells(tr)):
                content = (
                    self.inline_children(cell) if not self.has_blocks(cell) else self.blocks(cell)
                )
                if "n" in cell.classes:
                    right.add(k)
                if cell.tag == "th" and "kv" not in classes:
                    content = f"#th[{content}]"
                elif cell.tag == "th":
                    content = f'#text(fill: rgb("#444444"))[{content}]'
                if "hash" in cell.classes:
                    content = f"#hash[{content}]"
                if "code" in cell.classes:
                    content = f"#mono[{content}]"
                if "ci" in cell.classes:
                    content = f"#ci[{content}]"
                cells.append(f"[{content}]")
            (header if is_head else body).append(", ".join(cells))
        widths = self.widths(classes, columns, rows)
        size = "0.8em" if "compact" in classes else "0.9em"
        fill = "none" if "kv" in classes else 'rgb("#eef3f8")'
        head_fill = (
            f"fill: (x, y) => if y == 0 {{ {fill} }}" if header and "kv" not in classes else ""
        )
        if "kv" not in classes and "matrix" in classes:
            head_fill = 'fill: (x, y) => if y == 0 or x == 0 { rgb("#eef3f8") }'
        align = ", ".join(
            "center" if "matrix" in classes else ("right" if k in right else "left")
            for k in range(columns)
        )
        parts = [f"columns: {widths}", f"align: ({align},)"]
        if head_fill:
            parts.append(head_fill)
        if "matrix" in classes:
            parts.append("inset: (x: 12pt, y: 4pt)")
        cells = []
        if header:
            cells.append("table.header(" + ", ".join(header) + ")")
        cells.extend(body)
        joined = ",\n".join(c for c in cells if c)
        return (
            f"#block(above: 4pt, below: 8pt)[#text(size: {size})[#table({', '.join(parts)},\n"
            f"{joined})]]"
        )

    @staticmethod
    def widths(classes: list[str], columns: int, rows: list[tuple[bool, _Node]]) -> str:
        """Column widths: HTML's full-width tables give their spare room to the wordiest column."""
        if "kv" in classes and columns == 2:
            return "(32%, 1fr)"
        widths = ["auto"] * columns
        if "matrix" not in classes:
            length, count, longest = [0] * columns, [0] * columns, [0] * columns
            numeric = [True] * columns
            for _, tr in rows:
                for k, cell in enumerate(_cells(tr)):
                    length[k] += len(cell.text())
                    count[k] += 1
                    longest[k] = max(longest[k], len(" ".join(cell.text().split())))
                    numeric[k] = numeric[k] and ("n" in cell.classes or cell.tag == "th")
            for k in range(columns):  # text columns share the room by their mean length
                if not numeric[k] and longest[k] > 24:  # short ones keep their width (auto)
                    widths[k] = f"{max(1, round(length[k] / max(count[k], 1) / 6))}fr"
        return f"({', '.join(widths)},)"

    def has_blocks(self, node: _Node) -> bool:
        return any(isinstance(c, _Node) and self.is_block(c) for c in node.children)


def _grid(halves: list[str]) -> str:
    """Figures side by side, two to a row, top-aligned (``figure.half`` in the CSS)."""
    return (
        "#block(above: 4pt, below: 4pt)[#grid(columns: (1fr, 1fr), column-gutter: 2%, "
        f"row-gutter: 6pt, align: top, {', '.join(halves)})]"
    )


def _cells(tr: _Node) -> list[_Node]:
    return [c for c in tr.children if isinstance(c, _Node) and c.tag in ("td", "th")]


def _code_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def html_to_typst(html: str) -> TypstDocument:
    """Typst markup for an HTML document written by signoff's templates.

    Parameters
    ----------
    html : str
        The document (its ``<style>`` is ignored: the Typst preamble carries
        the same look).

    Returns
    -------
    TypstDocument
        The markup and its inputs: each chart's SVG, the running header's
        title and verdict, and the footer (the results hash).
    """
    charts: list[str] = []

    def stash(match: re.Match[str]) -> str:
        charts.append(match.group(0))
        return f'<svg data-chart="{len(charts) - 1}"></svg>'

    tree = _Tree()
    tree.feed(_SVG.sub(stash, html))
    tree.close()
    writer = _Writer(charts)
    body = writer.blocks(tree.root)
    inputs = dict(writer.inputs)
    inputs.update(title=writer.title, verdict=writer.verdict, footer=writer.footer)
    return TypstDocument(_preamble() + "\n" + body + "\n", inputs)
