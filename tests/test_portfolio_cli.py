"""``signoff portfolio`` on the command line: the same figures as the Python API, bad input
named, and the executive report read back from the PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

import test_portfolio
from signoff.ledger import generate_key, ledger_prefix, parse_checkpoint
from signoff.ledger._aside import ASIDE_ENV

world = test_portfolio.world  # the seeded portfolio

END = "2026-06-30T23:59:59Z"


@pytest.fixture
def run(cli: Any, database_url: str, tmp_path: Path, world: Any, clock: Any) -> Any:
    clock.advance(days=10)  # the API's clock past the end of June too (the CLI's is the wall clock)
    env = {
        "SIGNOFF_DATABASE_URL": database_url,
        "SIGNOFF_ARTIFACT_ROOT": str(tmp_path / "artifacts"),
        "SOURCE_DATE_EPOCH": "1782864000",
    }

    def invoke(*args: str) -> Any:
        return cli("portfolio", *args, env=env)

    return invoke


def test_cli_lists_what_the_api_computes(api: Any, world: Any, run: Any) -> None:
    as_json = run("--at", END, "--json")
    assert as_json.exit_code == 0, as_json.output
    document = json.loads(as_json.stdout)
    assert document == api.portfolio.view(at=END).to_dict()
    assert (
        document["ledger"]["size"]
        == ledger_prefix(
            api.store, until=dt.datetime(2026, 6, 30, 23, 59, 59, tzinfo=dt.UTC), events=False
        ).size
    )
    table = run("--at", END)
    assert table.exit_code == 0, table.output
    assert (
        f"ledger tree size {document['ledger']['size']}, root {document['ledger']['root_hash']}"
        in table.stdout
    )
    for row in document["models"]:
        assert row["model"] in table.stdout
    as_csv = run("--at", END, "--csv", "--team", "fraud")
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    want = [r for r in document["models"] if r["team"] == "fraud"]
    assert [(r["model"], r["status"], r["reason"]) for r in rows] == [
        (r["model"], r["status"], r["reason"]) for r in want
    ]
    blocked = json.loads(run("--at", END, "--status", "blocked", "--json").stdout)
    assert {r["model"] for r in blocked["models"]} == {
        r["model"] for r in document["models"] if r["status"] == "blocked"
    }
    trends = run("trends", "--json", "--by", "risk")
    assert trends.exit_code == 0, trends.output
    assert {g["key"] for g in json.loads(trends.stdout)["groups"]} <= {"high", "medium", "low"}
    shown = run("trends")
    assert shown.exit_code == 0, shown.output
    assert "change-failure rate: 1 of" in shown.stdout


def test_an_empty_list_says_what_it_means(cli: Any, database_url: str, tmp_path: Path) -> None:
    env = {"SIGNOFF_DATABASE_URL": database_url, "SIGNOFF_ARTIFACT_ROOT": str(tmp_path / "a")}
    empty = cli("portfolio", env=env)
    assert empty.exit_code == 0, empty.output
    assert "no model is registered yet: `signoff model register NAME" in empty.stdout
    assert "production" not in empty.stdout  # no table of no rows
    assert "ledger tree size 0" in empty.stdout
    trends = cli("portfolio", "trends", env=env)
    assert trends.exit_code == 0, trends.output
    assert "┃" not in trends.stdout  # no table of no rows
    for nothing in (
        "no audit, approval or deploy to show by month",
        "no gate has failed",
        "no change request approved or deployed",
        "audits per month: none",
    ):
        assert nothing in trends.stdout


def test_a_filter_that_matches_nothing_says_so(run: Any) -> None:
    rows = json.loads(run("--at", END, "--json").stdout)["models"]
    team, status = next(
        (t, s)
        for t in sorted({r["team"] for r in rows})
        for s in ("compliant", "attention", "blocked")
        if not any(r["team"] == t and r["status"] == s for r in rows)
    )
    none = run("--at", END, "--team", team, "--status", status)
    assert none.exit_code == 0, none.output
    assert f"no model matches team {team} and status {status} as of {END}" in none.stdout
    assert "production" not in none.stdout


@pytest.mark.parametrize("columns", [80, 120])
def test_the_table_cuts_nothing_at_80_or_120_columns(
    cli: Any, database_url: str, tmp_path: Path, world: Any, clock: Any, columns: int
) -> None:
    """Every model, status and reason whole — folded onto further lines, never cut with
    "…": three columns below 110 (team and risk under the name; versions and review date
    under the status), every field its own column above."""
    env = {
        "SIGNOFF_DATABASE_URL": database_url,
        "SIGNOFF_ARTIFACT_ROOT": str(tmp_path / "artifacts"),
        "COLUMNS": str(columns),
    }
    document = json.loads(cli("portfolio", "--at", END, "--json", env=env).stdout)
    shown = cli("portfolio", "--at", END, env=env)
    assert shown.exit_code == 0, shown.output
    lines = [line for line in shown.stdout.splitlines() if line[:1] in "┏┃┡│└"]
    assert max(len(line) for line in lines) <= columns  # the root hash's line is left whole
    assert "…" not in shown.stdout
    cells = [line.split("│")[1:-1] for line in lines if line.startswith("│")]
    assert len(cells[0]) == (3 if columns < 110 else 8)
    first = [c[0].strip() for c in cells if c[0].strip()]
    reasons = " ".join(" ".join(c[-1].split()) for c in cells)
    at = 0
    for row in document["models"]:
        assert row["model"] in first
        found = reasons.find(" ".join(row["reason"].split()), at)
        assert found >= 0, row["reason"]  # whole, and in the rows' order
        at = found
        if columns < 110:  # team and risk under the name, versions and review date beside
            assert f"{row['team']} · {row['risk_tier']}" in first
    if columns < 110:
        status = [" ".join(c[1].split()) for c in cells]
        assert {f"review {r['next_review_due'] or '–'}" for r in document["models"]} <= set(status)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--team", "nope"), "unknown team 'nope'; teams: credit, fraud, marketing"),
        (
            ("--status", "red"),
            "unknown status 'red'; expected one of: compliant, attention, blocked",
        ),
        (("--at", "2025-12-01"), "is before the ledger began (2026-01-05T09:00:00Z)"),
        (("--at", "yesterday"), "expected a date or time like 2026-11-01"),
        (("--json", "--csv"), "--json and --csv are alternatives"),
        (
            ("trends", "--by", "colour"),
            "unknown grouping 'colour'; expected one of: month, team, risk",
        ),
        (("report", "--period", "2026-13", "-o", "x.pdf"), "expected a month like 2026-11"),
        (
            ("report", "--period", "2026-06", "-o", "x.docx"),
            "the report is written as .pdf or .html",
        ),
    ],
)
def test_bad_input_is_named_with_exit_2(
    api: Any, world: Any, run: Any, args: tuple[str, ...], message: str
) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--status", "red"), "unknown status 'red'"),
        (("trends", "--by", "colour"), "unknown grouping 'colour'"),
    ],
)
def test_a_mistyped_value_is_named_before_the_registry_is_looked_for(
    cli: Any, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    """No registry yet, and a typo: the typo is what the person needs to hear about."""
    database = tmp_path / "none.db"
    result = cli("portfolio", *args, env={"SIGNOFF_DATABASE_URL": f"sqlite:///{database}"})
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "no registry" not in result.output
    assert not database.exists()


def _tamper(api: Any, statement: str) -> None:
    """Edit the ledger as an attacker with database access would: around the triggers."""
    with api.store.engine.begin() as conn:
        if api.store.dialect == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS ledger_events_no_update")
        else:
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.exec_driver_sql(statement)


@pytest.mark.parametrize("aside", ["0", "1"])
@pytest.mark.parametrize(
    ("action", "edit"),
    [
        ("monitor.window", "payload || ' '"),
        ("audit.attached", "payload || ' '"),
        ("cr.signed", "payload || ' '"),
        ("cr.signed", "'{\"broken'"),  # no longer JSON: what parses it fails first
    ],
)
def test_an_edited_event_fails_at_and_the_report_with_the_ledger_error(
    api: Any,
    world: Any,
    run: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    action: str,
    edit: str,
    aside: str,
) -> None:
    """``--at`` and the report rest on the ledger alone: an event edited in the database
    (here the first of one action, whose payload is read from its text or parsed) is found
    before anything is computed, exit 5, whether it falls in the period or not — with the
    leaves checked in the command's process or by a child process beside it."""
    monkeypatch.setenv(ASIDE_ENV, aside)
    with api.store.engine.connect() as conn:
        seq = conn.exec_driver_sql(
            f"SELECT min(seq) FROM ledger_events WHERE action = '{action}'"
        ).scalar_one()
    assert run("--at", END, "--json").exit_code == 0
    _tamper(api, f"UPDATE ledger_events SET payload = {edit} WHERE seq = {seq}")
    edited = f"seq {seq}: the stored event does not match its leaf hash"
    for args in (
        ("--at", END, "--json"),
        ("--at", "2026-01-05T09:00:00Z"),  # a prefix that ends before the edited event
        ("report", "--period", "2026-06", "-o", str(tmp_path / "exec.pdf")),
    ):
        result = run(*args)
        assert result.exit_code == 5, (args, result.output)
        assert edited in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "exec.pdf").exists()
    assert run("--json").exit_code == 0  # the live tables are not the ledger


def test_the_check_beside_the_command_changes_no_figure(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--at`` and the report with the leaves checked by a child process print what they
    print with the check in the command's own process, to the byte."""
    out = {}
    for aside in ("0", "1"):
        monkeypatch.setenv(ASIDE_ENV, aside)
        at = run("--at", END, "--json")
        report = run("report", "--period", "2026-06", "-o", str(tmp_path / f"{aside}.html"))
        assert at.exit_code == report.exit_code == 0, (at.output, report.output)
        out[aside] = (at.output, (tmp_path / f"{aside}.html").read_bytes())
    assert out["0"] == out["1"]
    assert json.loads(out["1"][0])["ledger"]["size"] > 0


def _pdf_text(path: Path) -> tuple[str, PdfReader]:
    reader = PdfReader(path)
    return "\n".join(page.extract_text() for page in reader.pages), reader


def test_the_executive_report_prints_the_figures_of_json(
    api: Any, world: Any, run: Any, tmp_path: Path
) -> None:
    private, public = generate_key("cro")
    key = tmp_path / "cro.key"
    key.write_text(private)
    made = run("report", "--period", "2026-06", "-o", str(tmp_path / "exec.pdf"), "--key", str(key))
    assert made.exit_code == 0, made.output
    text, reader = _pdf_text(tmp_path / "exec.pdf")
    flat = re.sub(r"\s+", " ", text)
    document = json.loads(run("--at", END, "--json").stdout)
    counts, total = document["counts"], len(document["models"])
    in_production = sum(1 for r in document["models"] if r["production"])
    tight = re.sub(r"\s+", "", text).upper()  # the summary cards: figure and label run together
    assert f"{total}MODELS" in tight
    assert f"{in_production}INPRODUCTION" in tight
    for status, label in (
        ("compliant", "COMPLIANT"),
        ("attention", "NEEDATTENTION"),
        ("blocked", "BLOCKED"),
    ):
        assert f"{counts[status]}{label}·{100 * counts[status] / total:.0f}%" in tight
    for row in document["models"]:
        cells = [
            row["model"],
            row["team"],
            row["risk_tier"],
            row["production"] or "–",
            row["staging"] or "–",
            row["status"],
            row["next_review_due"] or "–",
            row["owner"],
        ]
        assert " ".join(cells) in flat, row["model"]
        if row["status"] != "compliant":
            assert row["findings"][0]["text"][:40] in flat
    ledger = document["ledger"]
    assert f"tree size {ledger['size']}" in flat
    assert ledger["root_hash"] in flat.replace(" ", "")
    trends = api.portfolio.trends(at=END, since="2026-01-01")
    change = trends["change_failure"]
    assert f"{change['rolled_back']} of {change['deploys']} production deploys rolled back" in flat
    cover = trends["monitoring_coverage"]
    assert (
        f"{cover['monitored_24h']} of {cover['production_models']} production models monitored"
        in flat
    )
    # the signed checkpoint in the PDF verifies with the signer's public key
    lines = text[text.rindex("signoff.ledger/") :].splitlines()
    signature = next(line for line in lines if line.startswith("— cro "))
    # the blank line is layout (lost in extraction), and a page break may fall inside the note
    note = "\n".join(lines[:3]) + "\n\n" + signature + "\n"
    checkpoint = parse_checkpoint(note, public)
    assert (checkpoint.size, checkpoint.root.hex()) == (ledger["size"], ledger["root_hash"])
    # charts are vectors: no page carries a raster image
    assert all(len(page.images) == 0 for page in reader.pages)
    # the same ledger and SOURCE_DATE_EPOCH give the same bytes
    again = run(
        "report", "--period", "2026-06", "-o", str(tmp_path / "again.pdf"), "--key", str(key)
    )
    assert again.exit_code == 0, again.output
    assert (tmp_path / "again.pdf").read_bytes() == (tmp_path / "exec.pdf").read_bytes()
    html = run("report", "--period", "2026-06", "-o", str(tmp_path / "exec.html"))
    assert html.exit_code == 0, html.output
    page = (tmp_path / "exec.html").read_text()
    assert page.count("<svg") >= 5
    assert "Not signed" in page


def test_report_ignores_a_source_date_epoch_in_other_digits(
    cli: Any, database_url: str, tmp_path: Path, world: Any
) -> None:
    """``SOURCE_DATE_EPOCH=²`` is not a time: the report dates itself as without one (was a
    ValueError from ``int('²')``, exit 70)."""
    env = {
        "SIGNOFF_DATABASE_URL": database_url,
        "SIGNOFF_ARTIFACT_ROOT": str(tmp_path / "artifacts"),
        "SOURCE_DATE_EPOCH": "²",
    }
    out = tmp_path / "exec.html"
    result = cli("portfolio", "report", "--period", "2026-06", "-o", str(out), env=env)
    assert result.exit_code == 0, result.output
    assert "<svg" in out.read_text()
