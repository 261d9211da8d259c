"""The DfE's SSDA903 validator run by its own reader on delivered files, in the validators' environment
(CSC_VALIDATORS_PYTHON): the count each test holds the warehouse's answer against."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from pathlib import Path

from csc_warehouse import settings

# The validator on the files themselves, read by its own reader: its own count per rule (Report.error_report).
LIBRARY_COUNT = textwrap.dedent(
    """
    import importlib, json, logging, os, sys
    from pathlib import Path
    logging.disable(logging.CRITICAL)
    from lac_validator.lac_validator import LacValidator
    from lac_validator.report import Report
    folder, ruleset, year, authority, *names = sys.argv[1:]
    files = [{"name": n, "file_content": (Path(folder) / n).read_bytes(), "description": "This year"} for n in names]
    registry = importlib.import_module(f"lac_validator.rules.{ruleset}").registry
    rules = os.environ.get("LIBRARY_RULES", "").split(",") if os.environ.get("LIBRARY_RULES") else None
    validator = LacValidator({"collectionYear": year, "localAuthority": authority}, files, registry, rules)
    report = Report(validator.ds_results, registry).error_report
    print(json.dumps({str(code): int(count) for code, count in zip(report["Code"], report["Count"]) if count}))
    """
)


def validators_python(*args: str, url: str | None = None, **variables: str) -> str:
    """Run the validators' interpreter; its standard output."""
    environment = {**os.environ, **({"CSC_WAREHOUSE_URL": url} if url else {}), **variables}
    done = subprocess.run(
        [str(settings.validators_python()), *args], capture_output=True, text=True, env=environment, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def library_counts(
    folder: Path, names: list[str], *, ruleset: str, year: str, authority: str, rules: list[str] | None = None
) -> dict[str, int]:
    """The validator's own count of flagged records per rule on these files (rules flagging none left out):
    of its whole run, or of each of `rules` run alone.

    Alone matters: the validator hands each rule a shallow copy of the same tables, and a rule that writes
    into them changes what the rules after it read. Rule 365 writes the collection's end date into every
    open episode's DEC, so in a whole run rule 388 reads no open episode (1,081 records on the fake data,
    21 alone). The warehouse's dq.return_errors keeps the whole run's count, as councils see it."""
    variables = {"LIBRARY_RULES": ",".join(rules)} if rules else {}
    return json.loads(
        validators_python("-c", LIBRARY_COUNT, str(folder), ruleset, year, authority, *names, **variables)
    )
