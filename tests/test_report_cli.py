"""``signoff report`` / ``model-card`` on bad input: one clear message naming the file, the right exit code."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from signoff._canonical import canonical_sha256
from signoff.cli import app
from signoff.errors import ConfigError
from signoff.report import parse_formats, render_report


def _run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def _folder(tmp_path: Path, results: dict, manifest: dict | None = None) -> Path:
    (tmp_path / "results.json").write_text(json.dumps(results))
    if manifest is None:
        manifest = {"results_sha256": canonical_sha256(results)}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path


def test_missing_folder_is_exit_3(tmp_path: Path):
    result = _run("report", str(tmp_path / "nowhere"))
    assert result.exit_code == 3
    assert "nowhere: no such folder" in result.output


def test_missing_results_is_exit_3_naming_the_file(tmp_path: Path):
    result = _run("report", str(tmp_path))
    assert result.exit_code == 3
    assert "results.json: not found; run `signoff audit CONFIG --output" in result.output


def test_invalid_json_is_exit_3_with_line_and_column(tmp_path: Path):
    (tmp_path / "results.json").write_text('{"overall": {},\n  oops}')
    result = _run("model-card", str(tmp_path))
    assert result.exit_code == 3
    assert "results.json:2:3: not valid JSON" in result.output


def test_a_manifest_that_is_not_ours_is_exit_3(tmp_path: Path):
    _folder(tmp_path, {"overall": {}}, {"hello": 1})
    result = _run("report", str(tmp_path))
    assert result.exit_code == 3
    assert "manifest.json: not an audit manifest.json (no 'results_sha256' key)" in result.output


def test_results_changed_after_the_audit_is_exit_5(tmp_path: Path):
    _folder(tmp_path, {"overall": {}}, {"results_sha256": "0" * 64})
    result = _run("report", str(tmp_path), "--format", "html")
    assert result.exit_code == 5
    assert "results.json: does not match manifest.json" in result.output
    assert not (tmp_path / "report.html").exists()


def test_unknown_format_is_exit_2(tmp_path: Path):
    result = _run("report", str(tmp_path), "--format", "html,docx")
    assert result.exit_code == 2
    assert "unknown report format 'docx'; choose from html, pdf" in result.output


def test_parse_formats_keeps_order_and_drops_repeats():
    assert parse_formats("pdf, HTML,pdf") == ("pdf", "html")
    with pytest.raises(ConfigError):
        parse_formats(" , ")


def test_pdf_without_the_extra_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "typst", None)  # as if not installed
    _folder(tmp_path, {"overall": {}})
    result = _run("report", str(tmp_path), "--format", "html,pdf")
    assert result.exit_code == 2
    assert "pip install 'signoff[pdf]'" in result.output
    assert not (tmp_path / "report.html").exists()  # nothing half-written


def test_a_sparse_results_document_still_renders():
    results = {"overall": {}, "rows": 10, "threshold": 0.5}
    html = render_report(results, {"results_sha256": ""}, formats=("html",))["report.html"]
    text = html.decode()
    assert "NO POLICY APPLIED" in text
    assert "Permutation importance was not computed" in text
    assert "are not in this results.json" in text  # no curves: said, not drawn
