"""Helpers for the ingestion tests: deliveries in a landing folder, and what the warehouse then holds.

Plain functions, no fixtures: the warehouse itself comes from tests/conftest.py (`warehouse_url`,
`fresh_warehouse`), a real PostgreSQL.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg

from csc_warehouse import loading
from csc_warehouse.tables import TABLES

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Data files from public projects, each top folder with its upstream licence and a README naming
# the repository and commit (tests/fixtures/peer_samples/*/README.md). The tests' only copy.
PEER_SAMPLES = FIXTURES / "peer_samples"
SPECS = FIXTURES / "specs"  # published specifications the tests check against, e.g. the DfE rule codes
VALIDATOR_903 = PEER_SAMPLES / "csc-validator-be-903" / "tests" / "fake_data"
VALIDATOR_CIN = PEER_SAMPLES / "csc-validator-be-cin" / "fake_data"
LIIA_TOOLS = PEER_SAMPLES / "liia-tools" / "liiatools" / "spec" / "s903" / "samples"
LIIA_PIPELINE = PEER_SAMPLES / "liia-tools-pipeline" / "liiatools" / "ssda903_pipeline" / "spec" / "samples"
ANNEX_A = PEER_SAMPLES / "liia-tools" / "liiatools" / "spec" / "annex_a" / "samples" / "Annex_A.xlsx"
ANNEX_A_2024 = (
    PEER_SAMPLES
    / "liia-tools-pipeline"
    / "liiatools"
    / "annex_a_pipeline"
    / "spec"
    / "samples"
    / "Annex_A_2024_Jan.xlsx"
)
LIIA_CIN = PEER_SAMPLES / "liia-tools" / "liiatools" / "spec" / "cin_census" / "samples" / "cin-2022.xml"
BROKEN = FIXTURES / "broken"

# A small, correct delivery: three children, four episodes. Codes from several collection years.
GOOD_HEADER = """CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB
1001,1,01/05/2010,WBRI,A123456789012,,
1002,2,15/09/2012,MWBC,,,
1003,M,03/03/2008,BAFR,,,
"""
GOOD_EPISODES = """\
CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN
1001,01/04/2015,S,C2,N1,U4,PR1,01/06/2015,X1,,AB1 2CD,EF3 4GH,SC123456
1001,01/06/2015,P,C2,N1,K3,PR4,,,CARPL,AB1 2CD,EF3 4GH,
1002,10/01/2016,S,V2,N4,Z11,PR1,12/02/2016,E4A,,,,
1003,05/05/2016,S,L1,N2,U1,PR1,,,,,,
"""


def deliver(root: Path, la_code: str, day: str, files: dict[str, bytes | str | Path]) -> Path:
    """A delivery folder <root>/<la_code>/<day>/ holding the files given (bytes, text or a file to copy)."""
    folder = root / la_code / day
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        if isinstance(content, Path):
            content = content.read_bytes()
        if isinstance(content, str):
            content = content.encode()
        (folder / name).write_bytes(content)
    return folder


def ingest(url: str, folder: Path) -> tuple[loading.DeliveryOutcome, list[str]]:
    """Load one delivery folder; returns its outcome and the progress lines printed."""
    lines: list[str] = []
    [outcome] = loading.ingest_path(folder, url=url, progress=lines.append)
    return outcome, lines


def raw_counts(url: str) -> dict[str, int]:
    """Rows in every raw table, by table name."""
    with psycopg.connect(url) as conn:
        return {table.name: conn.execute(f"select count(*) from raw.{table.name}").fetchone()[0] for table in TABLES}


def query(url: str, statement: str, params=None) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def csc(*args: str) -> subprocess.CompletedProcess:
    """`csc` as a person runs it, in a child process with this session's environment."""
    command = [str(Path(sys.executable).parent / "csc"), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=os.environ.copy())


def break_one_episode(episodes_csv):
    """Give the first ended episode a DEC before its DECOM (DfE rule 356)."""
    lines = episodes_csv.read_text().splitlines()
    header = lines[0].split(",")
    decom, dec = header.index("DECOM"), header.index("DEC")
    for number, line in enumerate(lines[1:], start=1):
        cells = line.split(",")
        if cells[dec]:
            day, month, year = cells[decom].split("/")
            cells[dec] = f"{day}/{month}/{int(year) - 1}"
            lines[number] = ",".join(cells)
            episodes_csv.write_text("\n".join(lines) + "\n")
            return
    raise AssertionError("no ended episode to break")
