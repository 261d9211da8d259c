"""The Airflow pools the DAGs name, created or resized where a deployment starts: `csc airflow start`,
and `csc airflow pools` (docker-compose's airflow-init). The scheduler never queues a task whose pool
does not exist. `dag.test()` (`csc run-week`) needs none: it runs each task itself, one at a time, with
no scheduler or executor, so a pool neither limits nor stops it.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from csc_warehouse import settings

AIRFLOW = str(Path(sys.executable).parent / "airflow")


@dataclass(frozen=True)
class Pool:
    name: str
    slots: int
    description: str


def pools() -> list[Pool]:
    """Every pool a DAG of the project names, with the slots its settings give it."""
    return [
        Pool(
            settings.RETURN_CHECK_POOL,
            settings.return_check_slots(),
            "the weekly DAG's DfE return checks (CSC_RETURN_CHECK_SLOTS): they never take the executor from"
            " the build and publication",
        )
    ]


def ensure() -> list[Pool]:
    """Create each pool, or set its slots to what the settings say now (`airflow pools set`)."""
    settings.apply_environment(settings.airflow_environment())
    for pool in pools():
        subprocess.run(
            [AIRFLOW, "pools", "set", pool.name, str(pool.slots), pool.description],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return pools()
