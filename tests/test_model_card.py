"""The model card: Mitchell et al.'s sections, config facts, "to be completed" for the rest."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from signoff.cli import app
from signoff.config import load_config
from signoff.errors import ConfigError
from signoff.report import MODEL_CARD_SECTIONS, load_audit, render_model_card

CARD = {
    "owner": "Credit Risk Analytics",
    "intended_use": "Pre-screening consumer loan applications; an underwriter decides.",
    "out_of_scope_uses": "Employment, insurance or housing decisions.",
}


def _run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def out(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("card") / "demo"
    shutil.copytree(demo_template, folder)
    config = folder / "audit.yaml"
    data = yaml.safe_load(config.read_text())
    data["model_card"] = CARD
    data["bootstrap"] = {"replicates": 200}  # the card's numbers, not their precision, matter here
    config.write_text(yaml.safe_dump(data, sort_keys=False))
    target = folder / "out"
    result = _run(
        "audit",
        str(config),
        "--policy",
        str(folder / "policy.yaml"),
        "-o",
        str(target),
        "--model-card",
    )
    assert result.exit_code == 1, result.output
    return target


def test_markdown_has_the_nine_sections_in_order(out: Path):
    text = (out / "model_card.md").read_text()
    headings = re.findall(r"^## \d\. (.+)$", text, re.MULTILINE)
    assert headings == list(MODEL_CARD_SECTIONS)


def test_html_has_the_nine_sections_in_order(out: Path):
    text = (out / "model_card.html").read_text()
    headings = re.findall(r"<h2>\d\. ([^<]+)</h2>", text)
    assert headings == list(MODEL_CARD_SECTIONS)
    assert not re.search(r"https?:", text)


def test_config_facts_are_used_and_the_rest_is_to_be_completed(out: Path):
    text = (out / "model_card.md").read_text()
    for value in CARD.values():
        assert value in text
    todo = text.split("**To be completed**", 1)[1].split("## 1.", 1)[0]
    assert "`model_card.training_data`" in todo
    assert "`model_card.caveats`" in todo
    for provided in CARD:
        assert f"`model_card.{provided}`" not in todo


def test_quantitative_analyses_come_from_the_audit(out: Path):
    results = json.loads((out / "results.json").read_text())
    text = (out / "model_card.md").read_text()
    accuracy = results["overall"]["accuracy"]
    assert (
        f"| Accuracy | {accuracy['value']:.3f} | {accuracy['ci'][0]:.3f} – {accuracy['ci'][1]:.3f} |"
        in text
    )
    assert "**Verdict: FAIL**" in text
    assert "foreign\\_worker=no: only 13 rows" in text


def test_model_card_command_gives_the_same_bytes(out: Path, tmp_path: Path):
    for name in ("results.json", "manifest.json"):
        shutil.copy(out / name, tmp_path / name)
    result = _run("model-card", str(tmp_path))
    assert result.exit_code == 0, result.output
    for name in ("model_card.md", "model_card.html"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes()


def test_without_a_model_card_section_every_field_is_to_be_completed(out: Path):
    documents = load_audit(out)
    manifest = json.loads(json.dumps(documents.manifest))
    manifest["config"]["model_card"] = None
    text = render_model_card(documents.results, manifest)["model_card.md"].decode()
    assert "**Intended use.** *To be completed.*" in text
    assert "`model_card.owner`" in text
    assert "Credit Risk Analytics" not in text


def test_unknown_model_card_key_is_refused_with_the_allowed_keys(demo: Path):
    config = demo / "audit.yaml"
    config.write_text(config.read_text() + "model_card:\n  ownr: me\n")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    message = str(caught.value)
    assert "ownr" in message
    assert "owner" in message
