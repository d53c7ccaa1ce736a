"""The model layer: load .kpi files and resolve them into a checked `Scheme`."""

from __future__ import annotations

from pathlib import Path

from kpirules.lang.parser import gc_paused
from kpirules.model.loader import load
from kpirules.model.resolve import resolve
from kpirules.model.scheme import Scheme

__all__ = ["Scheme", "load_scheme"]


def load_scheme(paths: list[str | Path]) -> Scheme:
    """Parse, import and resolve .kpi files into one Scheme; raise SchemeError listing every problem.

    Syntax problems are reported on their own: names cannot be checked in a file that
    does not parse.
    """
    with gc_paused():
        loaded = load(paths)
        loaded.problems.raise_if_any()
        return resolve(loaded.files)
