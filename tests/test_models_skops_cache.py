"""skops' default trusted types from signoff's cache: the same lists, the same refusals.

``signoff.models._skops`` keeps the lists ``skops.io._trusted_types`` computes
(about a second of every audit) in a cache file.  Each case runs in a fresh
interpreter, since ``skops.io`` is imported once per process: the first run
computes the lists the ordinary way and writes them, later runs read them.  The
tests compare the cached lists with skops' own, and check that a skops file
with types skops does not trust is refused on a cache hit exactly as without
the cache, and that an unusable cache (garbage, wrong shape, unwritable folder)
only costs the speed-up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import skops.io
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from signoff.models._skops import CACHE_FORMAT

HGB_TREE = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"

#: Imports skops through the cache, then prints what it saw as one JSON line.
_PROBE = """
import json, sys
from signoff.models._skops import cache_path, import_skops_io, _lists_of
from signoff.models import load_model
from signoff.errors import ModelError

skops_io = import_skops_io()
module = sys.modules["skops.io._trusted_types"]
outcomes = {}
for name, trusted in (("tree", False), ("tree", True), ("logistic", False)):
    try:
        load_model(sys.argv[1] + "/" + name + ".skops", trusted=trusted)
        outcomes[f"{name} trusted={trusted}"] = "loaded"
    except ModelError as exc:
        outcomes[f"{name} trusted={trusted}"] = exc.message
print(json.dumps({
    "from_cache": not hasattr(module, "__file__"),
    "lists": _lists_of(module),
    "cache": str(cache_path()),
    "untrusted": sorted(skops_io.get_untrusted_types(file=sys.argv[1] + "/tree.skops")),
    "outcomes": outcomes,
}))
"""


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tree model (types skops does not trust) and a logistic regression, as skops files."""
    folder = tmp_path_factory.mktemp("skops-models")
    x = [[float(i % 7), float(i % 3)] for i in range(60)]
    y = [i % 2 for i in range(60)]
    skops.io.dump(HistGradientBoostingClassifier(max_iter=5).fit(x, y), folder / "tree.skops")
    skops.io.dump(LogisticRegression().fit(x, y), folder / "logistic.skops")
    return folder


def _probe(models: Path, cache: Path) -> dict:
    env = dict(os.environ, SIGNOFF_CACHE_DIR=str(cache))
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(models)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _expected_outcomes(untrusted: str) -> dict[str, str]:
    from signoff.models._load import UNTRUSTED_TYPES

    return {
        "tree trusted=False": UNTRUSTED_TYPES.format(types=untrusted),
        "tree trusted=True": "loaded",
        "logistic trusted=False": "loaded",
    }


@pytest.fixture(scope="module")
def first(models: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The probe's report from a first run on an empty cache folder."""
    return _probe(models, tmp_path_factory.mktemp("cache"))


def _seeded(first: dict, folder: Path, content: str) -> Path:
    """``content`` at the cache file's place in ``folder``; returns its path."""
    cache = folder / Path(first["cache"]).name
    cache.write_text(content, encoding="utf-8")
    return cache


def test_a_cache_hit_uses_skops_own_lists_and_refuses_the_same_files(
    models: Path, first: dict
) -> None:
    assert first["from_cache"] is False  # nothing cached yet: skops computed the lists
    assert first["untrusted"] == [HGB_TREE]
    assert first["outcomes"] == _expected_outcomes(HGB_TREE)
    cache = Path(first["cache"])
    assert cache.stat().st_mode & 0o077 == 0  # owner-only
    stored = json.loads(cache.read_text(encoding="utf-8"))
    assert stored == {"format": CACHE_FORMAT, "lists": first["lists"]}
    lists = stored["lists"]
    assert (
        "sklearn.linear_model._logistic.LogisticRegression" in lists["SKLEARN_ESTIMATOR_TYPE_NAMES"]
    )
    assert HGB_TREE not in {name for names in lists.values() for name in names}
    # every list skops.io imports from the module is there, and nothing else is required
    assert {
        "CONTAINER_TYPE_NAMES",
        "NUMPY_DTYPE_TYPE_NAMES",
        "NUMPY_RANDOM_BIT_GENERATOR_TYPE_NAMES",
        "NUMPY_UFUNC_TYPE_NAMES",
        "PRIMITIVE_TYPE_NAMES",
        "SCIPY_UFUNC_TYPE_NAMES",
        "SKLEARN_ESTIMATOR_TYPE_NAMES",
        "SKLEARN_INTERNAL_TYPE_NAMES",
    } <= set(lists)

    second = _probe(models, cache.parent)
    assert second["from_cache"] is True
    assert second["lists"] == first["lists"]
    assert second["untrusted"] == [HGB_TREE]
    assert second["outcomes"] == first["outcomes"]


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        json.dumps({"format": CACHE_FORMAT + 1, "lists": {"A_TYPE_NAMES": []}}),
        json.dumps({"format": CACHE_FORMAT, "lists": {"SKLEARN_ESTIMATOR_TYPE_NAMES": [1, 2]}}),
        json.dumps({"format": CACHE_FORMAT, "lists": {}}),
    ],
    ids=["garbage", "other-format", "not-names", "empty"],
)
def test_an_unusable_cache_is_recomputed(
    models: Path, first: dict, tmp_path: Path, content: str
) -> None:
    good = Path(first["cache"]).read_text(encoding="utf-8")
    cache = _seeded(first, tmp_path, content)
    probe = _probe(models, tmp_path)
    assert probe["from_cache"] is False
    assert probe["outcomes"] == _expected_outcomes(HGB_TREE)
    assert cache.read_text(encoding="utf-8") == good  # rewritten from skops' own lists


def test_a_cache_folder_that_cannot_be_written_only_costs_time(
    models: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    probe = _probe(models, blocker / "cache")
    assert probe["from_cache"] is False
    assert probe["outcomes"] == _expected_outcomes(HGB_TREE)
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_a_cache_missing_a_list_skops_needs_falls_back(
    models: Path, first: dict, tmp_path: Path
) -> None:
    good = Path(first["cache"]).read_text(encoding="utf-8")
    stored = json.loads(good)
    del stored["lists"]["SCIPY_UFUNC_TYPE_NAMES"]
    cache = _seeded(first, tmp_path, json.dumps(stored))
    probe = _probe(models, tmp_path)
    assert probe["from_cache"] is False  # skops' import failed on the cached module: redone
    assert probe["outcomes"] == _expected_outcomes(HGB_TREE)
    assert cache.read_text(encoding="utf-8") == good
