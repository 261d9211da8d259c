"""XML with a document type declaration is refused before anything of it is parsed (readers/xml_safety.py).

The billion laughs and the external entity are in tests/fixtures/broken and quarantine their delivery
(tests/test_loading.py); here, what the refusal reads and what it lets through.
"""

import pytest
from loading_fixtures import BROKEN, LIIA_CIN, VALIDATOR_903

from csc_warehouse.readers import ReaderError, read_file

LAUGHS = "".join(f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">\n' for n in range(1, 10))


def refusal(path) -> tuple:
    with pytest.raises(ReaderError) as raised:
        read_file(path)
    problem = raised.value.problem
    return problem.rule, problem.row, raised.value.row_label


def test_the_billion_laughs_is_refused_at_its_doctype_line():
    assert refusal(BROKEN / "billion_laughs_903.xml") == ("xml-dtd", 2, "line")


def test_an_external_entity_is_refused_and_never_read():
    assert refusal(BROKEN / "external_entity_cin.xml") == ("xml-dtd", 2, "line")


def test_a_dtd_is_refused_before_its_declarations_are_read(tmp_path):
    # Declarations that are not even well-formed: the refusal stops at <!DOCTYPE and never meets them.
    path = tmp_path / "return.xml"
    path.write_text('<?xml version="1.0"?>\n\n<!DOCTYPE EXPSSDA903 [\n<!ENTITY lol0 "lol"\n<!ENTITY <<<')
    assert refusal(path) == ("xml-dtd", 3, "line")


def test_a_utf16_billion_laughs_is_refused_too(tmp_path):
    path = tmp_path / "return.xml"
    text = f'<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE EXPSSDA903 [\n<!ENTITY lol0 "lol">\n{LAUGHS}]>'
    path.write_bytes(
        (text + "<EXPSSDA903><CHILD><HEADER><CHILDID>&lol9;</CHILDID></HEADER></CHILD></EXPSSDA903>").encode("utf-16")
    )
    assert refusal(path) == ("xml-dtd", 2, "line")


def test_an_undeclared_entity_is_not_well_formed(tmp_path):
    path = tmp_path / "return.xml"
    path.write_text("<EXPSSDA903>\n<CHILD><HEADER><CHILDID>&lol9;</CHILDID></HEADER></CHILD></EXPSSDA903>")
    assert refusal(path) == ("unreadable-file", 2, "line")


@pytest.mark.parametrize("path", [VALIDATOR_903 / "fake_903.xml", LIIA_CIN], ids=["ssda903", "cin"])
def test_returns_without_a_dtd_are_read(path):
    assert all(source.table is not None for source in read_file(path))
