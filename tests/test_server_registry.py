"""The inventory over HTTP on SQLite and PostgreSQL: register a model, add a version with
its files, attach artifacts and audits (archives read as hostile input), download them —
each answer cross-checked against the core and independent hashes."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from server_helpers import LOCAL, bearer, settings
from signoff.errors import DataError
from signoff.registry import VersionRef


@pytest.fixture
def app(world: Any):
    from signoff.server import create_app

    return create_app(world.api, settings())


def _client(app: Any, headers: dict[str, str]) -> Any:
    from fastapi.testclient import TestClient

    return TestClient(app, client=LOCAL, headers=headers)


def _plain(value: Any) -> Any:
    from signoff.server._present import plain

    return json.loads(json.dumps(plain(value)))


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _zip(entries: dict[str, bytes], folders: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder in folders:
            archive.writestr(folder, b"")
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _tar(entries: dict[str, bytes], *, link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        folder = tarfile.TarInfo("./")
        folder.type = tarfile.DIRTYPE
        archive.addfile(folder)
        for name, data in entries.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        if link is not None:
            info = tarfile.TarInfo(link)
            info.type = tarfile.SYMTYPE
            info.linkname = "/etc/passwd"
            archive.addfile(info)
    return buffer.getvalue()


def _audit_files(folder: Path) -> dict[str, bytes]:
    return {n: (folder / n).read_bytes() for n in ("results.json", "manifest.json")}


def test_register_a_model_and_add_a_version_with_its_files(app, world):
    writer = _client(app, bearer(world.api, "alice", "write"))
    answer = writer.post(
        "/api/models",
        json={
            "name": "credit",
            "owner": "alice",
            "team": "lending",
            "use_case": "consumer credit",
            "risk_tier": "high",
        },
    )
    assert answer.status_code == 201, answer.text
    assert answer.headers["location"] == "/api/models/credit"
    assert answer.json() == {**_plain(world.r.get_model("credit")), "id": "credit"}

    model = world.audited["good.skops"].read_bytes()
    card, data = b"# Credit model card\n", b"age,income\n30,1000\n"
    added = writer.post(
        "/api/models/credit/versions",
        data={
            "version": "1.0",
            "framework": "sklearn",
            "objective": "binary",
            "hyperparameters": '{"max_depth": 6}',
            "code_commit": "abc123",
        },
        files={
            "file": ("model.skops", model),
            "training_data": ("train.csv", data),
            "model_card": ("card.md", card),
        },
    )
    assert added.status_code == 201, added.text
    body = added.json()
    stored = world.r.get_version(VersionRef("credit", "1.0"))
    assert body["model_sha256"] == _sha(model) == stored.model_sha256  # hashed as the CLI does
    assert body["training_data_sha256"] == _sha(data)
    assert body["training_data_source"] == "train.csv"  # not the server's temporary path
    assert body["hyperparameters"] == {"max_depth": 6}
    assert body["id"] == "credit@1.0"
    (artifact,) = body["artifacts"]
    assert (artifact["kind"], artifact["sha256"], artifact["size"]) == (
        "model_card",
        _sha(card),
        len(card),
    )

    other = writer.post(
        "/api/models/credit/versions/1.0/artifacts",
        data={"kind": "rollback_plan"},
        files={"file": ("rollback.md", b"roll back to 0.9")},
    )
    assert other.status_code == 201, other.text
    assert other.json()["id"] == _sha(b"roll back to 0.9")
    kinds = [a.kind for a in world.r.list_artifacts(VersionRef("credit", "1.0"))]
    assert kinds == ["model_card", "rollback_plan"]

    reader = _client(app, bearer(world.api, "erin", "read"))
    got = reader.get(f"/api/models/credit/versions/1.0/artifacts/{_sha(card)}")
    assert got.status_code == 200
    assert got.content == card
    assert got.headers["content-disposition"] == 'attachment; filename="card.md"'
    assert reader.get(f"/api/models/credit/versions/1.0/artifacts/{'0' * 64}").status_code == 404


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("model card é.md", "model card é.md"),  # spaces and accents, as a local `artifact add`
        ("C:\\Users\\me\\card v2.md", "card v2.md"),  # a browser on Windows sends the path
        ("../../etc/passwd", "passwd"),
        ("..", "other.bin"),
        ("-rf", "other.bin"),
        ("card\u202egpj.md", "other.bin"),  # a right-to-left override spoofs the extension
        ("x" * 256, "other.bin"),
    ],
)
def test_an_uploaded_file_keeps_its_own_name_when_safe(app, world, sent, kept):
    writer = _client(app, bearer(world.api, "alice", "write"))
    model = world.audited["good.skops"].read_bytes()
    made = writer.post(
        "/api/models",
        json={
            "name": "credit",
            "owner": "alice",
            "team": "risk",
            "use_case": "credit",
            "risk_tier": "low",
        },
    )
    assert made.status_code == 201, made.text
    made = writer.post(
        "/api/models/credit/versions",
        data={"version": "1.0", "framework": "sklearn"},
        files={"file": ("model.skops", model)},
    )
    assert made.status_code == 201, made.text
    data = b"the file " + sent.encode()
    added = writer.post(
        "/api/models/credit/versions/1.0/artifacts",
        data={"kind": "other"},
        files={"file": (sent, data)},
    )
    assert added.status_code == 201, added.text
    (found,) = world.r.list_artifacts(VersionRef("credit", "1.0"))
    assert found.filename == kept
    got = _client(app, bearer(world.api, "erin", "read")).get(
        f"/api/models/credit/versions/1.0/artifacts/{_sha(data)}"
    )
    disposition = got.headers["content-disposition"]
    assert got.content == data
    if kept.isascii() and " " not in kept:
        assert disposition == f'attachment; filename="{kept}"'
    else:  # an ASCII stand-in, and the name itself in RFC 8187 form
        fallback, encoded = disposition.split("; filename*=UTF-8''")
        assert fallback.startswith('attachment; filename="')
        assert fallback.isascii()
        assert urllib.parse.unquote(encoded) == kept


def test_bad_version_input_is_named_never_a_traceback(app, world):
    writer = _client(app, bearer(world.api, "alice", "write"))
    bad = writer.post(
        "/api/models/fraud/versions",
        data={"version": "9.0", "framework": "sklearn", "hyperparameters": "[1, 2]"},
    )
    assert bad.status_code == 400
    assert bad.json()["detail"].startswith("hyperparameters: expected a JSON object")
    taken = writer.post("/api/models/fraud/versions", data={"version": "9.0", "framework": "x"})
    assert taken.status_code == 201
    again = writer.post("/api/models/fraud/versions", data={"version": "9.0", "framework": "x"})
    assert again.status_code == 409


@pytest.mark.parametrize("shape", ["zip-folder", "tar.gz", "pack"])
def test_attach_an_audit_from_an_archive(app, world, shape, tmp_path):
    world.r.add_version(
        VersionRef("fraud", "3.0"),
        framework="sklearn",
        model_file=world.audited["good.skops"],
        actor="alice",
    )
    files = _audit_files(world.audited["good"])
    if shape == "zip-folder":  # as `zip -r audit.zip signoff-audit` makes it
        archive = _zip({f"signoff-audit/{n}": d for n, d in files.items()}, ("signoff-audit/",))
        name = "audit.zip"
    elif shape == "tar.gz":  # as `tar czf audit.tgz -C signoff-audit .` makes it
        archive, name = _tar({f"./{n}": d for n, d in files.items()}), "audit.tgz"
    else:
        from signoff.pack import build_pack

        project = world.audited["root"] / "project"
        policies = tuple(sorted(project.glob("*polic*.yaml")))
        archive, _ = build_pack(
            world.audited["good"], config=project / "audit.yaml", policies=policies
        )
        name = "evidence.zip"
    writer = _client(app, bearer(world.api, "alice", "write"))
    answer = writer.post(
        "/api/models/fraud/versions/3.0/audits", files={"archive": (name, archive)}
    )
    assert answer.status_code == 201, answer.text
    (record,) = world.r.list_audits(VersionRef("fraud", "3.0"))
    assert answer.json() == {**_plain(record), "id": record.id}
    assert record.results_sha256 == _sha(files["results.json"])
    assert record.manifest_sha256 == _sha(files["manifest.json"])


def test_reports_ride_along_only_when_rendered_from_the_results(app, world, tmp_path):
    from signoff.report import render_report

    world.r.add_version(
        VersionRef("fraud", "3.0"),
        framework="sklearn",
        model_file=world.audited["good.skops"],
        actor="alice",
    )
    good, bad = _audit_files(world.audited["good"]), _audit_files(world.audited["bad"])

    def report_of(files: dict[str, bytes]) -> bytes:
        results, manifest = (json.loads(files[n]) for n in ("results.json", "manifest.json"))
        return render_report(results, manifest, formats=("html",))["report.html"]

    writer = _client(app, bearer(world.api, "alice", "write"))
    for report, kept in ((report_of(good), True), (report_of(bad), False)):
        archive = _zip({**good, "report.html": report})
        answer = writer.post(
            "/api/models/fraud/versions/3.0/audits", files={"archive": ("a.zip", archive)}
        )
        assert answer.status_code == 201, answer.text
        audit = world.r.list_audits(VersionRef("fraud", "3.0"))[-1]
        names = {a.filename: a.sha256 for a in world.r.list_artifacts(VersionRef("fraud", "3.0"))}
        assert ("report.html" in names and names["report.html"] == _sha(report)) is kept, audit


HOSTILE = {
    "parent": (lambda f: _zip({"../results.json": f["results.json"]}), "../results.json"),
    "absolute": (lambda f: _zip({"/tmp/results.json": f["results.json"]}), "/tmp/results.json"),
    "symlink": (lambda f: _tar(f, link="manifest.json"), "manifest.json"),
    "not an archive": (lambda f: b"just some bytes", "hostile.bin"),
    "no audit": (lambda f: _zip({"readme.txt": b"hello"}), "hostile.bin"),
    "two audits": (lambda f: _zip({f"a/{n}": d for n, d in f.items()} | f), "hostile.bin"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_archive_is_refused_naming_the_entry(app, world, case, tmp_path):
    world.r.add_version(
        VersionRef("fraud", "3.0"),
        framework="sklearn",
        model_file=world.audited["good.skops"],
        actor="alice",
    )
    make, named = HOSTILE[case]
    writer = _client(app, bearer(world.api, "alice", "write"))
    archive = make(_audit_files(world.audited["good"]))
    answer = writer.post(
        "/api/models/fraud/versions/3.0/audits", files={"archive": ("hostile.bin", archive)}
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"].startswith(f"{named}: ")
    assert world.r.list_audits(VersionRef("fraud", "3.0")) == []
    assert not list(tmp_path.rglob("passwd"))


def test_an_audit_of_another_model_is_refused_with_the_core_message(app, world, tmp_path):
    ref = VersionRef("fraud", "3.0")
    world.r.add_version(
        ref, framework="sklearn", model_file=world.audited["good.skops"], actor="alice"
    )
    with pytest.raises(DataError) as raised:
        world.r.attach_audit(ref, world.audited["bad"], actor="alice")
    writer = _client(app, bearer(world.api, "alice", "write"))
    archive = _zip(_audit_files(world.audited["bad"]))
    answer = writer.post(
        "/api/models/fraud/versions/3.0/audits", files={"archive": ("bad.zip", archive)}
    )
    assert answer.status_code == 422
    assert answer.json()["detail"].split(": ", 1)[1] == raised.value.message
