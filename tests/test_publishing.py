"""Publication swaps whole tables in one transaction: readers see old or new, never an error."""

import threading

import psycopg
import pytest

from csc_warehouse import access, publishing

PROBE = "publication_probe"


def build_probe(url, rows_by_la):
    with psycopg.connect(url) as conn:
        conn.execute(f"drop table if exists build.{PROBE}")
        conn.execute(f"create table build.{PROBE} (la_code text, as_at date, figure int)")
        for la_code, figure in rows_by_la.items():
            conn.execute(f"insert into build.{PROBE} values (%s, date '2014-02-10', %s)", [la_code, figure])


def published(url, table=PROBE):
    with psycopg.connect(url) as conn:
        return dict(conn.execute(f"select la_code, figure from reporting.{table} order by la_code").fetchall())


@pytest.fixture
def probe(warehouse_url):
    yield warehouse_url
    with psycopg.connect(warehouse_url) as conn:
        for schema in ("build", "reporting", "reporting_previous"):
            conn.execute(f"drop table if exists {schema}.{PROBE}")


def test_a_reader_never_sees_an_error_while_tables_are_published(probe):
    build_probe(probe, {"309": 1, "310": 1})
    publishing.publish("first", tables=[PROBE], url=probe)
    errors, reads, stop = [], [], threading.Event()

    def keep_reading():
        with psycopg.connect(probe, autocommit=True) as reader:
            while not stop.is_set():
                try:
                    reads.append(reader.execute(f"select sum(figure) from reporting.{PROBE}").fetchone()[0])
                except psycopg.Error as error:
                    errors.append(error)

    reader = threading.Thread(target=keep_reading)
    reader.start()
    try:
        for figure in range(2, 22):
            build_probe(probe, {"309": figure, "310": figure})
            publishing.publish(f"run-{figure}", tables=[PROBE], url=probe)
    finally:
        stop.set()
        reader.join()
    assert errors == []
    assert len(reads) > 20
    # Every read saw one whole published version: both authorities with the same figure.
    assert all(total % 2 == 0 for total in reads)
    assert published(probe) == {"309": 21, "310": 21}


def test_kept_authorities_keep_their_published_rows_while_others_publish(probe):
    build_probe(probe, {"309": 1, "310": 1})
    publishing.publish("first", tables=[PROBE], url=probe)
    build_probe(probe, {"309": 2, "310": 2})
    publishing.publish("second", tables=[PROBE], kept_la_codes=["309"], url=probe)
    assert published(probe) == {"309": 1, "310": 2}


def test_rollback_puts_the_previous_version_back(probe):
    build_probe(probe, {"309": 1})
    publishing.publish("first", tables=[PROBE], url=probe)
    build_probe(probe, {"309": 2})
    publishing.publish("second", tables=[PROBE], url=probe)
    publishing.rollback(url=probe)
    assert published(probe) == {"309": 1}


def test_an_analyst_reads_reporting_but_not_raw(probe):
    build_probe(probe, {"309": 1})
    publishing.publish("first", tables=[PROBE], url=probe)
    access.grant_analyst("probe_analyst_309", ["309"], url=probe)  # analysts read their authorities' rows
    with psycopg.connect(probe) as conn:
        conn.execute("set role probe_analyst_309")
        assert conn.execute(f"select figure from reporting.{PROBE}").fetchone() == (1,)
        assert conn.execute("select count(*) from dq.deliveries").fetchone()[0] >= 0
    for forbidden in ("raw.ssda903_episodes", "ledger.delivery_versions", f"build.{PROBE}"):
        with psycopg.connect(probe) as conn:
            conn.execute("set role csc_analyst")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select * from {forbidden} limit 1")
