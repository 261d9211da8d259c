"""`make bench-memory`: the ingest process's peak memory on huge files, which must not grow with the file.

Generates two deliveries in a temporary folder and ingests each with `csc ingest` in a process of its
own, as a person or the DAG runs it, then prints that process's peak resident set size (ru_maxrss
from os.wait4, the child's own, not the benchmark's):
  - a 5-million-row Episodes CSV (and its Header, about 2 million children), written as
    scripts/bench_ingest.py writes a council's extract: it loads;
  - a 1 GB file of one repeated line: an Episodes CSV whose one data line is repeated until the file
    is 1 GB (about 14 million rows; a Header beside it): it loads too;
  - a 1 GB file that is one line: that data line repeated without a line break (--one-line-bytes;
    0 leaves it out): no known table, so the delivery, a Header alone, is quarantined;
  - a 200 MB SSDA903 XML return (--xml-bytes; 0 leaves it out): the validators' fake return's
    <CHILD>s repeated, about 145,000 children and 1.4 million rows over ten tables. The XML reader
    parses it in Python, where the CSVs go to COPY unparsed: its rows are spooled to disk.
The target is under 500 MB for each. Ends with
`peak_rss_mb episodes_5m=<n> repeated_line_1gb=<n> one_line_1gb=<n> ssda903_xml_200mb=<n>`.

Starts its own embedded warehouse in the temporary folder (CSC_WAREHOUSE_URL is not used: the files
are big), and removes the folder afterwards. A benchmark, not a test: it asserts nothing. Needs
about 6 GB of disk in the temporary folder, and takes some minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ingest import EPISODE_COLUMNS, HEADER_COLUMNS, generate  # noqa: E402

TARGET_MB = 500
FAKE_903_XML = (
    Path(__file__).resolve().parents[1]
    / "tests/fixtures/peer_samples/csc-validator-be-903/tests/fake_data/fake_903.xml"
)
REPEATED_LINE = "1001,01/04/2015,S,C2,N1,U4,PR1,01/06/2015,X1,,AB1 2CD,EF3 4GH,SC123456\r\n"


def write_repeated_line(folder: Path, size: int, line_breaks: bool = True) -> int:
    """episodes.csv of one data line repeated up to `size` bytes (without its line break: one line of
    `size` bytes), and a header.csv for its child."""
    line = REPEATED_LINE if line_breaks else REPEATED_LINE.rstrip("\r\n") + ","
    block = line * ((1 << 20) // len(line))
    rows = 0
    with (folder / "episodes.csv").open("w", newline="") as episodes:
        if line_breaks:
            episodes.write(EPISODE_COLUMNS + "\r\n")
        while episodes.tell() < size:
            episodes.write(block)
            rows += block.count("\n") if line_breaks else 0
    (folder / "header.csv").write_text(f"{HEADER_COLUMNS}\r\n1001,1,01/05/2010,WBRI,A123456789012,,\r\n")
    return rows


def write_ssda903_xml(folder: Path, size: int) -> int:
    """return.xml: the fake return's <CHILD> elements repeated up to `size` bytes; returns its episodes."""
    fake = FAKE_903_XML.read_bytes()
    children = fake[fake.index(b"<CHILD>") : fake.rindex(b"</EXPSSDA903>")]
    copies = 0
    with (folder / "return.xml").open("wb") as xml:
        xml.write(b"<?xml version='1.0' encoding='us-ascii'?>\n<EXPSSDA903>")
        while xml.tell() < size:
            xml.write(children)
            copies += 1
        xml.write(b"</EXPSSDA903>\n")
    return copies * children.count(b"<EPISODE>")


def ingest_in_a_process(folder: Path, url: str) -> tuple[int, float, float, str]:
    """`csc ingest` of the folder: (peak RSS in MB, wall seconds, CPU seconds, its last line)."""
    csc = str(Path(sys.executable).parent / "csc")
    env = {**os.environ, "CSC_WAREHOUSE_URL": url}
    started = time.monotonic()
    with open(folder.parent.parent / f"ingest-{folder.parent.name}.log", "w+") as log:
        process = subprocess.Popen([csc, "ingest", str(folder)], env=env, stdout=log, stderr=subprocess.STDOUT)
        _pid, _status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(_status)
        log.seek(0)
        last_line = (log.read().strip().splitlines() or [""])[-1]
    seconds = time.monotonic() - started
    return usage.ru_maxrss // 1024, seconds, usage.ru_utime + usage.ru_stime, last_line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=5_000_000)
    parser.add_argument("--repeated-bytes", type=int, default=1 << 30)
    parser.add_argument("--one-line-bytes", type=int, default=1 << 30)
    parser.add_argument("--xml-bytes", type=int, default=200_000_000)
    args = parser.parse_args()

    from csc_warehouse import warehouse
    from csc_warehouse.embedded import EmbeddedWarehouse

    with tempfile.TemporaryDirectory(prefix="csc-bench-memory-") as temporary:
        work = Path(temporary)
        server = EmbeddedWarehouse(work / "state")
        url = server.start()
        try:
            warehouse.migrate(url)
            figures = {}
            cases = (
                ("episodes_5m", "401", lambda folder: generate(folder, args.episodes)[0]),
                ("repeated_line_1gb", "402", lambda folder: write_repeated_line(folder, args.repeated_bytes)),
                ("one_line_1gb", "403", lambda folder: write_repeated_line(folder, args.one_line_bytes, False)),
                ("ssda903_xml_200mb", "404", lambda folder: write_ssda903_xml(folder, args.xml_bytes)),
            )
            for name, la_code, write in cases:
                if (name == "ssda903_xml_200mb" and not args.xml_bytes) or (
                    name == "one_line_1gb" and not args.one_line_bytes
                ):
                    continue
                folder = work / "landing" / la_code / "2024-03-31"
                folder.mkdir(parents=True)
                rows = write(folder)
                size_mb = sum(path.stat().st_size for path in folder.iterdir()) / (1 << 20)
                print(f"{name}: {rows:,} episode rows, {size_mb:,.0f} MB in the delivery; ingesting", flush=True)
                rss_mb, seconds, cpu, last_line = ingest_in_a_process(folder, url)
                verdict = "under" if rss_mb < TARGET_MB else "OVER"
                print(
                    f"  peak RSS {rss_mb} MB ({verdict} {TARGET_MB} MB), {seconds:.0f} s wall, {cpu:.0f} CPU-s;"
                    f" csc ingest said: {last_line}",
                    flush=True,
                )
                figures[name] = rss_mb
                for path in folder.iterdir():
                    path.unlink()  # the disk back before the next file
        finally:
            server.stop()
    print("peak_rss_mb " + " ".join(f"{name}={mb}" for name, mb in figures.items()))


if __name__ == "__main__":
    main()
