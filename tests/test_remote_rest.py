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
    wide = {"COLUMNS": "200"}  # the paths never folded (their length is the temporary folder's)
    sent = cli("inventory", "export", "--format", "xlsx", "-o", str(there), env=remote | wide)
    made = cli("inventory", "export", "--format", "xlsx", "-o", str(here), env=local | wide)
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


def test_portfolio_report_remotely_is_the_local_report(world, cli, tmp_path: Path):  # noqa: F811
    import datetime as dt
    import html

    import httpx

    from server_helpers import bearer
    from signoff.ledger import (
        Checkpoint,
        generate_key,
        installation_origin,
        public_key_of,
        sign_checkpoint,
    )

    url, api, _ = world
    remote, local = _envs(url, api, tmp_path)
    period = dt.datetime.now(dt.UTC).strftime("%Y-%m")  # the registry was filled just now
    moment = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d)?(\+00:00|Z| UTC)?")
    private, _ = generate_key("cro")
    (tmp_path / "cro.key").write_text(private + "\n")
    for key in ((), ("--key", str(tmp_path / "cro.key"))):
        made = {}
        for name, env in (("there", remote), ("local", local)):
            out = tmp_path / name / f"exec{len(key)}.html"
            done = cli("portfolio", "report", "--period", period, "-o", str(out), *key, env=env)
            assert done.exit_code == 0, done.output
            # each is computed as of its own moment, the rest is the same report
            made[name] = (moment.sub("T", out.read_text()), done.stdout.replace(str(out), "F"))
        assert made["there"] == made["local"]
        assert ("(signed;" in made["there"][1]) == bool(key)
    # the note signed here is the report's checkpoint, signed with that key
    head = json.loads(cli("ledger", "verify", "--json", env=local).stdout)
    checkpoint = Checkpoint(
        origin=installation_origin(api.store),
        size=head["size"],
        root=bytes.fromhex(head["root_hash"]),
    )
    for line in sign_checkpoint(checkpoint, private).splitlines():
        assert html.escape(line, quote=False) in made["there"][0], line
    printed = made["there"][1]
    found = re.search(r"ledger tree size (\d+), root ([0-9a-f]{64})", printed)
    assert found is not None, printed
    assert found.group(2) in made["there"][0]  # the report cites the head it printed
    assert (
        int(found.group(1))
        == json.loads(cli("ledger", "verify", "--json", env=local).stdout)["size"]
    )
    # a note of another tree head, or one the key does not verify, is not cited
    stale = Checkpoint(origin=checkpoint.origin, size=checkpoint.size - 1, root=checkpoint.root)
    other, _ = generate_key("other")
    asked = {"period": period, "format": "html", "public_key": public_key_of(private)}
    with httpx.Client(base_url=url, headers=bearer(api, "audrey", "read"), timeout=60) as web:
        moved = web.get("/api/portfolio/report", params=asked | {
            "signed_note": sign_checkpoint(stale, private)})  # fmt: skip
        assert moved.status_code == 400, moved.text
        assert "the ledger moved meanwhile" in moved.json()["detail"]
        forged = web.get("/api/portfolio/report", params=asked | {
            "signed_note": sign_checkpoint(checkpoint, other)})  # fmt: skip
        assert forged.status_code == 409, forged.text
        assert "is not signed by" in forged.json()["detail"]
    pdf = tmp_path / "exec.pdf"
    done = cli("portfolio", "report", "--period", period, "-o", str(pdf), env=remote)
    assert done.exit_code == 0, done.output
    assert pdf.read_bytes().startswith(b"%PDF-")
    # the same refusal of a month that has not begun
    there = cli("portfolio", "report", "--period", "2999-01", "-o", str(pdf), env=remote)
    here = cli("portfolio", "report", "--period", "2999-01", "-o", str(pdf), env=local)
    assert there.exit_code == here.exit_code == 2, there.output
    assert moment.sub("T", there.stderr) == moment.sub("T", here.stderr)  # "(now: …)"
    assert "the period 2999-01 has not begun" in there.stderr
    assert not (tmp_path / "audrey" / "no-database").exists()


def _log(path: Path, *lines: dict | str) -> Path:
    path.write_text("".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines))
    return path


def test_portfolio_import_remotely_all_or_nothing_with_local_errors(world, cli, tmp_path: Path):  # noqa: F811
    import hashlib

    url, api, _ = world
    remote, local = _envs(url, api, tmp_path)
    login_through_browser(url, api, "admin", tmp_path / "admin")
    remote = _env(url, tmp_path / "admin")
    old = {"model_id": "fraud", "timestamp": "2026-01-05T10:00:00+00:00", "gates_passed": True,
           "team": "risk", "audit_file": "audits/fraud-2026-01.json"}  # fmt: skip
    new = {"model_id": "legacy-pd", "timestamp": "2026-02-01", "gates_passed": False,
           "team": "credit", "audit_file": "audits/legacy.json", "version": "3"}  # fmt: skip
    path = _log(tmp_path / "log.jsonl", old, "", new)
    size = api.ledger.verify().size
    done = cli("portfolio", "import", str(path), "--json", env=remote)
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)
    assert summary["file"] == str(path)
    assert summary["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert (summary["imported"], summary["registered_models"]) == (2, ["legacy-pd"])
    events = api.ledger.verify().size
    # fraud's record, then legacy-pd's team and registration, then its record
    assert (
        (summary["first_seq"], summary["last_seq"]) == (size + 1, size + 4) == (events - 3, events)
    )
    logged = [json.loads(x) for x in cli("log", "export", env=local).stdout.splitlines()]
    imported = [x for x in logged if x["imported"]]
    assert [(x["model_id"], x["gates_passed"]) for x in imported] == [
        ("fraud", True), ("legacy-pd", False)]  # fmt: skip
    # the table names each record and its line, as locally
    path2 = _log(tmp_path / "more.jsonl", old | {"timestamp": "2026-03-01"})
    # wide enough that the path is never folded (its length is the temporary folder's)
    shown = cli("portfolio", "import", str(path2), env=remote | {"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    row = next(x for x in shown.stdout.splitlines() if " fraud " in x)
    cells = [c.strip() for c in row.strip("│ ").split("│")]
    assert cells == ["3", "fraud", "—", "2026-03-01T00:00:00+00:00", "yes", "1"], row
    assert f"imported 1 record(s) from {path2}" in " ".join(shown.stdout.split())
    # all or nothing, and the same refusals as local mode: a record imported before
    again = _log(tmp_path / "again.jsonl", new | {"model_id": "newer"}, old)
    before = api.ledger.verify().size
    there = cli("portfolio", "import", str(again), env=remote)
    here = cli("portfolio", "import", str(again), env=local | {"SIGNOFF_USER": "admin"})
    assert (there.exit_code, there.stderr) == (here.exit_code, here.stderr)
    assert there.exit_code != 0
    assert f"{again}:2: this record was already imported" in there.stderr.replace("\n", "")
    assert api.ledger.verify().size == before
    assert "newer" not in [m.name for m in api.registry.list_models()]
    # a bad line and a missing file: the same errors, naming the file and line
    bad = _log(tmp_path / "bad.jsonl", new | {"model_id": "x"}, "{not json")
    for args in ((str(bad),), (str(tmp_path / "none.jsonl"),)):
        there = cli("portfolio", "import", *args, env=remote)
        here = cli("portfolio", "import", *args, env=local | {"SIGNOFF_USER": "admin"})
        assert there.exit_code == here.exit_code == 3, there.output
        assert there.stderr == here.stderr
        assert f"{args[0]}" in there.stderr.replace("\n", "")
    assert api.ledger.verify().size == before
    assert not (tmp_path / "admin" / "no-database").exists()
