"""The landing area: one folder per authority and extract date, `<root>/<la_code>/<YYYY-MM-DD>/`.

A delivery version is (la_code, extract date, sha256 of its files): the same bytes again are the
same version; different bytes for the same folder are a correction.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

log = logging.getLogger(__name__)

LA_CODE = re.compile(r"^[0-9]{3}$")
EXTRACT_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class LandingError(RuntimeError):
    pass


@dataclass(frozen=True)
class Delivery:
    la_code: str
    extract_date: date
    folder: Path
    files: tuple[Path, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        return f"{self.la_code}/{self.extract_date.isoformat()}"

    def file_hashes(self) -> dict[str, str]:
        return {path.name: sha256_of(path) for path in self.files}

    def version_sha256(self, file_hashes: dict[str, str] | None = None) -> str:
        hashes = file_hashes or self.file_hashes()
        digest = hashlib.sha256()
        for name in sorted(hashes):
            digest.update(f"{name}\0{hashes[name]}\n".encode())
        return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def week_of(as_at: date) -> tuple[date, date]:
    """The week of as_at, as the contract defines it: as_at - 6 <= date <= as_at."""
    return as_at - timedelta(days=6), as_at


def delivery_at(folder: Path) -> Delivery:
    """The delivery in one `<la_code>/<YYYY-MM-DD>` folder."""
    folder = folder.resolve()
    la_code, day = folder.parent.name, folder.name
    if not LA_CODE.match(la_code) or not EXTRACT_DATE.match(day):
        raise LandingError(f"{folder}: a delivery folder is <la_code>/<YYYY-MM-DD>, e.g. 309/2014-02-10")
    try:
        extract_date = date.fromisoformat(day)
    except ValueError as error:
        raise LandingError(f"{folder}: {day} is not a calendar date") from error
    files = tuple(sorted(path for path in folder.iterdir() if path.is_file() and not path.name.startswith(".")))
    return Delivery(la_code=la_code, extract_date=extract_date, folder=folder, files=files)


def find_deliveries(root: Path, *, as_at: date | None = None) -> list[Delivery]:
    """Deliveries under the landing root (only the week of as_at, if given), oldest first."""
    root = Path(root)
    if not root.is_dir():
        raise LandingError(f"landing area {root} does not exist or is not a folder")
    found = []
    for la_folder in sorted(root.iterdir()):
        if not la_folder.is_dir() or la_folder.name.startswith("."):
            continue
        if not LA_CODE.match(la_folder.name):
            log.warning("ignoring %s: not a three-digit la_code folder", la_folder)
            continue
        for day_folder in sorted(la_folder.iterdir()):
            if not day_folder.is_dir():
                continue
            try:
                delivery = delivery_at(day_folder)
            except LandingError as error:
                log.warning("ignoring %s", error)
                continue
            if as_at is not None:
                first, last = week_of(as_at)
                if not first <= delivery.extract_date <= last:
                    continue
            found.append(delivery)
    return sorted(found, key=lambda d: (d.extract_date, d.la_code))


def in_batches(deliveries: list[Delivery], authorities_per_batch: int) -> list[list[Delivery]]:
    """The deliveries grouped by authority, up to `authorities_per_batch` authorities a group, each
    group in the order given: an authority's deliveries stay together and in order, so a correction
    is never loaded beside, or before, what it corrects."""
    authorities = sorted({delivery.la_code for delivery in deliveries})
    groups = [
        set(authorities[start : start + authorities_per_batch])
        for start in range(0, len(authorities), authorities_per_batch)
    ]
    return [[delivery for delivery in deliveries if delivery.la_code in group] for group in groups]


def find_under(path: Path) -> list[Delivery]:
    """`csc ingest PATH`: PATH is one delivery folder, an authority's folder or the landing root."""
    path = Path(path).resolve()
    if LA_CODE.match(path.parent.name) and EXTRACT_DATE.match(path.name):
        return [delivery_at(path)]
    if LA_CODE.match(path.name):
        return [d for d in find_deliveries(path.parent) if d.la_code == path.name]
    return find_deliveries(path)
