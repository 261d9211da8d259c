"""The Redis port of one `csc airflow start` is chosen once: Redis is launched and waited for on the
port the broker URL names, even after Redis holds it (a new choice would then see it taken)."""

import socket

from csc_warehouse import celery_services


def test_the_chosen_port_stays_the_port_once_redis_holds_it(tmp_path, monkeypatch):
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    chosen = celery_services.redis_port(in_use=False)  # the broker URL's port

    with socket.socket() as redis:  # Redis, started on it, now holds it
        redis.bind(("127.0.0.1", chosen))
        redis.listen()

        assert celery_services.chosen_redis_port() == chosen
        # What a second choice would have done, which is why launch and wait no longer choose.
        assert celery_services.redis_port(in_use=False) != chosen
