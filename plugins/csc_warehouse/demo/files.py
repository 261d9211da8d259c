"""Writing a delivery: the Header and Episodes CSV files and the CIN census XML (with the CP plans) as
the extract on a date shows them."""

import csv
import io
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from csc_warehouse import tables
from csc_warehouse.demo.census import CENSUS_FILE, write_census
from csc_warehouse.demo.children_in_need import ChildrenInNeed
from csc_warehouse.demo.dates import extract_window_start
from csc_warehouse.demo.scenario import Scenario

# The demo writes the tables as the door reads them: one list of columns, in tables.
HEADER_COLUMNS = tables.SSDA903_HEADER.columns
EPISODE_COLUMNS = tables.SSDA903_EPISODES.columns
DATE_FORMAT = "%d/%m/%Y"


def write_delivery(folder: Path, scenario: Scenario, extract_date: date, in_need: ChildrenInNeed, la_code: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    episodes = episode_rows(scenario, extract_date)
    write_csv(folder / "header.csv", HEADER_COLUMNS, header_rows(scenario, {row[0] for row in episodes}))
    write_csv(folder / "episodes.csv", EPISODE_COLUMNS, episodes)
    write_census(folder / CENSUS_FILE, in_need, la_code, extract_date)


def episode_rows(scenario: Scenario, extract_date: date) -> list[list[str]]:
    """Episodes as the extract shows them: begun by the extract date, not ended before 1 April.

    An episode that ends after the extract date had not ended when the extract was taken, so it is
    shown open (no DEC, REC or reason for a placement change): the next delivery shows the ending.
    """
    window_start = extract_window_start(extract_date)
    rows = []
    for episode in sorted(scenario.episodes, key=lambda e: (e.child_id, e.decom)):
        if episode.decom > extract_date or (episode.dec and episode.dec < window_start):
            continue
        ended = episode.dec is not None and episode.dec <= extract_date
        placement = episode.placement
        rows.append(
            [
                episode.child_id,
                _format(episode.decom),
                episode.rne,
                episode.legal_status,
                episode.cin,
                placement.place,
                placement.provider,
                _format(episode.dec) if ended else "",
                episode.rec if ended else "",
                episode.reason_place_change if ended else "",
                episode.home_post,
                placement.postcode,
                placement.urn,
            ]
        )
    return rows


def header_rows(scenario: Scenario, child_ids: set[str]) -> list[list[str]]:
    """One Header row for each child with an episode in the delivery, and no one else."""
    rows = []
    for child_id in sorted(child_ids):
        child = scenario.children[child_id]
        rows.append(
            [child_id, child.sex, _format(child.dob), child.ethnic, child.upn, child.mother, _format(child.mc_dob)]
        )
    return rows


def write_csv(path: Path, columns: Sequence[str], rows: list[list[str]]) -> None:
    """UTF-8 without a byte-order mark, \\n line ends: the same rows always give the same bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))


def _format(day: date | None) -> str:
    return day.strftime(DATE_FORMAT) if day else ""
