from datetime import date

import pytest

from csc_warehouse import landing


def make_delivery(root, la_code, day, files=("episodes.csv",)):
    folder = root / la_code / day
    folder.mkdir(parents=True)
    for name in files:
        (folder / name).write_text("CHILD\n1\n")
    return folder


def test_the_week_of_as_at_is_the_seven_days_ending_on_it():
    assert landing.week_of(date(2014, 2, 10)) == (date(2014, 2, 4), date(2014, 2, 10))


def test_only_deliveries_dated_in_the_week_of_as_at_are_found(tmp_path):
    for day in ("2014-02-03", "2014-02-04", "2014-02-10", "2014-02-11"):
        make_delivery(tmp_path, "309", day)
    found = landing.find_deliveries(tmp_path, as_at=date(2014, 2, 10))
    assert [d.extract_date.isoformat() for d in found] == ["2014-02-04", "2014-02-10"]


def test_folders_that_are_not_la_code_and_date_are_skipped(tmp_path):
    make_delivery(tmp_path, "309", "2014-02-10")
    make_delivery(tmp_path, "haringey", "2014-02-10")
    make_delivery(tmp_path, "310", "10-02-2014")
    assert [d.label for d in landing.find_deliveries(tmp_path)] == ["309/2014-02-10"]


def test_the_same_bytes_give_the_same_version_and_other_bytes_another(tmp_path):
    folder = make_delivery(tmp_path, "309", "2014-02-10", files=("a.csv", "b.csv"))
    first = landing.delivery_at(folder).version_sha256()
    assert landing.delivery_at(folder).version_sha256() == first
    (folder / "b.csv").write_text("CHILD\n2\n")
    assert landing.delivery_at(folder).version_sha256() != first


def test_a_delivery_folder_must_be_named_la_code_and_date(tmp_path):
    folder = tmp_path / "309" / "2014-02-30"
    folder.mkdir(parents=True)
    with pytest.raises(landing.LandingError, match="not a calendar date"):
        landing.delivery_at(folder)


def test_ingest_path_accepts_a_delivery_an_authority_or_the_root(tmp_path):
    make_delivery(tmp_path, "309", "2014-02-10")
    make_delivery(tmp_path, "310", "2014-02-10")
    assert len(landing.find_under(tmp_path)) == 2
    assert len(landing.find_under(tmp_path / "309")) == 1
    assert len(landing.find_under(tmp_path / "309" / "2014-02-10")) == 1


def test_deliveries_are_batched_by_authority_keeping_each_authoritys_deliveries_together_in_order(tmp_path):
    for la_code, day in [("309", "2014-02-04"), ("310", "2014-02-05"), ("311", "2014-02-06"), ("309", "2014-02-07")]:
        (tmp_path / la_code / day).mkdir(parents=True)
    deliveries = landing.find_deliveries(tmp_path, as_at=date(2014, 2, 10))
    batches = landing.in_batches(deliveries, authorities_per_batch=2)
    assert [[delivery.label for delivery in batch] for batch in batches] == [
        ["309/2014-02-04", "310/2014-02-05", "309/2014-02-07"],
        ["311/2014-02-06"],
    ]
    assert landing.in_batches([], authorities_per_batch=2) == []
