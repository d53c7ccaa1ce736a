"""The package's defaults, read once from `defaults.toml`."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any


@functools.cache
def defaults() -> dict[str, Any]:
    with open(Path(__file__).with_name("defaults.toml"), "rb") as fh:
        return tomllib.load(fh)
