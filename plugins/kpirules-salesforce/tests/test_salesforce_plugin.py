"""The installed package: found through its entry point, listed by `kpirules plugins`, and
keeping the source contract every kpirules source keeps."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, distribution

import pytest
from salesforce_kit import BY_LABEL, DEALS, FIXTURES

from kpirules.testing import check_source_contract
from kpirules_salesforce.source import SalesforceReportSource

INSTALL = "pip install -e plugins/kpirules-salesforce"


def _kpirules(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "KPIRULES_PLUGINS"}
    return subprocess.run([sys.executable, "-c", "from kpirules.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_the_package_is_installed_with_its_entry_point():
    try:
        dist = distribution("kpirules-salesforce")
    except PackageNotFoundError:
        pytest.fail(f"kpirules-salesforce is not installed in this environment: {INSTALL}")
    (entry,) = [ep for ep in dist.entry_points if ep.group == "kpirules"]
    assert (entry.name, entry.value) == ("salesforce", "kpirules_salesforce.plugin")


def test_kpirules_plugins_lists_it():
    result = _kpirules("plugins", "--json")
    assert result.returncode == 0, result.stderr
    listed = {info["name"]: info for info in json.loads(result.stdout)}
    assert listed.get("salesforce") == {
        "name": "salesforce", "version": "0.1.0", "hooks": ["register_catalogs", "register_sources"],
        "sources": ["salesforce_report"],
    }, f"not listed; install it with {INSTALL}"


def test_a_project_uses_it_from_kpirules_toml(workdir):
    (workdir / "scheme.kpi").write_text(
        'scheme t "t" {\n  period month\n  currency CNY\n  timezone "Asia/Shanghai"\n}\n' + DEALS, encoding="utf-8")
    fields = ", ".join(f'{k} = "{v}"' for k, v in BY_LABEL.items())
    (workdir / "kpirules.toml").write_text(
        '[project]\nrulesets = ["scheme.kpi"]\n\n[env.prod.datasets.deals]\nsource = "salesforce_report"\n'
        f'path = "{(FIXTURES / "closed_won_details.csv").as_posix()}"\ndate_format = "%m/%d/%Y"\n'
        f"fields = {{ {fields} }}\n", encoding="utf-8")
    result = _kpirules("sources", "check", cwd=workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "(CSV export, 6 rows, 5 footer lines left out)  6 rows  ok" in result.stdout


def test_the_source_keeps_the_contract(workdir):
    # the first two rows of tests/fixtures/closed_won_details.csv, as DuckDB returns them
    report = check_source_contract(
        SalesforceReportSource,
        {"path": str(FIXTURES / "closed_won_details.csv"), "fields": BY_LABEL, "date_format": "%m/%d/%Y"},
        DEALS, folder=workdir,
        expected_rows=[
            ("Huaxin Logistics - Fleet Renewal", "Wei Gang", "Huaxin Logistics", dt.date(2026, 1, 15),
             Decimal("120000.0000")),
            ("Lanting Foods - 500 Seats", "Duan Jiayi", "Lanting Foods", dt.date(2026, 1, 28), Decimal("48500.5000")),
            ("Meridian Retail - Store Rollout", "Ann Lee", "Meridian Retail", dt.date(2026, 2, 3), Decimal("9999.9900")),
            ("Huaxin Logistics - Spare Parts", "Wei Gang", "Huaxin Logistics", dt.date(2026, 2, 20),
             Decimal("15000.0000")),
            ("Qingshan Energy - Pilot", "Duan Jiayi", "Qingshan Energy", dt.date(2026, 3, 2), None),
            ("Meridian Retail - Renewal", "Ann Lee", "Meridian Retail", dt.date(2026, 3, 31), Decimal("30000.0000")),
        ],
        empty_options={"path": str(FIXTURES / "empty_details.csv"), "fields": BY_LABEL, "date_format": "%m/%d/%Y"},
    )
    assert report.failed == {} and not report.skipped
