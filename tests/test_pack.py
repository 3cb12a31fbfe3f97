"""Evidence packs: contents, determinism, and verify-pack catching every kind of tampering."""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from signoff.cli import app
from signoff.pack import SUMS, verify_pack, zip_bytes

ENV = {"SOURCE_DATE_EPOCH": "1767225600", "SIGNOFF_USER": "validator"}


def _run(*args: str, cwd: Path | None = None):
    before = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        return CliRunner().invoke(app, list(args), env=ENV, catch_exceptions=False)
    finally:
        os.chdir(before)


@pytest.fixture(scope="module")
def project(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo audited from inside its folder, with the HTML report and the model card."""
    folder = tmp_path_factory.mktemp("pack") / "demo"
    shutil.copytree(demo_template, folder)
    audit = ["audit", "audit.yaml", "--policy", "policy.yaml", "-o", "out"]
    result = _run(*audit, "--report", "html", "--model-card", cwd=folder)
    assert result.exit_code == 1, result.output
    return folder


@pytest.fixture(scope="module")
def pack(project: Path) -> Path:
    result = _run("pack", "out", "-o", "evidence.zip", cwd=project)
    assert result.exit_code == 0, result.output
    return project / "evidence.zip"


def _rewrite(source: Path, target: Path, change: Callable[[dict[str, bytes]], None]) -> Path:
    with zipfile.ZipFile(source) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    change(files)
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return target


def _resum(files: dict[str, bytes]) -> None:
    """Recompute SHA256SUMS, as a careful forger would."""
    body = {k: v for k, v in files.items() if k != SUMS}
    lines = [f"{hashlib.sha256(body[n]).hexdigest()}  {n}\n" for n in sorted(body)]
    files[SUMS] = "".join(lines).encode()


def test_pack_holds_outputs_inputs_and_sums_in_fixed_order(pack: Path):
    with zipfile.ZipFile(pack) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        sums = archive.read(SUMS).decode()
    assert names == sorted(names)
    assert names[0] == SUMS
    expected = {"results.json", "manifest.json", "report.html", "model_card.md"}
    expected |= {"model_card.html", "gates.junit.xml", "summary.md"}
    expected |= {"inputs/audit.yaml", "inputs/policy.yaml"}
    assert expected <= set(names)
    assert "report.pdf" not in names  # only what exists is packed
    assert {i.date_time for i in infos} == {(2026, 1, 1, 0, 0, 0)}
    assert len(sums.splitlines()) == len(names) - 1


def test_pack_is_byte_identical(project: Path, pack: Path):
    result = _run("pack", "out", "-o", "again.zip", cwd=project)
    assert result.exit_code == 0
    assert (project / "again.zip").read_bytes() == pack.read_bytes()
    assert result.output.strip().splitlines()[-1] == hashlib.sha256(pack.read_bytes()).hexdigest()


def test_verify_pack_accepts_an_untouched_pack(pack: Path):
    result = _run("verify-pack", str(pack))
    assert result.exit_code == 0, result.output
    assert "OK  results.json" in result.output
    assert verify_pack(pack).results_sha256 in result.output


def test_a_changed_file_fails_naming_it(pack: Path, tmp_path: Path):
    def tamper(files: dict[str, bytes]) -> None:
        files["report.html"] = files["report.html"].replace(b"FAIL", b"PASS", 1)

    result = _run("verify-pack", str(_rewrite(pack, tmp_path / "t.zip", tamper)))
    assert result.exit_code == 5
    assert "report.html: SHA-256 is" in result.output


def test_changed_results_with_recomputed_sums_fail_against_the_manifest(pack: Path, tmp_path: Path):
    def tamper(files: dict[str, bytes]) -> None:
        files["results.json"] = files["results.json"].replace(b'"rows": 300', b'"rows": 301', 1)
        _resum(files)

    result = _run("verify-pack", str(_rewrite(pack, tmp_path / "t.zip", tamper)))
    assert result.exit_code == 5
    assert "results.json: canonical SHA-256 is" in result.output


def test_a_report_from_other_results_fails(pack: Path, tmp_path: Path):
    def tamper(files: dict[str, bytes]) -> None:
        html = files["report.html"]
        start = html.index(b'signoff-results-sha256" content="') + 33
        files["report.html"] = html[:start] + b"0" * 64 + html[start + 64 :]
        _resum(files)

    result = _run("verify-pack", str(_rewrite(pack, tmp_path / "t.zip", tamper)))
    assert result.exit_code == 5
    assert "report.html: was not rendered from this results.json" in result.output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.update({"extra.txt": b"hi"}), "extra.txt: in the pack but not listed"),
        (lambda f: f.pop("summary.md"), "summary.md: listed in SHA256SUMS but missing"),
        (lambda f: f.pop(SUMS), "SHA256SUMS: missing"),
        (lambda f: f.update({SUMS: b"nonsense\n"}), "SHA256SUMS:1: not a `<sha256>  <file>` line"),
    ],
    ids=["extra", "missing", "no-sums", "bad-sums"],
)
def test_structural_tampering_fails(pack: Path, tmp_path: Path, change, message: str):
    result = _run("verify-pack", str(_rewrite(pack, tmp_path / "t.zip", change)))
    assert result.exit_code == 5
    assert message in result.output


def test_a_swapped_policy_file_fails(pack: Path, tmp_path: Path):
    def tamper(files: dict[str, bytes]) -> None:
        files["inputs/policy.yaml"] += b"# loosened\n"
        _resum(files)

    result = _run("verify-pack", str(_rewrite(pack, tmp_path / "t.zip", tamper)))
    assert result.exit_code == 5
    assert (
        "inputs/policy.yaml: is not a config or policy file the manifest records" in result.output
    )


def test_not_a_zip_is_exit_5_and_no_file_is_exit_3(tmp_path: Path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip")
    assert _run("verify-pack", str(junk)).exit_code == 5
    result = _run("verify-pack", str(tmp_path / "none.zip"))
    assert result.exit_code == 3
    assert "none.zip: no such file" in result.output


def test_pack_refuses_a_config_changed_since_the_audit(project: Path, tmp_path: Path):
    copy = tmp_path / "demo"
    shutil.copytree(project, copy)
    with (copy / "audit.yaml").open("a") as handle:
        handle.write("# edited after the audit\n")
    result = _run("pack", "out", "-o", "e.zip", cwd=copy)
    assert result.exit_code == 5
    assert "audit.yaml: has changed since the audit" in result.output


def test_pack_names_a_missing_config_and_takes_it_from_the_option(project: Path, tmp_path: Path):
    shutil.copytree(project / "out", tmp_path / "elsewhere" / "out")
    result = _run("pack", "out", "-o", "e.zip", cwd=tmp_path / "elsewhere")
    assert result.exit_code == 3
    assert "the audit config 'audit.yaml' the manifest names was not found" in result.output
    assert "pass it with --config PATH" in result.output
    result = _run(
        "pack", "out", "-o", "e.zip", "--config", str(project / "audit.yaml"),
        "--policy", str(project / "policy.yaml"), "--json", cwd=tmp_path / "elsewhere",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert '"inputs/audit.yaml"' in result.output


def test_zip_timestamps_are_clamped_to_what_zip_can_hold():
    from datetime import UTC, datetime

    data = zip_bytes({"a.txt": b"a"}, datetime(1970, 1, 1, tzinfo=UTC))
    assert data == zip_bytes({"a.txt": b"a"}, datetime(1975, 6, 1, tzinfo=UTC))
