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
from importlib import resources

from ._typst_table import grid, table
from ._typst_tree import Node, Tree, code_string, stash_charts, string

__all__ = ["TypstDocument", "html_to_typst"]


_BLOCK_GAP = "\n\n"
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}
_SKIP = {"head", "title", "style", "script"}
_INLINE_CLASSES = (("status", None), ("ci", "ci"), ("hash", "hash"), ("code", "mono"))
_WRAPPERS = {"muted": "muted", "small": "small"}


@cache
def _preamble() -> str:
    return resources.files("signoff.report").joinpath("templates/preamble.typ").read_text("utf-8")


class TypstDocument:
    """Typst markup and the files (charts) it reads through ``sys.inputs``."""

    def __init__(self, markup: str, inputs: dict[str, str]) -> None:
        self.markup = markup
        self.inputs = inputs


_SVG_NS = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '


class _Writer:
    def __init__(self, charts: list[str]) -> None:
        self.charts = charts
        self.inputs: dict[str, str] = {}
        self.title = ""
        self.verdict = ""
        self.footer = ""

    # -- inline --------------------------------------------------------------------
    def inline(self, node: Node | str, *, pre: bool = False) -> str:
        if isinstance(node, str):
            text = node if pre else re.sub(r"\s+", " ", node)
            return string(text) if text else ""
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

    def chart(self, node: Node) -> str:
        index = int(node.attrs.get("data-chart", "-1"))
        name = f"chart-{len(self.inputs)}"
        svg = self.charts[index]
        if "xmlns=" not in svg[:400]:
            svg = svg.replace("<svg ", f"<svg {_SVG_NS}", 1)
        self.inputs[name] = svg
        return f'#chart("{name}");'

    # -- blocks --------------------------------------------------------------------
    def blocks(self, node: Node) -> str:
        out: list[str] = []
        run: list[str] = []
        halves: list[str] = []
        for child in node.children:
            if isinstance(child, str) and not child.strip():
                if run:
                    run.append(self.inline(child))
                continue
            if isinstance(child, Node) and child.tag == "figure" and "half" in child.classes:
                if "".join(run).strip():
                    out.append("".join(run))
                run = []
                halves.append(f"[{self.blocks(child)}]")
                continue
            if halves:
                out.append(grid(halves))
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
            out.append(grid(halves))
        return _BLOCK_GAP.join(x for x in out if x)

    @staticmethod
    def is_block(node: Node) -> bool:
        if node.tag in ("span", "b", "strong", "i", "em", "code", "a", "br", "svg"):
            return False
        return not (node.tag == "figure" and "half" in node.classes)

    def block(self, node: Node) -> str:
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
            items = [c for c in node.children if isinstance(c, Node) and c.tag == "li"]
            kind = "enum" if tag == "ol" else "list"
            body = ", ".join(f"[{self.blocks(li)}]" for li in items)
            listing = f"#{kind}({body}{',' if len(items) == 1 else ''})"
            if tag == "ol" and self.in_nav:
                height = (len(items) + 1) // 2 * 1.45 + 0.2
                return f"#toc({height}em)[{listing}]"
            return listing
        if tag == "table":
            return table(node, self.cell)
        if tag == "pre":
            size = "6.3pt" if "manifest" in classes else "7.5pt"
            text = node.text()
            return f"#codeblock({size})[#raw({code_string(text)}, block: true)]"
        if tag == "figcaption":
            return f"#caption[{self.inline_children(node)}]"
        return self.inline(node)

    in_nav = False

    def container(self, node: Node) -> str:
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
                (c for c in node.children if isinstance(c, Node) and "label" in c.classes), None
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

    def inline_children(self, node: Node) -> str:
        return "".join(self.inline(c) for c in node.children).strip()

    def cell(self, node: Node) -> str:
        """A table cell's content: inline markup, or blocks when it holds any."""
        if any(isinstance(c, Node) and self.is_block(c) for c in node.children):
            return self.blocks(node)
        return self.inline_children(node)


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
    html, charts = stash_charts(html)
    tree = Tree()
    tree.feed(html)
    tree.close()
    writer = _Writer(charts)
    body = writer.blocks(tree.root)
    inputs = dict(writer.inputs)
    inputs.update(title=writer.title, verdict=writer.verdict, footer=writer.footer)
    return TypstDocument(_preamble() + "\n" + body + "\n", inputs)
