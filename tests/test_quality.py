import pytest

from csc_warehouse import quality


def test_every_suite_loads_with_all_its_expectations():
    suites = quality.load_suites()
    assert suites, "expectations/ holds no suite"
    for suite in suites:
        import yaml

        written = yaml.safe_load(suite.path.read_text())["expectations"]
        assert len(suite.expectations) == len(written), suite.name


def test_an_expectation_without_a_severity_is_refused(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("table: t\nexpectations:\n  - name: x\n    why: y\n    sql: select * from {batch}\n")
    with pytest.raises(quality.SuiteError, match="severity"):
        quality.load_suite(path)


def test_an_unknown_great_expectations_class_is_refused(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("table: t\nexpectations:\n  - name: x\n    why: y\n    severity: warn\n"
                    "    expectation: ExpectTheUnexpected\n")
    with pytest.raises(quality.SuiteError, match="not a Great Expectations expectation"):
        quality.load_suite(path)


def test_a_misspelt_key_is_refused_rather_than_dropped(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("table: t\nexpectations:\n  - name: x\n    why: y\n    severity: warn\n"
                    "    sql: select * from {batch}\n    severty: block\n")
    with pytest.raises(quality.SuiteError, match="unknown keys"):
        quality.load_suite(path)
