"""Many authorities' reports at once: the weekly run drafts one per authority published that week.

Drawing the charts is CPU-bound (about 3 s an authority on this project's 2-core machine, so 150
authorities took 352 s one after another, the national week's longest task). `write_reports` shares
the authorities among up to CSC_REPORT_WORKERS processes of `python -m csc_warehouse.report.parallel`,
each started afresh: a multiprocessing pool would import its parent's main module again, which
inside an Airflow task is the task runner, and that does not start outside Airflow (measured).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from csc_warehouse import settings
from csc_warehouse.report import write_report


class ReportsNotDrawn(RuntimeError):
    """A worker failed; its error is on the task's standard error, above."""


def write_reports(la_codes: Sequence[str], as_at: date, *, workers: int | None = None) -> list[Path]:
    """Each authority's report (its Markdown's path, in the order of `la_codes`): the files
    write_report writes, drawn by up to `workers` processes at once."""
    workers = min(len(la_codes), workers or settings.report_workers())
    if workers <= 1:
        return [write_report(la_code, as_at).markdown for la_code in la_codes]
    shares = [list(la_codes[start::workers]) for start in range(workers)]
    command = [sys.executable, "-m", __name__, as_at.isoformat()]
    # Each worker's log and errors go to this process's standard error, so into the task's log.
    processes = [subprocess.Popen([*command, *share], stdout=subprocess.PIPE, text=True) for share in shares]
    written: dict[str, Path] = {}
    failed: list[str] = []
    for share, process in zip(shares, processes, strict=True):
        output, _ = process.communicate()
        for line in output.splitlines():
            la_code, path = line.split("\t")
            written[la_code] = Path(path)
        if process.returncode != 0:
            failed += [la_code for la_code in share if la_code not in written]
    if failed:
        raise ReportsNotDrawn(f"the reports of authorities {', '.join(failed)} were not drawn; see the error above")
    return [written[la_code] for la_code in la_codes]


def main(arguments: list[str]) -> None:
    """A worker: `python -m csc_warehouse.report.parallel AS_AT LA_CODE...`, one line per report
    drawn (the authority, a tab, the Markdown's path), in order; the first failure ends it."""
    as_at = date.fromisoformat(arguments[0])
    for la_code in arguments[1:]:
        print(f"{la_code}\t{write_report(la_code, as_at).markdown}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
