"""The portfolio dashboard and the version page, on SQLite and PostgreSQL: what they show
is the core's (the portfolio view, the stored report, the manifest's hashes, the audits'
metrics read back from results.json), and user content is escaped or sandboxed."""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import re
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from server_helpers import login, settings
from signoff.registry import VersionRef

HOSTILE_REPORT = b"<html><body><script>parent.document.title='pwned'</script>report</body></html>"


@pytest.fixture
def app(world: Any):
    from signoff.server import create_app

    world.deployed("1.0")
    world.clock.advance(days=2)
    world.deployed("2.0")
    world.version("3.0", model="bad", waive=False)  # a candidate that audits worse
    return create_app(world.api, settings())


@pytest.fixture
def auditor(app: Any, world: Any) -> Any:
    return login(app, world.api, "erin")


def _text(page: str) -> str:
    """The page's text, tags dropped and entities decoded (what a reader sees)."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_the_portfolio_dashboard(auditor, world):
    page = auditor.get("/portfolio", headers={"Accept": "text/html"})
    assert page.status_code == 200
    view = world.api.portfolio.view().to_dict()
    (row,) = view["models"]
    text = _text(page.text)
    for status, count in view["counts"].items():
        label = {"attention": "need attention"}.get(status, status)
        assert f"{count} {label}" in text
    assert '<a href="/models/fraud">fraud</a>' in page.text
    assert f'<a href="/models/fraud/versions/{row["production"]}">' in page.text
    assert row["reason"] in text
    for chart in ("status", "teams", "pass-rate", "velocity"):  # the report's own charts
        assert f'id="chart-{chart}"' in page.text
    assert f"tree size {view['ledger']['size']}" in text

    day_one = (world.clock() - dt.timedelta(days=2)).date().isoformat()
    then = auditor.get("/portfolio", params={"at": day_one})
    past = world.api.portfolio.view(at=day_one).to_dict()["models"][0]
    assert f'<a href="/models/fraud/versions/{past["production"]}">' in then.text
    assert past["production"] == "1.0"
    assert f'value="{day_one}"' in then.text  # the form keeps the filter

    bad = auditor.get("/portfolio", params={"team": "<nobody>"})
    assert bad.status_code == 400
    assert "unknown team &#39;&lt;nobody&gt;&#39;" in bad.text  # said above the form, escaped
    assert 'name="team"' in bad.text


def test_the_version_page_embeds_the_report_in_a_sandbox(auditor, world):
    ref = VersionRef("fraud", "3.0")
    page = auditor.get("/models/fraud/versions/3.0")
    assert page.status_code == 200
    assert "frame-src 'self'" in page.headers["content-security-policy"]
    assert '<iframe class="embed" sandbox src="/models/fraud/versions/3.0/report"' in page.text

    report = auditor.get("/models/fraud/versions/3.0/report")
    assert report.headers["content-security-policy"].startswith("sandbox;")
    assert report.headers["x-frame-options"] == "SAMEORIGIN"
    from signoff.report import render_report

    (audit,) = world.r.list_audits(ref)
    results = json.loads(world.api.core.artifacts.get(audit.results_sha256))
    manifest = json.loads(world.api.core.artifacts.get(audit.manifest_sha256))
    assert report.content == render_report(results, manifest, formats=("html",))["report.html"]

    card = auditor.get("/models/fraud/versions/3.0/card")  # the attached model_card.md
    assert card.text == "model_card 3.0"
    assert card.headers["content-type"].startswith("text/plain")
    assert '<pre class="card">model_card 3.0</pre>' in page.text  # text: in the page, escaped


def test_a_stored_report_is_served_as_stored_and_cannot_script(auditor, world, app):
    from fastapi.testclient import TestClient

    from server_helpers import bearer

    writer = TestClient(app, headers=bearer(world.api, "alice", "write"))
    world.r.add_version(
        VersionRef("fraud", "4.0"),
        framework="sklearn",
        model_file=world.audited["good.skops"],
        actor="alice",
    )
    files = {n: (world.audited["good"] / n).read_bytes() for n in ("results.json", "manifest.json")}
    results_hash = json.loads(files["manifest.json"])["results_sha256"]
    stored = HOSTILE_REPORT.replace(
        b"<body>",
        f'<head><meta name="signoff-results-sha256" content="{results_hash}"></head><body>'.encode(),
    )
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in {**files, "report.html": stored}.items():
            archive.writestr(name, data)
    attached = writer.post(
        "/api/models/fraud/versions/4.0/audits", files={"archive": ("a.zip", buffer.getvalue())}
    )
    assert attached.status_code == 201, attached.text
    report = auditor.get("/models/fraud/versions/4.0/report")
    assert report.content == stored  # the stored bytes, not a rendering
    csp = report.headers["content-security-policy"]
    assert csp.split(";")[0] == "sandbox"  # no allow-scripts, no allow-same-origin
    assert "default-src 'none'" in csp


def test_the_version_page_shows_lineage_artifacts_and_the_diff(auditor, world):
    world.r.add_artifact(
        VersionRef("fraud", "3.0"),
        "other",
        b"notes",
        filename="<script>alert(1)</script>.md",
        actor="alice",
    )
    page = auditor.get("/models/fraud/versions/3.0").text
    text = _text(page)
    (audit,) = world.r.list_audits(VersionRef("fraud", "3.0"))
    manifest = json.loads(world.api.core.artifacts.get(audit.manifest_sha256))
    assert manifest["inputs"]["data"]["sha256"] in text  # lineage from the manifest
    assert manifest["inputs"]["config"]["sha256"] in text
    version = world.r.get_version(VersionRef("fraud", "3.0"))
    assert version.model_sha256 in text
    assert (
        version.model_sha256 == hashlib.sha256(world.audited["bad.skops"].read_bytes()).hexdigest()
    )

    for artifact in world.r.list_artifacts(VersionRef("fraud", "3.0")):
        assert artifact.sha256 in text
        assert f"/api/models/fraud/versions/3.0/artifacts/{artifact.sha256}" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.md" in page

    mine = json.loads(world.api.core.artifacts.get(audit.results_sha256))["overall"]
    (prod,) = world.r.list_audits(VersionRef("fraud", "2.0"))
    theirs = json.loads(world.api.core.artifacts.get(prod.results_sha256))["overall"]
    a, b = mine["roc_auc"]["value"], theirs["roc_auc"]["value"]
    assert a < b  # the degraded model ranks worse
    assert f"roc_auc {a:.4f} {b:.4f} {a - b:+.4f} worse" in text  # ROC AUC: higher is better
    rows = json.loads(world.api.core.artifacts.get(audit.results_sha256))["rows"]
    assert f"row_count {rows} {rows} +0" in text  # counts print as integers
    # the production policy's gates, judged by the workflow: the error gate on ROC AUC
    # fails for the candidate and passes in production, with the values from results.json
    assert f"Discrimination (error) greater_equal 0.7 FAIL {a:.4f} PASS {b:.4f}" in text
    assert text.index("Discrimination") < text.index("Small groups")  # failed first
    assert "roc_auc" in text.split("Metrics", 1)[1]


def test_the_version_in_production_and_a_version_without_audit(auditor, world):
    page = _text(auditor.get("/models/fraud/versions/2.0").text)
    assert "This is the version in production." in page
    world.r.add_version(VersionRef("fraud", "5.0"), framework="sklearn", actor="alice")
    bare = auditor.get("/models/fraud/versions/5.0")
    assert "No audit attached yet." in _text(bare.text)
    assert auditor.get("/models/fraud/versions/5.0/report").status_code == 404
    assert auditor.get("/models/fraud/versions/5.0/card").status_code == 404


def test_a_sign_off_form_with_a_revision_in_other_digits_is_a_stale_page(app, world):
    """'²' is a digit to str.isdigit, not to int(): the form's revision is then no
    revision at all — refused as a stale page (412), never a 500."""
    from server_helpers import csrf

    cr = world.opened(world.version("6.0"))
    anna = login(app, world.api, "anna")
    form = {
        "csrf": csrf(anna),
        "role": "approver",
        "decision": "approve",
        "comment": "read the report and the model card carefully",
        "revision": "r²",
    }
    answer = anna.post(f"/crs/{cr}/sign", data=form, headers={"Accept": "text/html"})
    assert answer.status_code == 412, answer.text
    assert world.w.get_cr(cr).signoffs == ()


def test_a_crafted_audit_is_refused_at_upload_and_shown_without_a_500(
    auditor, world, app, tmp_path
):
    """Results and a manifest of the wrong shapes (bound to the version, hashes matching):
    the upload is refused as `signoff report` refuses them (422); attached anyway through
    the Python API, the page shows what it can and the report says it cannot be rendered
    (422, the CLI's message) — never a 500."""
    import io
    import zipfile

    from fastapi.testclient import TestClient

    from server_helpers import bearer
    from signoff._canonical import canonical_sha256

    ref = VersionRef("fraud", "7.0")
    world.r.add_version(
        ref, framework="sklearn", model_file=world.audited["good.skops"], actor="alice"
    )
    model = world.r.get_version(ref).model_sha256
    results = {"overall": 5, "gates": [1, {"name": {}}], "policy": "x", "by_attribute": 5}
    manifest = {
        "inputs": {"model": {"sha256": model}, "data": 5, "config": []},
        "git": [1],
        "seed": {"a": 1},
        "results_sha256": canonical_sha256(results),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("results.json", json.dumps(results))
        archive.writestr("manifest.json", json.dumps(manifest))
    writer = TestClient(app, headers=bearer(world.api, "alice", "write"))
    refused = writer.post(
        "/api/models/fraud/versions/7.0/audits", files={"archive": ("x.zip", buffer.getvalue())}
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["detail"].startswith(
        "x.zip: does not have the structure `signoff audit` writes"
    )
    assert world.r.list_audits(ref) == []

    folder = tmp_path / "crafted"
    folder.mkdir()
    (folder / "results.json").write_text(json.dumps(results))
    (folder / "manifest.json").write_text(json.dumps(manifest))
    world.r.attach_audit(ref, folder, actor="alice")  # the core takes any bound folder
    (audit,) = world.r.list_audits(ref)
    assert (audit.gates, audit.policy_name, audit.verdict) == ({}, None, None)
    page = auditor.get("/models/fraud/versions/7.0")
    assert page.status_code == 200, page.text
    assert model in _text(page.text)
    for path in ("report", "card"):
        shown = auditor.get(f"/models/fraud/versions/7.0/{path}", headers={"Accept": "text/html"})
        assert shown.status_code == 422, shown.text
        assert "does not have the structure `signoff audit` writes" in html.unescape(shown.text)
