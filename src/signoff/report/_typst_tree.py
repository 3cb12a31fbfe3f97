"""The report's HTML as a small tree, and Typst literals: what the Typst writer reads and writes.

Each inline ``<svg>`` chart is cut out before parsing and kept whole, as
markup (``stash_charts``); the tree holds a placeholder pointing to it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["Node", "Tree", "cells", "code_string", "stash_charts", "string"]

_VOID = {"br", "meta", "img", "hr", "input", "link"}
_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


def string(text: str) -> str:
    """A Typst string literal in markup: inert whatever it holds."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'#"{escaped}";'


def code_string(text: str) -> str:
    """A Typst string literal in code (``#raw(...)``'s argument)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class Node:
    """One element: its tag, attributes and children (elements and text runs)."""

    __slots__ = ("attrs", "children", "tag")

    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag = tag
        self.attrs = attrs
        self.children: list[Node | str] = []

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class Tree(HTMLParser):
    """The HTML as a tree under ``root``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
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


def stash_charts(html: str) -> tuple[str, list[str]]:
    """``html`` with each ``<svg>…</svg>`` replaced by ``<svg data-chart="i"></svg>``;
    the charts, in order."""
    charts: list[str] = []

    def stash(match: re.Match[str]) -> str:
        charts.append(match.group(0))
        return f'<svg data-chart="{len(charts) - 1}"></svg>'

    return _SVG.sub(stash, html), charts


def cells(tr: Node) -> list[Node]:
    """The ``td`` and ``th`` cells of a table row."""
    return [c for c in tr.children if isinstance(c, Node) and c.tag in ("td", "th")]
