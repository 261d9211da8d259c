"""The SSDA903 XML return read into the CSV tables."""

import pytest
from loading_fixtures import VALIDATOR_903

from csc_warehouse.readers import ReaderError, read_file

RETURN = """<?xml version="1.0"?>
<EXPSSDA903>
  <CHILD>
    <HEADER>
      <CHILDID>1001</CHILDID><UPN>A123</UPN><SEX>1</SEX><DOB>01/05/2010</DOB><ETHNIC>WBRI</ETHNIC>
      <UASC>1</UASC><DUC>01/05/2028</DUC>
      <AMISSING>
        <MISSING>M</MISSING><MIS_START>01/02/2016</MIS_START><MIS_END>03/02/2016</MIS_END>
      </AMISSING>
      <AREVIEW><REVIEW>01/03/2016</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW>
      <AREVIEW><REVIEW>01/09/2016</REVIEW><REVIEW_CODE>PN2</REVIEW_CODE></AREVIEW>
      <MOTHER /><MC_DOB />
      <PERMANENCE><PREV_PERM>Z1</PREV_PERM></PERMANENCE>
      <FUTURE_GROUP><X>1</X></FUTURE_GROUP>
    </HEADER>
    <EPISODE><DECOM>01/04/2015</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U4</PL><DEC /><REC /></EPISODE>
  </CHILD>
  <CHILD>
    <HEADER>
      <CHILDID>1002</CHILDID><UPN /><SEX>2</SEX><DOB>15/09/2012</DOB><ETHNIC>MWBC</ETHNIC><UASC />
    </HEADER>
  </CHILD>
</EXPSSDA903>
"""


def sources_of(tmp_path, text: str, name="return.xml") -> dict:
    path = tmp_path / name
    path.write_text(text)
    return {source.sheet or source.file_name: source for source in read_file(path)}


def test_each_table_the_return_holds_is_a_source(tmp_path):
    sources = sources_of(tmp_path, RETURN)
    assert sorted(sources) == ["Episodes", "Header", "Missing", "PrevPerm", "Reviews", "UASC"]
    assert list(sources["Header"].rows()) == [
        (1, ["1001", "1", "01/05/2010", "WBRI", "A123", None, None]),
        (2, ["1002", "2", "15/09/2012", "MWBC", None, None, None]),
    ]
    assert list(sources["Episodes"].rows()) == [
        (1, ["1001", "01/04/2015", "S", "C2", "N1", "U4", None, None, None, None, None, None, None])
    ]
    assert [values for _, values in sources["Reviews"].rows()] == [
        ["1001", "01/05/2010", "01/03/2016", "PN1"],
        ["1001", "01/05/2010", "01/09/2016", "PN2"],
    ]
    assert list(sources["UASC"].rows()) == [(1, ["1001", "1", "01/05/2010", "01/05/2028"])]
    assert sources["Episodes"].row_label == "CHILD element"


def test_elements_the_reader_does_not_know_are_named_in_a_warning(tmp_path):
    assert sources_of(tmp_path, RETURN)["Header"].warnings == ["elements not read: FUTURE_GROUP"]


def test_a_return_without_episodes_still_has_an_episodes_table(tmp_path):
    return_without_episodes = "<EXPSSDA903><CHILD><HEADER><CHILDID>1</CHILDID></HEADER></CHILD></EXPSSDA903>"
    sources = sources_of(tmp_path, return_without_episodes)
    assert sorted(sources) == ["Episodes", "Header"] and list(sources["Episodes"].rows()) == []


def test_other_xml_is_ignored(tmp_path):
    [source] = sources_of(tmp_path, "<Message><Header/></Message>", name="cin.xml").values()
    assert source.table is None and "<Message>" in source.warnings[0]


def test_xml_that_is_not_well_formed_cannot_be_read(tmp_path):
    with pytest.raises(ReaderError) as raised:
        sources_of(tmp_path, "<EXPSSDA903>\n<CHILD><HEADER>\n<CHILDID>1</CHI")
    assert (raised.value.problem.rule, raised.value.problem.row) == ("unreadable-file", 3)


def test_the_validators_fake_return_has_253_children_and_459_episodes():
    sources = {source.sheet: source for source in read_file(VALIDATOR_903 / "fake_903.xml")}
    assert len(list(sources["Header"].rows())) == 253
    assert len(list(sources["Episodes"].rows())) == 459
