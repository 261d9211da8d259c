"""The DfE's SSDA903 and CIN validators run by their own readers on delivered files, in the validators'
environment (CSC_VALIDATORS_PYTHON): the count each test holds the warehouse's answer against."""

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

# The CIN validator on a census, as its own command line runs it (`python -m cin_validator run FILE`), counted
# from its issue locations (full_issue_df: one per child, rule, column and row of a table): the rows of its
# tables each rule flags; a rule flagging the header or the return as a whole (multichild_issues) counts once.
LIBRARY_CIN_COUNT = textwrap.dedent(
    """
    import importlib, json, sys
    import xml.etree.ElementTree as ET
    from cin_validator import cin_validator
    path, ruleset = sys.argv[1:]
    data = cin_validator.process_data(cin_validator.convert_data(ET.parse(path).getroot()))
    registry = importlib.import_module(f"cin_validator.rules.{ruleset}").registry
    validator = cin_validator.CinValidator(data, registry)
    rows = validator.full_issue_df.drop_duplicates(["rule_code", "tables_affected", "row_id"])
    counts = {str(code): int(count) for code, count in rows.groupby("rule_code").size().items()}
    for code in set(map(str, validator.multichild_issues["rule_code"])):
        counts[code] = counts.get(code, 0) + 1
    print(json.dumps(counts))
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


def cin_library_counts(path: Path, *, ruleset: str) -> dict[str, int]:
    """The CIN validator's own count of flagged records per rule on this census (rules flagging none left out)."""
    return json.loads(validators_python("-c", LIBRARY_CIN_COUNT, str(path), ruleset))
