"""The audit report: sections, gates, charts, no network, PDF read back, determinism.

One audit of the demo (with --report html,pdf) is shared by the module; a
second, identical audit in another copy of the project checks determinism.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pypdf
import pypdfium2
import pytest
from typer.testing import CliRunner

from signoff.cli import app
from signoff.report import SECTION_TITLES, load_audit, render_report, report_context

EPOCH = "1767225600"  # 2026-01-01T00:00:00Z
ENV = {"SOURCE_DATE_EPOCH": EPOCH, "SIGNOFF_USER": "validator"}
AUDIT = ["audit", "audit.yaml", "--policy", "policy.yaml", "--strict", "-o", "out"]


def _audit(template: Path, folder: Path, *extra: str) -> Path:
    """Audit a fresh copy of the demo from inside its folder, as a user would."""
    shutil.copytree(template, folder)
    cwd = Path.cwd()
    try:
        os.chdir(folder)
        result = CliRunner().invoke(app, [*AUDIT, *extra], env=ENV, catch_exceptions=False)
    finally:
        os.chdir(cwd)
    assert result.exit_code == 1, result.output  # the demo fails its demographic-parity gate
    return folder / "out"


@pytest.fixture(scope="module")
def out(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("report")
    return _audit(demo_template, root / "demo", "--report", "html,pdf", "--model-card")


@pytest.fixture(scope="module")
def results(out: Path) -> dict:
    return json.loads((out / "results.json").read_text())


@pytest.fixture(scope="module")
def pdf_text(out: Path) -> str:
    reader = pypdf.PdfReader(out / "report.pdf")
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", text)


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.h2: list[str] = []
        self.text: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_h2 = tag == "h2"
        if self._in_h2:
            self.h2.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._in_h2:
            self.h2[-1] += data


@pytest.fixture(scope="module")
def html(out: Path) -> _Html:
    parser = _Html()
    parser.feed((out / "report.html").read_text(encoding="utf-8"))
    return parser


def test_audit_writes_report_and_model_card(out: Path):
    for name in ("report.html", "report.pdf", "model_card.md", "model_card.html"):
        assert (out / name).stat().st_size > 0, name
    assert not list(out.glob(".*.partial"))


def test_pdf_text_has_every_section_title_in_order(pdf_text: str):
    positions = [pdf_text.find(f"{n}. {title}") for n, title in enumerate(SECTION_TITLES, 1)]
    assert all(p >= 0 for p in positions), dict(zip(SECTION_TITLES, positions, strict=True))
    assert positions == sorted(positions)


def test_pdf_text_has_every_gate_name_and_the_verdict(pdf_text: str, results: dict):
    for gate in results["gates"]:
        assert re.sub(r"\s+", " ", gate["name"]) in pdf_text, gate["name"]
    assert "Verdict: FAIL" in pdf_text
    assert results["policy"]["verdict"] == "FAIL"


def test_pdf_first_page_renders_to_a_non_blank_image(out: Path):
    page = pypdfium2.PdfDocument(out / "report.pdf")[0]
    image = page.render(scale=1).to_pil().convert("L")
    histogram = image.histogram()
    ink = sum(histogram[:200]) / (image.width * image.height)
    assert ink > 0.02  # text, tables and the verdict box: not a blank page
    assert len({v for v, n in enumerate(histogram) if n}) > 16  # more than a flat fill


def test_pdf_is_small_vector_and_dated_from_the_epoch(out: Path):
    data = (out / "report.pdf").read_bytes()
    assert len(data) < 2_000_000
    reader = pypdf.PdfReader(io.BytesIO(data))
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        xobjects = resources.get("/XObject") or {}
        kinds = {xobjects[k].get_object().get("/Subtype") for k in xobjects}
        assert "/Image" not in kinds  # charts are vectors, not bitmaps
    assert reader.metadata is not None
    assert reader.metadata["/CreationDate"] == "D:20260101000000Z"
    assert reader.metadata["/ModDate"] == "D:20260101000000Z"


def test_html_has_every_chart_with_a_title(html: _Html, results: dict):
    charts = {a["id"] for tag, a in html.tags if tag == "svg" and a.get("class") == "chart"}
    attributes = len(results["by_attribute"])
    expected = {"chart-roc", "chart-pr", "chart-reliability-overall", "chart-disparity"}
    expected |= {"chart-shift", "chart-importance"}
    expected |= {f"chart-reliability-{k}" for k in range(1, attributes + 1)}
    expected |= {f"chart-groups-{k}" for k in range(1, attributes + 1)}
    assert charts == expected
    titles = sum(1 for tag, _ in html.tags if tag == "title")
    assert titles == len(expected) + 1  # one per chart, plus the document's


def test_html_is_self_contained(out: Path, html: _Html):
    text = (out / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"https?:|//[a-z]", text, re.IGNORECASE)
    assert not {"script", "link", "img", "iframe", "object"} & {tag for tag, _ in html.tags}
    for tag, attrs in html.tags:
        for key in ("src", "href"):
            value = attrs.get(key)
            assert value is None or value.startswith("#"), (tag, key, value)
    assert all(u.startswith("url(#") for u in re.findall(r"url\([^)]*\)", text))


def test_html_sections_are_the_issue_s_nine_in_order(html: _Html):
    assert html.h2 == [f"{n}. {title}" for n, title in enumerate(SECTION_TITLES, 1)]


def test_numbers_are_read_from_results_not_recomputed(out: Path):
    documents = load_audit(out)
    doctored = json.loads(json.dumps(documents.results))
    doctored["overall"]["accuracy"] = {"value": 0.123456, "ci": [0.1, 0.2]}
    page = render_report(doctored, documents.manifest, formats=("html",))["report.html"]
    assert b"0.123" in page
    assert b"0.100 \xe2\x80\x93 0.200" in page  # "0.100 – 0.200"


def test_power_statement_is_in_plain_words(pdf_text: str, results: dict):
    power = results["by_attribute"]["foreign_worker"]["statistical_power"]["value"]
    assert round(power * 100) == 7
    assert (
        "With 13 rows in the smallest group (no), this audit had a 7% chance to detect a "
        "5-point selection-rate gap; a passing disparity here is weak evidence" in pdf_text
    )


def test_report_without_a_policy_says_so(out: Path):
    documents = load_audit(out)
    results = {k: v for k, v in documents.results.items() if k not in ("gates", "policy")}
    page = render_report(results, documents.manifest, formats=("html",))["report.html"].decode()
    assert "NO POLICY APPLIED" in page
    assert "No policy was applied" in page


def test_same_inputs_seed_and_epoch_give_identical_bytes(
    out: Path, demo_template: Path, tmp_path_factory: pytest.TempPathFactory
):
    again = _audit(demo_template, tmp_path_factory.mktemp("again") / "demo", "--report", "html,pdf")
    for name in ("results.json", "manifest.json", "report.html", "report.pdf"):
        first = hashlib.sha256((out / name).read_bytes()).hexdigest()
        second = hashlib.sha256((again / name).read_bytes()).hexdigest()
        assert first == second, name


def test_report_command_rerenders_the_same_bytes(out: Path, tmp_path: Path):
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("results.json", "manifest.json"):
        shutil.copy(out / name, copy / name)
    result = CliRunner().invoke(app, ["report", str(copy)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for name in ("report.html", "report.pdf"):
        assert (copy / name).read_bytes() == (out / name).read_bytes(), name


_NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?%?(?![\w.])")


def _visible_text(html: str) -> str:
    """The HTML's visible text outside charts, head and the manifest (as a reader sees it)."""
    html = re.sub(r"<head>.*?</head>|<svg .*?</svg>", " ", html, flags=re.DOTALL)
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", unescape(text))


def test_pdf_text_has_every_gate_value_and_interval(pdf_text: str, results: dict, out: Path):
    documents = load_audit(out)
    gates = report_context(documents.results, documents.manifest)["gates"]
    assert len(gates) == len(results["gates"]) > 0
    by_name = {g["name"]: g for g in results["gates"]}
    for row in gates:
        assert row["value"] in pdf_text, (row["name"], row["value"])
        assert row["condition"] in pdf_text, (row["name"], row["condition"])
        if row["ci"]:
            assert row["ci"] in pdf_text, (row["name"], row["ci"])
        value = by_name[row["name"]].get("value")
        if value is not None:  # the printed figure is the one in results.json, rounded
            assert float(row["value"].rstrip("%")) == pytest.approx(
                float(value) * (100 if row["value"].endswith("%") else 1), abs=0.0051
            )


def test_html_and_pdf_carry_the_same_figures(out: Path, pdf_text: str):
    html = (out / "report.html").read_text()
    numbers = set(_NUMBER.findall(_visible_text(html)))
    assert len(numbers) > 100
    pdf_numbers = set(_NUMBER.findall(pdf_text))
    assert numbers - pdf_numbers == set()
    charts = re.findall(r'<svg class="chart" id="(chart-[^"]+)".*?</svg>', html, re.DOTALL)
    assert len(charts) >= 10
    for match in re.finditer(r'<svg class="chart" id="(chart-[^"]+)"(.*?)</svg>', html, re.DOTALL):
        labels = [
            re.sub(r"\s+", " ", t) for t in re.findall(r"<text [^>]*>([^<]+)</text>", match[2])
        ]
        assert labels, match[1]
        for label in labels:  # each chart's title, legend and tick text is drawn in the PDF too
            assert unescape(label) in pdf_text, (match[1], label)
