"""Demo deliveries: six weekly extracts for one authority that reproduce a real committee report.

Real case records never leave an authority, yet the warehouse needs data to demonstrate and to be
tested end to end. This package invents an authority (Haringey's code, 309) and writes what its
case-management system would drop each Monday from 6 January to 10 February 2014: the SSDA903
Header and Episodes tables and the Children in Need census XML (referrals, assessments, section 47
enquiries, CIN plans and the child protection plans), each a full snapshot as at its extract date
(data contract, section 1).

The figures are decided, not left to chance. The scenario says who is looked after and who is on a
plan on each Monday, how many children start and leave care in each week, and so on (the table
`WEEKLY_MOVEMENTS` in `story`, anchored on the committee report: 164, 184 and 192 children on a
plan, 533 looked after, 40 about to turn 18). Random choices only dress those decisions in dates and
codes, so `intended_figures` can report them from the construction itself, while the tests
recompute them from the written files with the contract's definitions.

One module per story: `people` (children, ids, UPNs, postcodes), `placements`, `periods` (episodes),
`looked_after` (in care, starting, leaving), `short_stays` (police protection, short breaks),
`plans` (CP plans), `children_in_need` (the referrals around the plans, and the front door's other
work); `scenario` tells them in order, `files` writes the delivery CSVs and `census` the census XML. The audits:
`audit` (the domestic abuse re-audit of February), `multi_agency_audit` (section 47, three agencies),
`audit_programme` (the programme for 2013/14, January's domestic abuse audit and its action plan). Everything
is drawn from one seeded `Dice`, in a fixed order, and written sorted: the same seed gives
byte-identical files, and writing again overwrites them with the same bytes.
"""

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from csc_warehouse.demo import audit, audit_programme
from csc_warehouse.demo.children_in_need import children_in_need
from csc_warehouse.demo.dates import eighteenth_birthday, extract_window_start, turning_18_window_end
from csc_warehouse.demo.files import write_delivery
from csc_warehouse.demo.scenario import build_scenario
from csc_warehouse.demo.story import DEMO_LA_CODE, DEMO_WEEKS, WEEKLY_MOVEMENTS, WeekFigures, WeekMovements

__all__ = [
    "DEMO_LA_CODE",
    "DEMO_WEEKS",
    "WEEKLY_MOVEMENTS",
    "WeekFigures",
    "WeekMovements",
    "eighteenth_birthday",
    "extract_window_start",
    "generate",
    "intended_figures",
    "turning_18_window_end",
]


def generate(
    landing_dir: Path, la_code: str = DEMO_LA_CODE, weeks: Sequence[date] = DEMO_WEEKS, seed: int = 309
) -> dict[date, WeekFigures]:
    """Write one delivery folder per week under `landing_dir/<la_code>/<YYYY-MM-DD>/`.

    Returns the figures each delivery was built to give. Files are overwritten, never appended to,
    so running twice leaves the same bytes.
    """
    scenario = build_scenario(la_code, weeks, seed)
    in_need = children_in_need(scenario, seed)
    for extract_date in scenario.figures:
        write_delivery(Path(landing_dir) / la_code / extract_date.isoformat(), scenario, extract_date, in_need, la_code)
    # The domestic abuse audit arrives with the first delivery after it was done.
    audit_week = next((week for week in scenario.figures if week >= audit.AUDIT_DATE), None)
    if audit_week is not None:
        audit.write_audit_return(Path(landing_dir) / la_code / audit_week.isoformat(), la_code)
    audit_programme.write_audit_files(landing_dir, la_code, scenario.figures)
    return scenario.figures


def intended_figures(
    la_code: str = DEMO_LA_CODE, weeks: Sequence[date] = DEMO_WEEKS, seed: int = 309
) -> dict[date, WeekFigures]:
    """The figures `generate` would return, without writing anything."""
    return build_scenario(la_code, weeks, seed).figures
