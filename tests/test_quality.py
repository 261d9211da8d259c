import pytest
import yaml
from loading_fixtures import SPECS

from csc_warehouse import quality


def test_every_suite_file_loads_with_its_full_count_of_expectations():
    import great_expectations as gx

    gx.get_context(mode="ephemeral")
    suites = quality.load_suites()
    assert {suite.name for suite in suites} >= {"ssda903_episodes", "ssda903_header", "lac_weekly"}
    for suite in suites:
        written = yaml.safe_load(suite.path.read_text())["expectations"]
        assert len(suite.expectations) == len(written), suite.name
        values = {**quality.suite_parameters(suite), "version": 1, "as_at": "date '2014-02-10'"}
        gx_suite = quality.gx_suite_for(suite, values)
        assert len(gx_suite.expectations) == len(written), suite.name
        assert all(e.meta["severity"] in ("block", "warn") for e in gx_suite.expectations)


def test_every_expectation_says_why_and_which_dfe_rule_it_mirrors_where_it_does():
    rules = {line.split(",", 1)[0] for line in (SPECS / "903_2024_25_rule_info.csv").open()}
    for suite in quality.load_suites():
        for expectation in suite.expectations:
            assert expectation.why, (suite.name, expectation.name)
            if expectation.rule and suite.name.startswith("ssda903"):
                assert expectation.rule in rules, (suite.name, expectation.name, expectation.rule)


def test_an_expectation_without_a_severity_is_refused(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("table: t\nexpectations:\n  - name: x\n    why: y\n    sql: select * from {batch}\n")
    with pytest.raises(quality.SuiteError, match="severity"):
        quality.load_suite(path)


def test_an_unknown_great_expectations_class_is_refused(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text(
        "table: t\nexpectations:\n  - name: x\n    why: y\n    severity: warn\n    expectation: ExpectTheUnexpected\n"
    )
    with pytest.raises(quality.SuiteError, match="not a Great Expectations expectation"):
        quality.load_suite(path)


def test_a_misspelt_key_is_refused_rather_than_dropped(tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text(
        "table: t\nexpectations:\n  - name: x\n    why: y\n    severity: warn\n"
        "    sql: select * from {batch}\n    severty: block\n"
    )
    with pytest.raises(quality.SuiteError, match="unknown keys"):
        quality.load_suite(path)
