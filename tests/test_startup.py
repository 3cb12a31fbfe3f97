"""Small commands start without the audit engine's heavy libraries.

Each command runs in a fresh interpreter through a tiny wrapper that calls the
console-script entry point, then prints the sorted names of every imported
module; the test asserts that none of the heavy libraries is among them.  How
fast the commands start is measured in ``benchmarks/bench_cli.py``, not here.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

#: Libraries only an audit, a report or a trained model needs.
HEAVY = ("matplotlib", "pandas", "scipy", "sklearn", "weasyprint", "typst", "numba")
_WRAPPER = """
import json, sys
from signoff.cli import main
sys.argv = ["signoff", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _run(home: Path, *args: str) -> tuple[int, list[str]]:
    env = dict(os.environ, SIGNOFF_HOME=str(home), NO_COLOR="1")
    env.pop("SIGNOFF_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *args], capture_output=True, text=True, env=env
    )
    report = json.loads(done.stderr.strip().splitlines()[-1])
    return report["code"], report["modules"]


@pytest.mark.parametrize(
    "args",
    [
        ("--version",),
        ("--help",),
        ("model", "list"),
        ("portfolio",),
        ("cr", "list"),
        ("ledger", "verify"),
    ],
    ids=" ".join,
)
def test_small_commands_do_not_import_the_heavy_libraries(tmp_path: Path, args: tuple[str, ...]):
    assert _run(tmp_path, "db", "upgrade")[0] == 0
    code, modules = _run(tmp_path, *args)
    assert code == 0
    loaded = sorted({m.split(".")[0] for m in modules} & set(HEAVY))
    assert loaded == [], f"signoff {' '.join(args)} imported {loaded}"


#: What a command that only reads the registry does not need: NumPy (under the metrics'
#: computations), the audit config's schema, the replay `ledger verify` uses, Typer's
#: pydantic adapters (typer 0.29 builds one per parameter parsed: pyproject caps it), on
#: SQLite (as here) SQLAlchemy's PostgreSQL dialect (120 M instructions), the signatures'
#: cryptography (20 M) and the webhooks' HTTP client (18 M).
NOT_FOR_READS = (
    "numpy",
    "signoff.config._schema",
    "signoff.store._snapshot",
    "typer._adapters",
    "sqlalchemy.dialects.postgresql",
    "cryptography",
    "urllib.request",
)


@pytest.mark.parametrize(
    "args",
    [("--version",), ("model", "list"), ("portfolio",), ("portfolio", "--json"), ("cr", "list")],
    ids=" ".join,
)
def test_registry_reads_start_without_numpy(tmp_path: Path, args: tuple[str, ...]):
    """The figures of `signoff portfolio` are timed as a whole process (benchmarks/
    bench_portfolio_cli.py): these imports were a tenth of its second."""
    assert _run(tmp_path, "db", "upgrade")[0] == 0
    code, modules = _run(tmp_path, *args)
    assert code == 0
    loaded = [m for m in NOT_FOR_READS if m in modules]
    assert loaded == [], f"signoff {' '.join(args)} imported {loaded}"


def test_the_table_definitions_load_no_database_dialect():
    """A dialect's keyword on a table (``sqlite_where``) loads that dialect wherever the
    tables are imported: 35 M instructions of SQLite's in every PostgreSQL command."""
    probe = "import signoff.store, sys; print(sorted(m for m in sys.modules if '.dialects.' in m))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_lazy_names_load_on_first_use():
    """The packages that defer their heavy modules still give every name they export."""
    import signoff.config
    import signoff.metrics
    import signoff.store

    for package in (signoff.metrics, signoff.config, signoff.store):
        for name in package.__all__:
            assert getattr(package, name) is not None, f"{package.__name__}.{name}"
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        signoff.metrics.nope  # noqa: B018


def test_the_wrapper_sees_heavy_imports(tmp_path: Path):
    """The check is not vacuous: ``signoff audit`` loads pandas (even for a missing config)."""
    code, modules = _run(tmp_path, "audit", str(tmp_path / "missing.yaml"))
    assert code == 2
    assert "pandas" in modules


def test_scikit_learn_is_imported_for_a_model_only(demo: Path, tmp_path: Path):
    """An audit of scores in the data (predictions-only) loads neither scikit-learn nor
    SciPy's statistics (about a second); an audit of a model file loads scikit-learn."""
    rows = ["y,score,sex", *(f"{i % 2},{(i % 7) / 7:.3f},{'fm'[i % 3 % 2]}" for i in range(60))]
    (tmp_path / "scores.csv").write_text("\n".join(rows) + "\n")
    config = tmp_path / "audit.yaml"
    config.write_text(
        "data: {path: scores.csv, target: y, positive_label: 1, score_column: score}\n"
        "protected_attributes: {sex: {}}\nbootstrap: {replicates: 20}\n"
    )
    code, modules = _run(tmp_path, "audit", str(config), "-o", str(tmp_path / "scores-out"))
    assert code == 0
    assert not {"sklearn", "scipy.stats"} & set(modules)
    code, modules = _run(tmp_path, "audit", str(demo / "audit.yaml"), "-o", str(tmp_path / "out"))
    assert code in (0, 1)  # the demo's gates may fail; its model was scored either way
    assert "sklearn" in modules


_FREEZE_WRAPPER = """
import gc, json, sys
from signoff.cli import main
sys.argv = ["signoff", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
base = sys.modules.get("sklearn.base")  # scikit-learn's objects left to the collector?
seen = base is not None and any(o is base.BaseEstimator for o in gc.get_objects())
print(json.dumps({"frozen": gc.get_freeze_count(), "threshold": gc.get_threshold(),
                  "sklearn": base is not None, "collector_sees_sklearn": seen}), file=sys.stderr)
"""


def _collector_after(*args: str, home: Path | None = None) -> dict[str, Any]:
    env = dict(os.environ, NO_COLOR="1")
    if home is not None:
        env.pop("SIGNOFF_DATABASE_URL", None)
        env["SIGNOFF_HOME"] = str(home)
    done = subprocess.run(
        [sys.executable, "-c", _FREEZE_WRAPPER, *args], capture_output=True, text=True, env=env
    )
    found: dict[str, Any] = json.loads(done.stderr.strip().splitlines()[-1])
    return found


def _frozen_after(*args: str) -> int:
    return int(_collector_after(*args)["frozen"])


def test_the_console_script_freezes_what_an_audit_imported(demo: Path, tmp_path: Path):
    """Everything imported is moved out of the collector's way before the computation."""
    assert _frozen_after("--version") == 0
    assert _frozen_after("audit", str(demo / "audit.yaml"), "-o", str(tmp_path / "out")) > 10_000


def test_scikit_learn_imported_for_a_model_is_frozen_too(demo: Path, tmp_path: Path):
    """scikit-learn is imported when the audit loads its model, after the command froze
    its imports: it is frozen then too, or every collection in the computation would
    walk it again."""
    found = _collector_after("audit", str(demo / "audit.yaml"), "-o", str(tmp_path / "out"))
    assert found["sklearn"] is True
    assert found["collector_sees_sklearn"] is False


def test_a_registry_command_freezes_its_imports_and_puts_the_collector_back(tmp_path: Path):
    """While a short-lived command imports, its collector runs seldom (it walked the ~300k
    new objects some 200 times); once the registry is open they are frozen and the
    collector's thresholds are Python's again."""
    _collector_after("db", "upgrade", home=tmp_path)
    after = _collector_after("model", "list", home=tmp_path)
    assert after["frozen"] > 10_000
    python = subprocess.run(
        [sys.executable, "-c", "import gc; print(list(gc.get_threshold()))"],
        capture_output=True,
        text=True,
    )
    default = json.loads(python.stdout)
    assert after["threshold"] == default
    assert _collector_after("--version")["threshold"][0] > default[0]  # never settled


def test_an_audit_inside_another_process_leaves_its_collector_alone(
    cli: Callable[..., Any], demo: Path, tmp_path: Path
):
    before = gc.get_freeze_count()
    result = cli("audit", str(demo / "audit.yaml"), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert gc.get_freeze_count() == before
