"""Same inputs, seed and SOURCE_DATE_EPOCH ⇒ byte-identical results and manifest."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

import signoff
from signoff._canonical import canonical_sha256


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_runs_are_byte_identical(cli, demo: Path, tmp_path: Path):
    env = {"SOURCE_DATE_EPOCH": "1767225600", "SIGNOFF_USER": "validator"}
    for name in ("a", "b"):
        result = cli("audit", str(demo / "audit.yaml"), "-o", str(tmp_path / name), env=env)
        assert result.exit_code == 0
    for name in ("results.json", "manifest.json"):
        assert _sha(tmp_path / "a" / name) == _sha(tmp_path / "b" / name), name
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["created_at"] == "2026-01-01T00:00:00Z"
    assert manifest["run_by"] == "validator"


def test_a_different_seed_changes_only_the_random_parts(demo: Path):
    a = signoff.audit(demo / "audit.yaml", seed=1).results
    b = signoff.audit(demo / "audit.yaml", seed=2).results
    assert a["overall"]["accuracy"]["value"] == b["overall"]["accuracy"]["value"]
    assert a["overall"]["accuracy"]["ci"] != b["overall"]["accuracy"]["ci"]


def test_manifest_records_hashes_versions_and_results_hash(demo: Path):
    result = signoff.audit(demo / "audit.yaml")
    manifest = result.manifest
    inputs = manifest["inputs"]
    assert inputs["config"]["sha256"] == _sha(demo / "audit.yaml")
    assert inputs["data"]["sha256"] == _sha(demo / "data" / "holdout.csv")
    assert inputs["model"]["sha256"] == _sha(demo / "model.skops")
    assert inputs["model"]["path"] == "model.skops"  # as written in the config, not absolute
    assert manifest["results_sha256"] == canonical_sha256(result.results)
    env = manifest["environment"]
    assert env["python"].count(".") == 2
    assert env["packages"]["numpy"]
    assert env["packages"]["scikit-learn"]
    assert manifest["config"]["seed"] == 42
    assert manifest["signoff_version"] == signoff.__version__
    assert str(demo) not in json.dumps(manifest)  # no absolute paths: same bytes anywhere


def _git(folder: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        check=True,
        capture_output=True,
    )


def test_manifest_records_git_commit_and_dirty_flag(demo: Path):
    assert signoff.audit(demo / "audit.yaml").manifest["git"] is None  # not a checkout yet
    _git(demo, "init", "-q")
    _git(demo, "add", "-A")
    _git(demo, "commit", "-qm", "demo")
    head = subprocess.run(
        ["git", "-C", str(demo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    clean = signoff.audit(demo / "audit.yaml").manifest["git"]
    assert clean == {"commit": head, "dirty": False}
    (demo / "audit.yaml").write_text((demo / "audit.yaml").read_text() + "\n# edited\n")
    assert signoff.audit(demo / "audit.yaml").manifest["git"] == {"commit": head, "dirty": True}


def test_bad_source_date_epoch_is_a_clear_error(cli, demo: Path, tmp_path: Path):
    result = cli(
        "audit", str(demo / "audit.yaml"), "-o", str(tmp_path), env={"SOURCE_DATE_EPOCH": "soon"}
    )
    assert result.exit_code == 2
    assert (
        "SOURCE_DATE_EPOCH must be a whole number of seconds since 1970; got 'soon'"
        in result.stderr
    )


@pytest.mark.parametrize("replicates", [0])
def test_no_bootstrap_means_no_intervals(demo: Path, edit_config, replicates: int):
    edit_config(demo, lambda c: c["bootstrap"].update(replicates=replicates))
    results = signoff.audit(demo / "audit.yaml").results
    assert results["overall"]["accuracy"]["ci"] is None
    assert results["by_attribute"]["sex"]["demographic_parity_difference"]["ci"] is None
