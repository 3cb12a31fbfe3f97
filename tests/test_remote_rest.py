"""The last registry commands wired through the server, against a live `signoff serve`
over SQLite and PostgreSQL: `inventory export --format xlsx` and `docs annex-iv` give
what local mode gives — the same files, the same output, the same refusals."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from remote_cli import login_through_browser
from test_remote_mode import _env, world  # noqa: F401  (the live server over a registry)


def _envs(url: str, api, tmp_path: Path) -> tuple[dict[str, str], dict[str, str]]:
    login_through_browser(url, api, "audrey", tmp_path / "audrey")
    local = {
        "SIGNOFF_DATABASE_URL": api.store.engine.url.render_as_string(hide_password=False),
        "SIGNOFF_HOME": str(tmp_path),
        "SIGNOFF_ARTIFACT_ROOT": str(tmp_path / "artifacts"),
    }
    return _env(url, tmp_path / "audrey"), local


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_inventory_xlsx_remotely_is_the_local_workbook(world, cli, tmp_path: Path):  # noqa: F811
    import openpyxl

    url, api, _ = world
    remote, local = _envs(url, api, tmp_path)
    there, here = tmp_path / "there.xlsx", tmp_path / "here.xlsx"
    sent = cli("inventory", "export", "--format", "xlsx", "-o", str(there), env=remote)
    made = cli("inventory", "export", "--format", "xlsx", "-o", str(here), env=local)
    assert sent.exit_code == made.exit_code == 0, sent.output
    assert sent.stderr.replace(str(there), "F") == made.stderr.replace(str(here), "F")
    assert f"wrote {len(api.registry.list_models())} model(s)" in sent.stderr
    # the same workbook; only its creation stamp is each export's own moment
    theirs, ours = _members(there), _members(here)
    assert list(theirs) == list(ours)
    stamp = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    for name in ours:
        if name == "docProps/core.xml":
            assert stamp.sub(b"T", theirs[name]) == stamp.sub(b"T", ours[name])
        else:
            assert theirs[name] == ours[name], name
    # independently: the workbook's cells are the csv export's
    rows = list(csv.reader(io.StringIO(cli("inventory", "export", env=local).stdout)))
    book = openpyxl.load_workbook(there, read_only=True)
    cells = [["" if c is None else str(c) for c in r] for r in book["inventory"].iter_rows(
        values_only=True)]  # fmt: skip
    book.close()
    assert cells == rows
    assert not (tmp_path / "audrey" / "no-database").exists()


def test_annex_iv_remotely_writes_what_local_mode_writes(world, cli, tmp_path: Path):  # noqa: F811
    url, api, _ = world
    remote, local = _envs(url, api, tmp_path)
    outputs = {}
    for name, env in (("there", remote), ("local", local)):  # equal lengths: equal wrapping
        zipped = tmp_path / f"{name}.zip"
        done = cli("docs", "annex-iv", "fraud@1.0", "-o", str(zipped), "--json", env=env)
        assert done.exit_code == 0, done.output
        folder = tmp_path / name
        shown = cli("docs", "annex-iv", "fraud@1.0", "-o", str(folder), env=env)
        assert shown.exit_code == 0, shown.output
        written = {
            p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }
        summary = json.loads(done.stdout)
        assert summary.pop("output") == str(zipped)
        outputs[name] = (
            zipped.read_bytes(),
            written,
            summary,
            shown.stdout.replace(str(folder), "F"),
        )
    assert outputs["there"] == outputs["local"]
    _, written, summary, _ = outputs["there"]
    assert _members(tmp_path / "there.zip") == written  # the folder holds the zip's files
    proofs = [n for n in written if n.startswith("proofs/")]
    assert summary["cited_events"] == len(proofs) > 0
    assert summary["files"] == sorted(written)
    doc = json.loads(written["annex-iv.json"])
    assert summary["claims"] == sum(len(s["claims"]) for s in doc["sections"])
    (tmp_path / "proof.json").write_bytes(written[proofs[0]])  # each proof checks offline
    checked = cli("ledger", "check-proof", str(tmp_path / "proof.json"), "--unauthenticated")
    assert checked.exit_code == 0, checked.output
    # the same refusals: a folder that is not empty, a version that does not exist
    for args in (
        ("fraud@1.0", "-o", str(tmp_path / "there")),
        ("fraud@9.9", "-o", str(tmp_path / "x.zip")),
    ):
        there = cli("docs", "annex-iv", *args, env=remote)
        here = cli("docs", "annex-iv", *args, env=local)
        assert there.exit_code == here.exit_code == 2, (args, there.output)
        assert there.stderr == here.stderr
    assert not (tmp_path / "x.zip").exists()
    assert not (tmp_path / "audrey" / "no-database").exists()
