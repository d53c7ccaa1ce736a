"""What the example tests share: the real CLI run from the repository root with an
example's data folder in its environment variable, and the shared data folder, which
is skipped (saying why) when absent and a failure under CI=true."""

from __future__ import annotations

import contextlib
import json
import os
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

REPO = Path(__file__).resolve().parent.parent
SIX_PLACES = Decimal("0.000001")


@pytest.fixture(autouse=True)
def at_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test runs from the repository root, as the examples' READMEs run the commands
    (a test module imports this fixture to use it)."""
    monkeypatch.chdir(REPO)


def run_cli(variable: str, data: str | None, *args: str) -> Result:
    """The real CLI with `variable` naming the data folder (None: unset)."""
    from kpirules.cli import cli

    return CliRunner().invoke(cli, list(args), env={variable: data}, catch_exceptions=False)


def people_by_period(variable: str, data: str, config: str, years: list[str], *, no_warnings: bool = False) -> dict:
    """`kpirules run --period YEAR --format json` for each year, from the repository root:
    (person, period) -> that person's result. Every run exits 0 and leaves nobody unmatched
    (and, with `no_warnings`, warns of nothing but periods outside the `effective` dates)."""
    found = {}
    with contextlib.chdir(REPO):  # callers are module-scoped fixtures; the autouse chdir is per test
        for year in years:
            result = run_cli(variable, data, "run", "--config", config, "--period", year, "--format", "json")
            assert result.exit_code == 0, result.output
            run = json.loads(result.stdout)
            assert run["unmatched_people"] == []
            if no_warnings:
                # the examples' `effective` dates leave out their data's first months on purpose
                # (a year's run says so); nothing else may be warned about
                assert [w for w in run["warnings"] if "not wholly inside the scheme's effective dates" not in w] == []
            found.update({(p["person_id"], p["period"]): p for p in run["people"]})
    return found


def shared_data(relative: str, marker: str, what: str, variable: str) -> Path:
    """The shared data folder holding `marker`: the one `variable` names if it is set (as the
    example's README sets it), else `relative` to the repository root."""
    folder = Path(os.environ.get(variable) or REPO / relative).resolve()
    if not (folder / marker).is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the shared {what} data is missing under CI=true: {folder}", pytrace=False)
        pytest.skip(f"the shared {what} data is not here ({folder}); the data tests read it through {variable}")
    return folder


def kpi(person_result: dict, kpi_id: str) -> dict:
    """One KPI of a person in `kpirules run --format json`."""
    (found,) = [k for k in person_result["kpis"] if k["id"] == kpi_id]
    return found


def value(person_result: dict, kpi_id: str) -> Decimal | None:
    text = kpi(person_result, kpi_id)["value"]
    return None if text is None else Decimal(text)


def ratio(numerator, denominator) -> Decimal | None:
    """A quotient as kpirules keeps it: exact, rounded half-up to 6 places (docs/semantics.md §8)."""
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(SIX_PLACES, ROUND_HALF_UP)
