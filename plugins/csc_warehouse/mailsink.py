"""A local SMTP server that keeps every message it receives as a file a person can open.

`make run` and the tests send the real alert emails here (plain SMTP on 127.0.0.1, no TLS);
docker-compose.yml uses Mailpit instead. Each message becomes `<received-at>-<n>.eml`.
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

_counter = itertools.count(1)


class SaveToFolder:
    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{os.getpid()}-{next(_counter):04d}.eml"
        partial = self.folder / f".{name}.part"
        partial.write_bytes(envelope.original_content or envelope.content)
        partial.rename(self.folder / name)  # a reader never sees half a message
        return "250 Message accepted for delivery"


def serve(folder: Path, port: int, host: str = "127.0.0.1"):
    """Start the server in this process's background thread; returns the aiosmtpd controller."""
    from aiosmtpd.controller import Controller

    controller = Controller(SaveToFolder(folder), hostname=host, port=port)
    controller.start()
    return controller


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--port", required=True, type=int)
    args = parser.parse_args()
    controller = serve(args.dir, args.port)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    while not stopped.is_set():
        time.sleep(0.5)
    controller.stop()


if __name__ == "__main__":
    main()
