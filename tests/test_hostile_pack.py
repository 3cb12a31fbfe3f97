"""Crafted evidence packs: unsafe names, zip bombs in bounded memory, and ledger anchoring."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import tracemalloc
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from signoff.cli import app
from signoff.pack import LEDGER_PROOF, MAX_ENTRIES, MAX_RATIO, MAX_TOTAL_BYTES, SUMS
from signoff.pack._anchor import FILE_NOT_THE_EVENTS, NOT_ATTACH_EVENT
from signoff.pack._verify import NO_LEDGER_PROOF, NOT_A_PACK_FILE
from signoff.pack._zipread import (
    BOMB,
    NAME_ABSOLUTE,
    NAME_BACKSLASH,
    NAME_NOT_NORMALISED,
    NAME_PARENT,
    NAME_TWICE,
    NOT_REGULAR,
    SYMLINK,
    TOO_LARGE,
    TOO_MANY_ENTRIES,
)

ENV = {"SOURCE_DATE_EPOCH": "1767225600", "SIGNOFF_USER": "alice", "SIGNOFF_DATABASE_URL": ""}


def _run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    before = Path.cwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        return CliRunner().invoke(app, list(args), env={**ENV, **(env or {})})
    finally:
        os.chdir(before)


@pytest.fixture(scope="module")
def anchored(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A registered, audited demo; a checkpoint; the proof of its audit.attached event."""
    root = tmp_path_factory.mktemp("anchored")
    demo = root / "demo"
    shutil.copytree(demo_template, demo)
    env = {"SIGNOFF_HOME": str(root / "home")}
    steps = [
        ["user", "add", "alice", "--email", "alice@example.org", "--role", "requester"],
        [
            "model",
            "register",
            "credit",
            "--owner",
            "alice",
            "--team",
            "risk",
            "--use-case",
            "credit",
            "--risk-tier",
            "high",
        ],
        [
            "version",
            "add",
            "credit@1.0",
            "--framework",
            "sklearn",
            "--file",
            str(demo / "model.skops"),
        ],
    ]
    for step in steps:
        assert _run(*step, env=env).exit_code == 0
    audit = ["audit", "audit.yaml", "--policy", "policy.yaml", "-o", "out", "--report", "html"]
    result = _run(*audit, "--register", "credit@1.0", env=env, cwd=demo)
    assert result.exit_code == 1, result.output  # the demo fails a gate; attached anyway
    keys = root / "keys" / "acme"
    keys.parent.mkdir()
    assert _run("ledger", "keygen", "acme", "--out", str(keys), env=env).exit_code == 0
    note = root / "checkpoint.txt"
    signed = _run("ledger", "checkpoint", "--key", f"{keys}.key", "--out", str(note), env=env)
    assert signed.exit_code == 0, signed.output
    events = json.loads(_run("ledger", "show", "--json", env=env).stdout)
    [seq] = [e["seq"] for e in events if e["action"] == "audit.attached"]
    proof = root / "proof.json"
    cp = ["--checkpoint", str(note), "--key", f"{keys}.pub"]
    proved = _run("ledger", "prove", "--audit", str(demo / "out"), *cp, env=env)
    assert proved.exit_code == 0, proved.output
    assert json.loads(proved.stdout)["seq"] == seq  # the event that attached this audit
    assert _run("ledger", "prove", str(seq), *cp, env=env).stdout == proved.stdout
    proof.write_text(proved.stdout)
    pack = root / "evidence.zip"
    built = _run("pack", "out", "-o", str(pack), "--ledger-proof", str(proof), cwd=demo)
    assert built.exit_code == 0, built.output
    return {
        "pack": pack,
        "pub": Path(f"{keys}.pub"),
        "note": note,
        "proof": proof,
        "demo": demo,
        "home": root / "home",
    }


def _files(pack: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(pack) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write(target: Path, entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about a duplicate name
        with zipfile.ZipFile(target, "w") as archive:
            for name, data in entries:
                archive.writestr(name, data)
    return target


def _resum(files: dict[str, bytes]) -> None:
    body = {k: v for k, v in files.items() if k != SUMS}
    lines = [f"{hashlib.sha256(body[n]).hexdigest()}  {n}\n" for n in sorted(body)]
    files[SUMS] = "".join(lines).encode()


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    return info


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("./results.json", NAME_NOT_NORMALISED.format(normal="results.json")),
        ("inputs//policy.yaml", NAME_NOT_NORMALISED.format(normal="inputs/policy.yaml")),
        ("../results.json", NAME_PARENT),
        ("inputs/../../etc/passwd", NAME_PARENT),
        ("/etc/passwd", NAME_ABSOLUTE),
        ("C:/results.json", NAME_ABSOLUTE),
        ("inputs\\policy.yaml", NAME_BACKSLASH),
        ("inputs/", NOT_REGULAR),
    ],
    ids=["dot-slash", "double-slash", "parent", "nested-parent", "absolute", "drive", "bs", "dir"],
)
def test_unsafe_entry_names_are_refused_by_name(
    anchored: dict[str, Path], tmp_path: Path, name: str, message: str
):
    entries: list[tuple[str | zipfile.ZipInfo, bytes]] = list(_files(anchored["pack"]).items())
    forged = _write(tmp_path / "forged.zip", [*entries, (zipfile.ZipInfo(name), b'{"x": 1}')])
    result = _run("verify-pack", str(forged))
    assert result.exit_code == 5, result.output
    assert f"error: {name}: {message}" in " ".join(result.output.split())


def test_a_duplicate_entry_and_a_symlink_are_refused(anchored: dict[str, Path], tmp_path: Path):
    files = _files(anchored["pack"])
    twice = _write(tmp_path / "twice.zip", [*files.items(), ("results.json", b"{}")])
    result = _run("verify-pack", str(twice))
    assert (result.exit_code, f"results.json: {NAME_TWICE}" in result.output) == (5, True)
    link = _write(tmp_path / "link.zip", [*files.items(), (_symlink("inputs/x"), b"/etc")])
    result = _run("verify-pack", str(link))
    assert (result.exit_code, f"inputs/x: {SYMLINK}" in result.output) == (5, True)


def test_a_listed_file_a_pack_does_not_hold_is_refused(anchored: dict[str, Path], tmp_path: Path):
    files = _files(anchored["pack"])
    files["notes/extra.txt"] = b"planted"
    _resum(files)
    result = _run("verify-pack", str(_write(tmp_path / "x.zip", list(files.items()))))
    assert result.exit_code == 5
    assert f"notes/extra.txt: {NOT_A_PACK_FILE}" in result.output


def test_too_many_entries_are_refused_before_reading(tmp_path: Path):
    entries: list[tuple[str | zipfile.ZipInfo, bytes]]
    entries = [(f"inputs/{i}.yaml", b"") for i in range(MAX_ENTRIES + 1)]
    result = _run("verify-pack", str(_write(tmp_path / "many.zip", entries)))
    assert result.exit_code == 5
    assert TOO_MANY_ENTRIES.format(count=MAX_ENTRIES + 1, limit=MAX_ENTRIES) in result.output


def _raw_zip(name: str, compressed: bytes, declared: int) -> bytes:
    """A one-entry zip written by hand, with whatever sizes the header should claim."""
    raw = name.encode()
    crc = 0  # never reached: the entry is refused, or its CRC fails
    local = struct.pack(
        "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(compressed), declared, len(raw), 0
    )
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        *(0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(compressed), declared, len(raw)),
        *(0, 0, 0, 0, 0, 0),
    )
    body = local + raw + compressed
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central) + len(raw), len(body), 0)
    return body + central + raw + end


def _deflated_zeros(mebibytes: int) -> bytes:
    """Raw deflate of ``mebibytes`` MiB of zeros, built from one repeated flushed block."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(bytes(1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert block == again  # a full flush resets the state: every block is the same bytes
    return block * mebibytes + compressor.flush()


@pytest.fixture(scope="module")
def bomb_data() -> bytes:
    data = _deflated_zeros(3 * 1024)  # 3 GiB of zeros in about 3 MB
    assert len(data) < 4 * 1024 * 1024
    return data


def _peak_while(func) -> int:  # type: ignore[no-untyped-def]
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_an_honest_zip_bomb_is_refused_by_its_ratio_in_bounded_memory(
    bomb_data: bytes, tmp_path: Path
):
    size = 3 * 1024 * 1024 * 1024
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(_raw_zip("results.json", bomb_data, size))
    result: list[object] = []
    peak = _peak_while(lambda: result.append(_run("verify-pack", str(bomb))))
    [outcome] = result
    assert outcome.exit_code == 5  # type: ignore[attr-defined]
    message = BOMB.format(
        ratio=size / len(bomb_data), size=size, packed=len(bomb_data), limit=MAX_RATIO
    )
    assert f"results.json: {message}" in " ".join(outcome.output.split())  # type: ignore[attr-defined]
    assert peak < 32 * 1024 * 1024


def test_a_zip_bomb_that_lies_about_its_size_is_cut_off_in_bounded_memory(
    bomb_data: bytes, tmp_path: Path
):
    bomb = tmp_path / "liar.zip"
    bomb.write_bytes(_raw_zip("results.json", bomb_data, 1024 * 1024))  # "only 1 MiB"
    result: list[object] = []
    peak = _peak_while(lambda: result.append(_run("verify-pack", str(bomb))))
    [outcome] = result
    assert outcome.exit_code == 5  # type: ignore[attr-defined]
    assert "results.json: cannot be read" in outcome.output  # type: ignore[attr-defined]
    assert peak < 32 * 1024 * 1024


def test_declared_sizes_beyond_the_total_limit_are_refused(tmp_path: Path):
    declared = MAX_TOTAL_BYTES + 1
    big = tmp_path / "big.zip"
    big.write_bytes(_raw_zip("results.json", bytes(declared // 50), declared))
    result = _run("verify-pack", str(big))
    assert result.exit_code == 5
    assert TOO_LARGE.format(size=declared, limit=MAX_TOTAL_BYTES) in " ".join(result.output.split())


def test_an_anchored_pack_verifies_and_says_what_was_verified(anchored: dict[str, Path]):
    pack, pub, note = anchored["pack"], anchored["pub"], anchored["note"]
    plain = _run("verify-pack", str(pack))
    assert plain.exit_code == 0, plain.output
    text = " ".join(plain.output.split())
    assert "NOT verified: that the proof's root is the ledger's" in text
    keyed = _run("verify-pack", str(pack), "--key", str(pub), "--checkpoint", str(note))
    assert keyed.exit_code == 0, keyed.output
    text = " ".join(keyed.output.split())
    assert "records this results.json and manifest.json" in text
    assert "(the checkpoint you gave) is signed by the given key" in text
    assert "NOT verified" not in text
    document = json.loads(_run("verify-pack", str(pack), "--key", str(pub), "--json").stdout)
    assert (document["anchored"], document["ledger_proof"]) == (True, True)


def test_a_consistent_rewrite_of_an_anchored_pack_is_detected(
    anchored: dict[str, Path], tmp_path: Path
):
    files = _files(anchored["pack"])
    results = json.loads(files["results.json"])
    results["overall"]["accuracy"] = 0.99
    files["results.json"] = json.dumps(results).encode()
    from signoff._canonical import canonical_sha256

    manifest = json.loads(files["manifest.json"])
    manifest["results_sha256"] = canonical_sha256(results)
    files["manifest.json"] = json.dumps(manifest).encode()
    files.pop("report.html")
    _resum(files)
    forged = _write(tmp_path / "forged.zip", list(files.items()))
    result = _run("verify-pack", str(forged), "--key", str(anchored["pub"]))
    assert result.exit_code == 5
    actual = hashlib.sha256(files["results.json"]).hexdigest()
    assert FILE_NOT_THE_EVENTS.split("{actual}")[0].format(name="results.json") in result.output
    assert actual in result.output


def test_a_proof_of_another_event_or_without_anchor_is_refused(
    anchored: dict[str, Path], tmp_path: Path
):
    files = _files(anchored["pack"])
    proof = json.loads(files[LEDGER_PROOF])
    proof["event"]["action"] = "model.registered"
    files[LEDGER_PROOF] = json.dumps(proof).encode()
    _resum(files)
    result = _run("verify-pack", str(_write(tmp_path / "p.zip", list(files.items()))))
    assert result.exit_code == 5
    assert "ledger-proof.json: the event hashes to" in result.output  # the leaf no longer fits
    files.pop(LEDGER_PROOF)
    _resum(files)
    bare = _write(tmp_path / "bare.zip", list(files.items()))
    result = _run("verify-pack", str(bare), "--key", str(anchored["pub"]))
    assert result.exit_code == 5
    assert f"{LEDGER_PROOF}: {NO_LEDGER_PROOF}" in " ".join(result.output.split())
    assert "NOT verified: that this is the audit that was registered" in " ".join(
        _run("verify-pack", str(bare)).output.split()
    )


def test_pack_refuses_a_genuine_proof_of_another_event(anchored: dict[str, Path], tmp_path: Path):
    env = {"SIGNOFF_HOME": str(anchored["home"])}
    note, pub = str(anchored["note"]), str(anchored["pub"])
    proved = _run("ledger", "prove", "1", "--checkpoint", note, "--key", pub, env=env)
    assert proved.exit_code == 0, proved.output
    other = tmp_path / "proof.json"
    other.write_text(proved.stdout)
    action = json.loads(proved.stdout)["event"]["action"]
    out = tmp_path / "e.zip"
    result = _run("pack", "out", "-o", str(out), "--ledger-proof", str(other), cwd=anchored["demo"])
    assert result.exit_code == 5
    message = NOT_ATTACH_EVENT.format(action=action, expected="audit.attached")
    assert f"{other}: {message}" in " ".join(result.output.split())
    assert not out.exists()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested more than 200 levels deep"),
        ('{"overall": 1e999}', "the number 1e999 is too large"),
        ('{"overall": ' + "7" * 5000 + "}", "Exceeds the limit"),
    ],
    ids=["deep", "overflow", "5000-digits"],
)
def test_hostile_json_in_a_pack_is_exit_5(
    anchored: dict[str, Path], tmp_path: Path, text: str, reason: str
):
    files = _files(anchored["pack"])
    files["results.json"] = text.encode()
    _resum(files)
    result = _run("verify-pack", str(_write(tmp_path / "j.zip", list(files.items()))))
    assert result.exit_code == 5
    assert "results.json: not valid JSON (" in result.output
    assert reason in " ".join(result.output.split())


def test_pack_refuses_a_proof_without_a_signed_checkpoint(
    anchored: dict[str, Path], tmp_path: Path
):
    from signoff.pack._anchor import NO_SIGNED_CHECKPOINT

    proof = json.loads(anchored["proof"].read_text())
    proof["checkpoint"] = None
    bare = tmp_path / "bare.json"
    bare.write_text(json.dumps(proof))
    out = tmp_path / "e.zip"
    result = _run("pack", "out", "-o", str(out), "--ledger-proof", str(bare), cwd=anchored["demo"])
    assert result.exit_code == 5
    assert f"{bare}: {NO_SIGNED_CHECKPOINT}" in " ".join(result.output.split())
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{}")
    result = _run(
        "pack", "out", "-o", str(out), "--ledger-proof", str(binary), cwd=anchored["demo"]
    )
    assert result.exit_code == 3
    assert f"{binary}: cannot be read as a ledger inclusion proof" in " ".join(
        result.output.split()
    )


def test_a_proof_against_another_tree_than_the_checkpoint_held_fails(
    anchored: dict[str, Path], tmp_path: Path
):
    from signoff.pack._anchor import CHECKPOINT_DIFFERS

    env = {"SIGNOFF_HOME": str(anchored["home"])}
    key = str(anchored["pub"]).removesuffix(".pub") + ".key"
    newer = tmp_path / "newer.txt"
    assert _run("version", "add", "credit@9.9", "--framework", "x", env=env).exit_code == 0
    signed = _run("ledger", "checkpoint", "--key", key, "--out", str(newer), env=env)
    assert signed.exit_code == 0, signed.output
    result = _run(
        "verify-pack", str(anchored["pack"]), "--key", str(anchored["pub"]),
        "--checkpoint", str(newer),
    )  # fmt: skip
    assert result.exit_code == 5
    proof = json.loads(_files(anchored["pack"])[LEDGER_PROOF])
    size = proof["tree_size"]
    message = CHECKPOINT_DIFFERS.format(
        proof_size=size, proof_root=proof["root_hash"], size=size + 1, root="ROOT"
    ).split("ROOT")
    text = " ".join(result.output.split())
    assert f"{LEDGER_PROOF}: {message[0]}" in text
    assert text.endswith(message[1].strip())


def test_a_name_listed_twice_and_an_output_folder_are_refused(
    anchored: dict[str, Path], tmp_path: Path
):
    files = _files(anchored["pack"])
    first = files[SUMS].splitlines(keepends=True)[0]
    files[SUMS] = first + files[SUMS]
    result = _run("verify-pack", str(_write(tmp_path / "t.zip", list(files.items()))))
    assert result.exit_code == 5
    name = first.decode().split("  ", 1)[1].strip()
    assert f"SHA256SUMS:2: {name!r} is listed twice" in result.output
    result = _run("pack", "out", "-o", str(tmp_path), cwd=anchored["demo"])
    assert result.exit_code == 2
    assert f"{tmp_path}: --output: is a folder" in " ".join(result.output.split())


def test_markup_in_paths_is_printed_as_written(anchored: dict[str, Path], tmp_path: Path):
    target = tmp_path / "[/]" / "[bold].zip"
    wide = {"COLUMNS": "200"}  # the paths never folded (their length is the temporary folder's)
    result = _run("pack", "out", "-o", str(target), cwd=anchored["demo"], env=wide)
    assert result.exit_code == 0, result.output
    assert f"Wrote {target}" in " ".join(result.output.split())
    keys = tmp_path / "[red]"
    keys.mkdir()
    made = _run("ledger", "keygen", "acme", "--out", str(keys / "k"), env=wide)
    assert made.exit_code == 0, made.output
    assert f"private key: {keys / 'k'}.key" in " ".join(made.output.split())


def test_prove_needs_one_of_seq_and_audit_and_a_registered_audit(
    anchored: dict[str, Path], tmp_path: Path
):
    from signoff.cli._ledger import NOT_ATTACHED, SEQ_OR_AUDIT

    env = {"SIGNOFF_HOME": str(anchored["home"])}
    out = anchored["demo"] / "out"
    for args in ([], ["1", "--audit", str(out)]):
        result = _run("ledger", "prove", *args, env=env)
        assert result.exit_code == 2
        assert SEQ_OR_AUDIT in " ".join(result.output.split())
    other = tmp_path / "other"
    other.mkdir()
    (other / "results.json").write_text("{}")
    result = _run("ledger", "prove", "--audit", str(other), env=env)
    assert result.exit_code == 2
    digest = hashlib.sha256(b"{}").hexdigest()[:12]
    message = NOT_ATTACHED.format(digest=digest)
    assert f"{other / 'results.json'}: {message}" in " ".join(result.output.split())
