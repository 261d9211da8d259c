"""A CIN census as the DfE CIN validator's tables (what its `convert_data` returns), with the <Child>
each row came from.

The validator's own converter (cin_validator.ingress.XMLtoCSV) makes a DataFrame of each child's rows
and concatenates it onto every table, a child at a time: four fifths of a check's time on a census of a
thousand children (10 of 13 CPU-s for the demo's). This walks the census the same way, in the same
order, with the same values (an element's text, None for an empty element, pd.NA for a missing one),
collects each table's rows as dicts and concatenates once onto the library's own empty table, so the
columns and their types are the library's. tests/returns/test_cin_tables.py holds the tables equal to
XMLtoCSV's, frame for frame, on the public censuses and the demo's: a new validator release must pass it.

Runs in the validators' environment only: pandas and cin_validator are imported inside the function.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree import ElementTree

# The ids the library numbers itself within a child (CINdetailsID, AssessmentID, CPPID) or carries down
# (LAchildID): never read from an element of the block.
ID_COLUMNS = ("LAchildID", "CINdetailsID", "AssessmentID", "CPPID")


@dataclass(frozen=True)
class ChildPositions:
    """For each validator table, the <Child> each of its rows was read from (1-based); and each child's
    LAchildID as the file holds it (None when it has none)."""

    child_of_row: dict[str, list[int]]
    child_ids: list[str | None]

    def origin(self, table: str | None, row: int | None) -> tuple[int | None, str | None]:
        """The <Child> position and LAchildID of a row of a table (None, None for the header)."""
        rows = self.child_of_row.get(table or "") or []
        if row is None or not 0 <= row < len(rows):
            return None, None
        position = rows[row]
        return position, self.child_ids[position - 1]


class _Census:
    """The rows of every table, as dicts, and the position of the child each came from."""

    def __init__(self, names: list[str], columns: dict[str, list[str]], missing):
        self.rows: dict[str, list[dict]] = {name: [] for name in names}
        self.child_of_row: dict[str, list[int]] = {name: [] for name in names}
        self.child_ids: list[str | None] = []
        # The tables the library would have concatenated onto, rows or none: their index is a RangeIndex.
        self.touched: set[str] = set()
        self.missing = missing  # pd.NA, as the library's get_values gives for an absent element
        # What each table reads from its block: all but the ids, except ChildIdentifiers, whose LAchildID it is.
        self.read = {name: [c for c in table_columns if c not in ID_COLUMNS] for name, table_columns in columns.items()}
        self.read["ChildIdentifiers"] = columns["ChildIdentifiers"]
        self.position = 0
        self.details_id = 0  # the library's CINdetailsID and CPPID outlive the block that numbers them
        self.plan_id = 0

    def add(self, table: str, ids: dict, block) -> dict:
        row = dict(ids)
        for column in self.read[table]:
            found = block.find(column) if block is not None else None
            row[column] = found.text if found is not None else self.missing
        self.rows[table].append(row)
        self.child_of_row[table].append(self.position)
        return row

    def child(self, child: ElementTree.Element) -> None:
        self.position += 1
        self.touched |= {"ChildIdentifiers", "ChildCharacteristics", "CINdetails", "ChildProtectionPlans", "Reviews"}
        identifiers = self.add("ChildIdentifiers", {}, child.find("ChildIdentifiers"))
        child_id = identifiers["LAchildID"]
        self.child_ids.append(child_id if isinstance(child_id, str) else None)
        characteristics = child.find("ChildCharacteristics")
        self.add("ChildCharacteristics", {"LAchildID": child_id}, characteristics)
        disabilities = characteristics.find("Disabilities")  # no ChildCharacteristics fails, as in the library
        if disabilities is not None:
            self.touched.add("Disabilities")
        for disability in disabilities if disabilities is not None else ():
            self.add("Disabilities", {"LAchildID": child_id}, disability)["Disability"] = disability.text
        # A child's CINdetails rows follow the rows nested in them (the library appends them last).
        details = []
        self.details_id = 0
        for detail in child.findall("CINdetails"):
            self.details_id += 1
            self.touched |= {"Assessments", "CINplanDates", "Section47"}
            ids = {"LAchildID": child_id, "CINdetailsID": self.details_id}
            details.append((ids, detail))
            self.assessments(ids, detail)
            for table, element in (("CINplanDates", "CINPlanDates"), ("Section47", "Section47")):
                for block in detail.findall(element):
                    self.add(table, ids, block)
            self.plans(ids, detail)
        for ids, detail in details:
            self.add("CINdetails", ids, detail)
        # The library also looks for plans and reviews directly under <Child> (the schema has none).
        self.plans({"LAchildID": child_id, "CINdetailsID": self.details_id}, child)
        self.reviews({"LAchildID": child_id, "CINdetailsID": self.details_id, "CPPID": self.plan_id}, child)

    def assessments(self, ids: dict, detail: ElementTree.Element) -> None:
        for number, assessment in enumerate(detail.findall("Assessments"), start=1):
            assessment_ids = {**ids, "AssessmentID": number}
            row = self.add("Assessments", assessment_ids, assessment)
            factors = assessment.find("FactorsIdentifiedAtAssessment")
            if factors is not None and len(factors):
                self.touched.add("AssessmentFactorsList")
                for factor in factors:
                    self.add("AssessmentFactorsList", assessment_ids, factor)["AssessmentFactor"] = factor.text
                row["AssessmentFactors"] = [factor.text for factor in factors]

    def plans(self, ids: dict, parent: ElementTree.Element) -> None:
        self.plan_id = 0
        for plan in parent.findall("ChildProtectionPlans"):
            self.plan_id += 1
            plan_ids = {**ids, "CPPID": self.plan_id}
            self.add("ChildProtectionPlans", plan_ids, plan)
            self.reviews(plan_ids, plan)

    def reviews(self, ids: dict, parent: ElementTree.Element) -> None:
        for review in parent.findall("Reviews[CPPreviewDate]"):
            self.add("Reviews", ids, review)


def census_tables(root: ElementTree.Element) -> tuple[dict, ChildPositions]:
    """cin_validator.convert_data's tables of a parsed census, and the <Child> each of their rows came from."""
    import pandas as pd
    from cin_validator.ingress import XMLtoCSV
    from cin_validator.rule_engine import CINTable

    names = [table.name for table in CINTable if table.name != "Header"]
    empty = {name: getattr(XMLtoCSV, name) for name in names}
    census = _Census(names, {name: list(frame.columns) for name, frame in empty.items()}, pd.NA)
    for child in root.find("Children").findall("Child"):
        census.child(child)
    converter = XMLtoCSV.__new__(XMLtoCSV)  # only for its header: one row, made as the library makes it
    tables = {"Header": converter.create_Header(root.find("Header"))}
    for name in names:
        if name in census.touched:
            tables[name] = pd.concat([empty[name], pd.DataFrame(census.rows[name])], ignore_index=True)
        else:
            tables[name] = empty[name].copy()
    return tables, ChildPositions(census.child_of_row, census.child_ids)
