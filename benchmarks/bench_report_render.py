"""Report rendering time for the German Credit audit (targets: HTML ≤ 1 s, PDF ≤ 3 s).

Builds the demo project once, audits it, then renders the report from
``results.json`` + ``manifest.json`` several times and reports the median wall
time and CPU time of each format (CPU time is steadier on a shared machine).
The first HTML render, which pays for importing matplotlib and building its
font cache, is reported separately.  Also checks the PDF stays under 2 MB.

    .venv/bin/python benchmarks/bench_report_render.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

TARGETS = {"html": 1.0, "pdf": 3.0}
PDF_LIMIT = 2_000_000


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)

    from signoff import audit
    from signoff.demo import POLICY, write_demo_project
    from signoff.report import render_report
    from signoff.report._pdf import html_to_pdf

    with tempfile.TemporaryDirectory() as tmp:
        config = write_demo_project(Path(tmp) / "demo")
        result = audit(config, policy=Path(tmp) / "demo" / POLICY, strict=True)
    results, manifest = result.results, result.manifest

    def html() -> bytes:
        return render_report(results, manifest, formats=("html",))["report.html"]

    first_wall, first_cpu = _timed(html)  # imports matplotlib, builds its caches
    page = html().decode("utf-8")
    pdf_bytes = render_report(results, manifest, formats=("pdf",))["report.pdf"]  # warm-up
    epoch = 0
    timings = {
        "html": [_timed(html) for _ in range(args.repeats)],
        "pdf": [
            _timed(lambda: html_to_pdf(page, epoch=epoch, identifier="bench"))
            for _ in range(args.repeats)
        ],
    }
    print(f"German Credit audit: {results['rows']} rows, {len(results.get('gates', []))} gates")
    print(f"first HTML render (imports matplotlib): {first_wall:.2f} s wall, {first_cpu:.2f} s CPU")
    failed = False
    for name, runs in timings.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        ok = cpu <= TARGETS[name]
        failed |= not ok
        verdict = "PASS" if ok else "FAIL"
        label = "HTML (context, charts, template)" if name == "html" else "PDF (layout, from HTML)"
        print(
            f"{label:34} median {wall:.2f} s wall, {cpu:.2f} s CPU "
            f"(target ≤ {TARGETS[name]:g} s) {verdict}"
        )
    both = [_timed(lambda: render_report(results, manifest)) for _ in range(args.repeats)]
    print(
        f"{'both formats, end to end':34} median {statistics.median(w for w, _ in both):.2f} s "
        f"wall, {statistics.median(c for _, c in both):.2f} s CPU (information)"
    )
    size_ok = len(pdf_bytes) <= PDF_LIMIT
    failed |= not size_ok
    print(f"PDF size {len(pdf_bytes) / 1e3:.0f} kB (limit 2 MB) {'PASS' if size_ok else 'FAIL'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
