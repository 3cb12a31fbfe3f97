"""What a cluster needs: signoff's code on the executors, and data read where it lies.

**The code.**  Some of the work runs in the executors' Python (each partition's partial
sums and monitoring profile, through ``mapInArrow``), which imports signoff.  On a cluster
(a master that is not ``local``) the driver adds its own signoff to the application as a
zip of its modules (``SparkContext.addPyFile``, once per application), so the executors
run the driver's code whatever is installed on them — no version skew — and need only
signoff's dependencies (NumPy, pandas, pyarrow, pydantic, …), not signoff itself.

**The data.**  A ``data.path`` that is a URI (``hdfs://…``, ``s3a://…``, ``file:///…``) is
read by Spark through the file system its scheme names, as the cluster has it configured;
failures to read it (no such path, no file system for the scheme, a part whose column has
another type) are :class:`~signoff.errors.DataError` naming the URI.  Reading is lazy, so
a part is read (and may fail) in the job that first needs it: :func:`jobs` wraps them.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import DataError, InputError, SignoffError

__all__ = ["jobs", "read_uri", "ship_code", "unreadable"]

URI_UNREADABLE = "Spark could not read the data at this URI: {reason}"
NO_MODULE = (
    "the Spark executors' Python could not import {module!r}: give them a Python with "
    "signoff's dependencies (`pip install 'signoff[spark]'` brings them; on a cluster the "
    "driver ships signoff's own code, in local mode that Python needs signoff too), named "
    "by PYSPARK_PYTHON"
)
#: How a Python worker's failure to import reports itself, through the JVM.
MISSING_MODULE = re.compile(r"ModuleNotFoundError: No module named '([^']+)'")
#: Java exceptions (anywhere in a failure's chain of causes) that say the data could not be
#: read — a file system, the network, a file — rather than that the computation failed.
READ_FAILURES = ("java.io.", "java.net.", "org.apache.hadoop.fs.", "org.apache.parquet.")
#: The signoff package this process runs.
PACKAGE = Path(__file__).resolve().parent.parent
#: Applications whose executors were sent the code (by ``applicationId``).
_SHIPPED: set[str] = set()


def ship_code(spark: Any) -> None:
    """On a cluster, add this signoff's modules to the application (see the module
    docstring); in local mode the executors are this process's JVM and run this Python."""
    context = spark.sparkContext
    if str(context.master).startswith("local") or context.applicationId in _SHIPPED:
        return
    folder = Path(tempfile.mkdtemp(prefix="signoff-executors-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    archive = folder / "signoff.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zipped:
        for module in sorted(PACKAGE.rglob("*.py")):
            zipped.write(module, (Path("signoff") / module.relative_to(PACKAGE)).as_posix())
    context.addPyFile(str(archive))
    _SHIPPED.add(context.applicationId)


def read_uri(spark: Any, uri: str) -> Any:
    """The rows of the Parquet data at ``uri`` (a file, a folder or a glob), read by Spark
    through the file system its scheme names (``hdfs``, ``s3a``, ``file``: whichever the
    cluster has); a location that does not exist or cannot be listed is a
    :class:`~signoff.errors.DataError` naming it."""
    from pyspark.errors import AnalysisException

    try:
        with jobs(uri):
            return spark.read.parquet(uri)
    except AnalysisException as exc:  # [PATH_NOT_FOUND], [UNABLE_TO_INFER_SCHEMA], …
        raise DataError(URI_UNREADABLE.format(reason=_first_line(str(exc))), file=uri) from None


@contextmanager
def jobs(uri: str | None = None) -> Iterator[None]:
    """Spark's jobs, their failures said as signoff's errors where the cause is known:
    executors whose Python cannot import what the work needs (exit 3, naming the module
    and what to install), and a failure to read the data at ``uri`` (see
    :func:`unreadable`; a DataError naming the URI).  Any other error is raised as it is."""
    try:
        yield
    except SignoffError:
        raise
    except Exception as exc:  # py4j's error for the JVM's, or PySpark's for a worker's
        missing = MISSING_MODULE.search(_all_messages(exc))
        if missing is not None:
            raise InputError(NO_MODULE.format(module=missing.group(1))) from None
        reason = unreadable(exc) if uri is not None else None
        if reason is None:
            raise
        raise DataError(URI_UNREADABLE.format(reason=reason), file=uri) from None


def _causes(exc: BaseException) -> list[tuple[str, str]]:
    """The JVM exception behind ``exc`` and its causes: (class name, message) each."""
    cause = getattr(exc, "java_exception", None)
    found: list[tuple[str, str]] = []
    while cause is not None and len(found) < 20:
        found.append((str(cause.getClass().getName()), str(cause.getMessage() or "")))
        cause = cause.getCause()
    return found


def _all_messages(exc: BaseException) -> str:
    return "\n".join([str(exc), *(text for _, text in _causes(exc))])


def unreadable(exc: BaseException) -> str | None:
    """Why Spark could not read the data, in one line, when ``exc`` (a JVM error, raised
    when a job runs, as reading is lazy) came from reading it — a file system, the
    network, a Parquet file whose column has another type than the first file's; None
    when it is some other failure."""
    messages = _causes(exc)
    # Spark's own message names the file and column; else the outermost failure to read
    # (a file system's, the network's) says where and why.
    named = [text for _, text in messages if text.startswith("[FAILED_READ_FILE")]
    named += [text or name for name, text in messages if name.startswith(READ_FAILURES)]
    return _first_line(named[0]) if named else None


def _first_line(text: str) -> str:
    """A JVM message's first line, without Spark's ``SQLSTATE`` code."""
    line = (text.strip().splitlines() or [""])[0]
    return line.split(" SQLSTATE:")[0].strip()
