"""The installed package: found through its entry point, listed by `kpirules plugins`, and
keeping the source contract every kpirules source keeps."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from importlib.metadata import PackageNotFoundError, distribution

import pytest
from jiandaoyun_kit import BY_TITLE, CONTRACTS, PAGES, saved_records

from kpirules.testing import check_source_contract
from kpirules_jiandaoyun.source import JiandaoyunSource

INSTALL = "pip install -e plugins/kpirules-jiandaoyun"


def _kpirules(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "KPIRULES_PLUGINS"}
    return subprocess.run([sys.executable, "-c", "from kpirules.cli import main; main()", *args],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def test_the_package_is_installed_with_its_entry_point():
    try:
        dist = distribution("kpirules-jiandaoyun")
    except PackageNotFoundError:
        pytest.fail(f"kpirules-jiandaoyun is not installed in this environment: {INSTALL}")
    (entry,) = [ep for ep in dist.entry_points if ep.group == "kpirules"]
    assert (entry.name, entry.value) == ("jiandaoyun", "kpirules_jiandaoyun.plugin")


def test_kpirules_plugins_lists_it():
    result = _kpirules("plugins", "--json")
    assert result.returncode == 0, result.stderr
    listed = {info["name"]: info for info in json.loads(result.stdout)}
    assert listed.get("jiandaoyun") == {
        "name": "jiandaoyun", "version": "0.1.0", "hooks": ["register_catalogs", "register_sources"], "sources": ["jiandaoyun"],
    }, f"not listed; install it with {INSTALL}"


def test_a_project_uses_it_from_kpirules_toml(workdir):
    shutil.copytree(PAGES, workdir / "exports" / "contracts")
    (workdir / "scheme.kpi").write_text(
        'scheme t "t" {\n  period month\n  currency CNY\n  timezone "Asia/Shanghai"\n}\n' + CONTRACTS, encoding="utf-8")
    fields = ", ".join(f'{k} = "{v}"' for k, v in BY_TITLE.items())
    (workdir / "kpirules.toml").write_text(
        '[project]\nrulesets = ["scheme.kpi"]\n\n[env.prod.datasets.contracts]\nsource = "jiandaoyun"\n'
        f'pages = "exports/contracts"\nfields = {{ {fields} }}\n', encoding="utf-8")
    result = _kpirules("sources", "check", cwd=workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Jiandaoyun exports/contracts (saved answers, 230 records in 3 pages)  230 rows  ok" in result.stdout


def _folder(path, records):
    path.mkdir(parents=True)
    shutil.copy(PAGES / "widgets.json", path / "widgets.json")
    (path / "data-list-1.json").write_text(json.dumps({"data": records}, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_the_source_keeps_the_contract(workdir):
    first = _folder(workdir / "first", saved_records()[:3])
    empty = _folder(workdir / "empty", [])
    # the first three records of fixtures/contracts/data-list-1.json (see test_jiandaoyun_saved.FIRST_ROWS)
    report = check_source_contract(
        JiandaoyunSource, {"pages": first, "fields": BY_TITLE}, CONTRACTS, folder=workdir, timezone="Asia/Shanghai",
        expected_rows=[
            ("HT-2026-0001", "weigang", "华信物流", dt.date(2026, 1, 1), Decimal("10000.0000")),
            ("HT-2026-0002", "zhoumin", "兰亭食品", dt.date(2026, 2, 7), Decimal("17919.0000")),
            ("HT-2026-0003", "annlee", "美利达零售", dt.date(2026, 3, 16), Decimal("25838.0000")),
        ],
        empty_options={"pages": empty, "fields": BY_TITLE},
    )
    assert report.failed == {} and not report.skipped
