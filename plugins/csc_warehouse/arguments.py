"""Argument types for `csc`: each turns text into a value or says, in one sentence, why it cannot."""

from __future__ import annotations

import argparse
import re
from datetime import date
from pathlib import Path

LA_CODE = re.compile(r"\d{3}")
DELIVERY_LABEL = re.compile(r"(\d{3})/(\d{4}-\d{2}-\d{2})")


class UsageError(Exception):
    """A command line `csc` cannot run: the message names the command and the problem."""


class OneLineParser(argparse.ArgumentParser):
    """An argument parser that reports a bad command line as one line, not a usage block."""

    def error(self, message: str):
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from None


def la_code(text: str) -> str:
    if not LA_CODE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"not a three-digit authority code: {text}")
    return text


def delivery_label(text: str) -> str:
    """LA/DATE, e.g. 309/2014-02-10: an authority's code and a delivery's extract date."""
    match = DELIVERY_LABEL.fullmatch(text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a delivery (LA/YYYY-MM-DD, e.g. 309/2014-02-10): {text}")
    iso_date(match.group(2))
    return text


def existing_path(text: str) -> Path:
    path = Path(text)
    if not path.exists():
        raise argparse.ArgumentTypeError(f"no such file or folder: {text}")
    return path


def existing_folder(text: str) -> Path:
    path = existing_path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"not a folder: {text}")
    return path


def non_negative_int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must not be negative: {text}")
    return number
