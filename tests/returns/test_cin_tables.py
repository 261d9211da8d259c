"""returns.cin_tables makes the tables the DfE CIN validator's own converter makes, frame for frame.

The comparison runs in the validators' interpreter (pandas 1.5 and cin_validator): on each public census
the repository holds and on a demo week's census, every table of cin_tables.census_tables equals
cin_validator.ingress.XMLtoCSV's (values, NA, column order and types), and each row's <Child> is the one
the library's converter was reading when it added the row."""

import json
from pathlib import Path

from validator_fixtures import validators_python

from csc_warehouse import demo

CENSUSES = Path(__file__).parents[1] / "fixtures" / "peer_samples" / "csc-validator-be-cin" / "fake_data"

COMPARE = """
import json, sys
from xml.etree import ElementTree

import pandas as pd
from cin_validator.ingress import XMLtoCSV
from cin_validator.rule_engine import CINTable

from csc_warehouse.returns.cin_tables import census_tables

names = [table.name for table in CINTable]


class Positioned(XMLtoCSV):
    # The library's converter, counting each table's rows around each child it adds.
    def __init__(self, root):
        self.child_of_row = {name: [] for name in names}
        self.children = 0
        super().__init__(root)

    def create_child(self, child):
        before = {name: len(getattr(self, name)) for name in names}
        super().create_child(child)
        self.children += 1
        for name in names:
            self.child_of_row[name] += [self.children] * (len(getattr(self, name)) - before[name])


found = {}
for path in sys.argv[1:]:
    root = ElementTree.parse(path).getroot()
    theirs = Positioned(root)
    ours, positions = census_tables(root)
    differences = []
    for name in names:
        try:
            pd.testing.assert_frame_equal(ours[name], getattr(theirs, name))
        except AssertionError as error:
            differences.append(f"{name}: {error}")
        if name != "Header" and positions.child_of_row[name] != theirs.child_of_row[name]:
            differences.append(f"{name}: rows come from other children")
    found[path] = {"differences": differences, "rows": sum(len(ours[name]) for name in names)}
print(json.dumps(found))
"""


def test_the_census_tables_equal_the_validators_own_on_every_public_census_and_the_demos(tmp_path):
    demo.generate(tmp_path, weeks=demo.DEMO_WEEKS[:1])
    [demo_census] = tmp_path.rglob("cin_census.xml")
    censuses = [*sorted(CENSUSES.glob("*.xml")), demo_census]
    compared = json.loads(validators_python("-c", COMPARE, *map(str, censuses)))
    assert {path: result["differences"] for path, result in compared.items()} == {str(path): [] for path in censuses}
    assert compared[str(demo_census)]["rows"] > 3000  # the demo's census: a thousand children and their records
