"""A return's records one at a time, and a record inside another refused rather than read with rows lost."""

from pathlib import Path

import pytest

from csc_warehouse.readers import ReaderError
from csc_warehouse.readers.xml_records import RULE, records

BROKEN = Path(__file__).parents[1] / "fixtures" / "broken"


def test_records_come_one_at_a_time_by_position_in_any_namespace(tmp_path):
    census = tmp_path / "census.xml"
    census.write_text(
        '<Message xmlns="http://www.dcsf.gov.uk/schemas/CIN"><Children>'
        "<Child><Id>A1</Id></Child><Child><Id>A2</Id></Child><Child><Id>A3</Id></Child>"
        "</Children></Message>"
    )
    assert [(ordinal, child.findtext("{*}Id")) for ordinal, child in records(census, "Child")] == [
        (1, "A1"),
        (2, "A2"),
        (3, "A3"),
    ]


@pytest.mark.parametrize(
    ("name", "tag", "line", "outer_line"),
    [("nested_child_903.xml", "CHILD", 8, 3), ("nested_child_cin.xml", "Child", 11, 8)],
)
def test_a_record_inside_another_is_refused_at_its_line(name, tag, line, outer_line):
    with pytest.raises(ReaderError) as refused:
        list(records(BROKEN / name, tag))
    problem = refused.value.problem
    assert (problem.rule, problem.row, problem.column) == (RULE, line, None)
    assert refused.value.row_label == "line"
    assert problem.message.startswith(f"a <{tag}> inside the <{tag}> that opens on line {outer_line}:")
