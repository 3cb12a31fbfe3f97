"""User-supplied names in every output: terminal, HTML, Markdown and JUnit show them as text."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from signoff.cli import app
from signoff.report._render import markdown_code, markdown_text

SCRIPT = "<script>alert(1)</script>"
SVG = '<svg onload="alert(2)">'
MARKUP = "[/]"
ROWS = 300


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """An audit whose groups, attribute, model name and gates are named to break outputs."""
    folder = tmp_path_factory.mktemp("hostile-report")
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "y": rng.integers(0, 2, ROWS),
            "s": rng.random(ROWS).round(4),
            "group": rng.choice([SCRIPT, SVG, MARKUP, "`tick`"], ROWS),
            "region": rng.choice(["north", "south"], ROWS),
        }
    )
    frame.to_csv(folder / "data `x`.csv", index=False)
    config = {
        "data": {"path": "data `x`.csv", "target": "y", "score_column": "s"},
        "protected_attributes": {"group": {}, "region": {}},
        "bootstrap": {"replicates": 0},
        "model_card": {"name": SVG, "owner": MARKUP, "description": f"*Fine* {SCRIPT}"},
    }
    (folder / "audit.yaml").write_text(yaml.safe_dump(config))
    gate = {"metric": "accuracy", "threshold": 0.99, "comparison": "greater_than"}
    policy = {
        "policy_name": f"{SCRIPT} {MARKUP}",
        "version": "1",
        "gates": [
            {**gate, "name": SCRIPT, "clause": MARKUP, "rationale": SVG},
            {**gate, "name": f"{MARKUP} \x01 bell", "severity": "warning"},
        ],
    }
    (folder / "policy.yaml").write_text(yaml.safe_dump(policy))
    args = ["audit", str(folder / "audit.yaml"), "--policy", str(folder / "policy.yaml")]
    args += ["-o", str(folder / "out"), "--report", "html", "--model-card"]
    result = CliRunner().invoke(app, args)
    return {"folder": folder, "result": result, "out": folder / "out"}


def test_the_audit_runs_and_prints_the_names_as_written(audited: dict[str, Any]):
    result = audited["result"]
    assert result.exit_code == 1, result.output  # the accuracy gate fails, nothing crashes
    assert "Traceback" not in result.output
    assert SCRIPT in result.output
    table = CliRunner().invoke(app, ["report", str(audited["out"]), "--format", "html"])
    assert table.exit_code == 0, table.output


def test_html_report_and_card_escape_every_name(audited: dict[str, Any]):
    for name in ("report.html", "model_card.html"):
        html = (audited["out"] / name).read_text()
        assert SCRIPT not in html, name
        assert "<svg onload" not in html, name
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, name
        assert "<svg " in html or name == "model_card.html"  # our charts still render


def test_markdown_outputs_make_html_inert(audited: dict[str, Any]):
    for name in ("model_card.md", "summary.md"):
        text = (audited["out"] / name).read_text()
        assert not re.search(r"(?<!\\)<(script|svg)", text), name  # only backslashed
    card = (audited["out"] / "model_card.md").read_text()
    assert "*Fine* \\<script\\>" in card  # the author's emphasis is kept, the HTML is not
    assert "`` data `x`.csv ``" not in card
    assert "``data `x`.csv``" in card


def test_junit_holds_the_names_as_text(audited: dict[str, Any]):
    root = ET.parse(audited["out"] / "gates.junit.xml").getroot()
    names = {case.get("name") for case in root.iter("testcase")}
    assert any(SCRIPT in (n or "") for n in names)
    assert any(n is not None and n.startswith(MARKUP) for n in names)


def test_results_keep_the_groups_apart(audited: dict[str, Any]):
    results = json.loads((audited["out"] / "results.json").read_text())
    assert set(results["by_attribute"]["group"]["groups"]) == {SCRIPT, SVG, MARKUP, "`tick`"}


def test_markdown_filters():
    assert markdown_code("a`b") == "``a`b``"
    assert markdown_code("`x`") == "`` `x` ``"
    assert markdown_code("two\nlines") == "`two lines`"
    assert markdown_text("<b>*x*</b> & co") == "\\<b\\>*x*\\</b\\> &amp; co"


def _copy_out(audited: dict[str, Any], tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "out"
    shutil.copytree(audited["out"], target)
    return target


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "not valid JSON: nested more than 200 levels deep"),
        ('{"overall": 1e999}', "not valid JSON: the number 1e999 is too large"),
        ('{"overall": ' + "7" * 5000 + "}", "not valid JSON: Exceeds the limit"),
        ('{"overall": NaN}', "not valid JSON: JSON numbers must be finite; got NaN"),
    ],
    ids=["deep", "overflow", "5000-digits", "nan"],
)
@pytest.mark.parametrize("command", ["report", "model-card", "pack"])
def test_unparseable_results_are_exit_3(
    audited: dict[str, Any], tmp_path: Path, text: str, message: str, command: str
):
    out = _copy_out(audited, tmp_path)
    (out / "results.json").write_text(text)
    args = [command, str(out)] + (["-o", str(tmp_path / "e.zip")] if command == "pack" else [])
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 3, result.output
    assert f"results.json: {message}" in " ".join(result.output.split())


@pytest.mark.parametrize("command", ["report", "model-card"])
def test_results_of_the_wrong_shape_are_exit_3(
    audited: dict[str, Any], tmp_path: Path, command: str
):
    from signoff._canonical import canonical_sha256

    out = _copy_out(audited, tmp_path)
    results = json.loads((out / "results.json").read_text())
    results["by_attribute"] = ["not", "a", "mapping"]
    results["overall"] = {"accuracy": "high"}
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["results_sha256"] = canonical_sha256(results)  # a careful forger
    (out / "results.json").write_text(json.dumps(results))
    (out / "manifest.json").write_text(json.dumps(manifest))
    result = CliRunner().invoke(app, [command, str(out), *(["-f", "html"] * (command == "report"))])
    assert result.exit_code == 3, result.output
    assert "results.json: does not have the structure `signoff audit` writes (" in " ".join(
        result.output.split()
    )


def test_a_manifest_of_the_wrong_shape_is_exit_3_for_pack(audited: dict[str, Any], tmp_path: Path):
    out = _copy_out(audited, tmp_path)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["inputs"] = ["config", "policy"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    result = CliRunner().invoke(app, ["pack", str(out), "-o", str(tmp_path / "e.zip")])
    assert result.exit_code == 3, result.output
    assert "manifest.json: does not have the structure" in " ".join(result.output.split())
