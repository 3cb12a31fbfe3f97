"""The audit and monitoring read files into memory alike (``signoff.engines.read_files``).

Each file's bytes are read once, hashed and parsed from those bytes, so a record cites
the digest of exactly the data it measured even while a writer is changing the file; a
CSV file of a set re-read to type the set as one file must still be those bytes.  The
writer here is real: the file on disk is rewritten right after signoff's read returns.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest

from signoff.engines import FILE_CHANGED, NESTED_COLUMN, find_source, read_files
from signoff.errors import DataError
from signoff.monitor import run_monitor
from test_monitor_engines import TODAY, _frame, _project


@contextmanager
def rewritten_after_read(path: Path, text: str) -> Iterator[list[bytes]]:
    """Whenever signoff reads ``path``'s bytes, a writer replaces them with ``text`` just
    after (the bytes signoff got are listed)."""
    seen: list[bytes] = []
    read_bytes = Path.read_bytes

    def read_then_rewrite(self: Path) -> bytes:
        data = read_bytes(self)
        if self == path:
            seen.append(data)
            path.write_text(text)
        return data

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Path, "read_bytes", read_then_rewrite)
        yield seen


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_digests_are_those_of_the_bytes_parsed(tmp_path: Path) -> None:
    file = tmp_path / "data.csv"
    file.write_text("a,b\n1,x\n2,y\n")
    with rewritten_after_read(file, "a,b\n9,z\n") as seen:
        read = read_files([file], missing="not found", empty="no rows")
    assert read.frame["a"].tolist() == [1, 2]
    assert read.digests == {file: _sha(seen[0])}
    assert _sha(file.read_bytes()) != read.digests[file]


def test_a_file_changed_before_its_reread_is_refused(tmp_path: Path) -> None:
    """``flag`` is boolean in one file and 0/1 in the other: typed as one file, both are
    re-read as text — and the first has changed by then."""
    (tmp_path / "part-1.csv").write_text("flag,n\nTrue,1\nFalse,2\n")
    (tmp_path / "part-2.csv").write_text("flag,n\n1,3\n0,4\n")
    source = find_source(tmp_path, what="data")
    first = source.files[0]
    with rewritten_after_read(first, "flag,n\nTrue,1\nTrue,2\n"), pytest.raises(DataError) as found:
        read_files(source.files, missing="not found", empty="no rows")
    assert (found.value.file, found.value.message) == (str(first), FILE_CHANGED)


def test_a_nested_parquet_column_is_refused_only_when_flat_is_asked(tmp_path: Path) -> None:
    file = tmp_path / "data.parquet"
    pd.DataFrame({"x": [1, 2], "embedding": [[0.1, 0.2], [0.3, 0.4]]}).to_parquet(file)
    read = read_files([file], missing="not found", empty="no rows")
    assert list(read.frame.columns) == ["x", "embedding"]
    with pytest.raises(DataError) as found:
        read_files([file], missing="not found", empty="no rows", flat=True)
    assert found.value.message == NESTED_COLUMN.format(
        column="embedding", kind="list<element: double>"
    )


def test_monitoring_cites_the_batch_it_measured(tmp_path: Path) -> None:
    """A batch rewritten while monitoring runs: monitor-results.json gives the digest
    and the row count of the rows measured, not of what the file holds afterwards."""
    batch = _frame(2, 500)
    file = tmp_path / "batch.csv"
    batch.to_csv(file, index=False)
    config = _project(tmp_path, engine="numpy", path="batch.csv")
    other = batch.head(100).to_csv(index=False)
    with rewritten_after_read(file, other) as seen:
        run = run_monitor(config, today=TODAY)
    assert len(seen) == 1
    cited = run.document["batch"]
    assert (cited["sha256"], cited["rows"]) == (_sha(seen[0]), 500)
