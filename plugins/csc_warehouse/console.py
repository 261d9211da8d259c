"""What `csc` shows on the terminal while long runs write their full logs to a file.

Airflow's task logs (structlog), dbt's event log and the Python logging of every library write to
stdout or stderr, each configured its own way and some reconfigured for every task. Rather than
chase each handler, a quiet run points the process's stdout and stderr (file descriptors 1 and 2,
so child processes too) at one log file, and the progress lines go to the terminal saved before.
Nothing is dropped: the file holds every line the terminal would have shown.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from csc_warehouse import settings

Say = Callable[[str], None]


def verbose_requested() -> bool:
    """CSC_VERBOSE=1 keeps every log line on the terminal."""
    return os.environ.get("CSC_VERBOSE", "").strip().lower() in {"1", "true", "yes"}


def new_log_path(command: str) -> Path:
    return settings.state_dir() / "logs" / f"{command}-{datetime.now():%Y%m%d-%H%M%S}.log"


def say(line: str) -> None:
    print(line, flush=True)


@contextmanager
def logs_to(path: Path) -> Iterator[Say]:
    """Everything written to stdout and stderr goes to `path`; the `Say` yielded writes to the terminal.

    On an error the log path is named on the terminal before the error goes on to the caller.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved_stdout, saved_stderr = os.dup(1), os.dup(2)
    terminal = os.fdopen(os.dup(1), "w", buffering=1)

    def to_terminal(line: str) -> None:
        terminal.write(line + "\n")
        terminal.flush()

    try:
        with path.open("ab", buffering=0) as log_file:
            os.dup2(log_file.fileno(), 1)
            os.dup2(log_file.fileno(), 2)
            try:
                yield to_terminal
            except BaseException:
                to_terminal(f"the full log: {path}")
                raise
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os.dup2(saved_stdout, 1)
                os.dup2(saved_stderr, 2)
    finally:
        os.close(saved_stdout)
        os.close(saved_stderr)
        terminal.close()
