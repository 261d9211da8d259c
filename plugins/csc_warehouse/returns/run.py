"""`python -m csc_warehouse.returns.run VERSION_ID [...]`, with the validators' interpreter: one JSON line per
version and DfE return (SSDA903, then CIN; `checked` false for a return the version did not deliver).

Not a __main__.py: Airflow imports every file of the plugins folder as a module named after the file,
and a __main__.py would run as a script inside every Airflow process."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys

from csc_warehouse.returns.check import check_version


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m csc_warehouse.returns.run", description=__doc__)
    parser.add_argument("versions", nargs="+", type=int, metavar="VERSION_ID", help="ledger delivery_version_id")
    parser.add_argument("--url", help="the warehouse (default: CSC_WAREHOUSE_URL or the embedded one)")
    args = parser.parse_args(argv)
    for version in args.versions:
        # Some of the validators' rules print as they run: standard output carries only the JSON lines.
        with contextlib.redirect_stdout(sys.stderr):
            checks = check_version(version, url=args.url)
        for check in checks:
            print(json.dumps(check.to_xcom()), flush=True)


if __name__ == "__main__":
    main()
