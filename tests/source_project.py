"""A throwaway kpirules project for the config, source and plugin tests.

`make_project(root, bindings)` writes a small scheme (a roster and one fact dataset with
every column type) and a kpirules.toml binding its datasets, and returns both loaded.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import tomli_w

from kpirules.config import ProjectConfig, load_config
from kpirules.errors import DataError, Diagnostic
from kpirules.model import load_scheme
from kpirules.model.scheme import Scheme
from kpirules.sources.load import LoadReport, load_datasets

KPI = """\
scheme t "test" {
  period month
  currency CNY
  timezone "Asia/Shanghai"
}

roster people {
  id person_id
  name name
  manager manager_id
  column person_id string required unique
  column name string
  column manager_id string
}

dataset deals {
  person owner_id
  key deal_id
  date signed_at
  column deal_id string
  column owner_id string
  column signed_at timestamp
  column signed_on date
  column units integer non_negative
  column amount money non_negative
  column rate decimal
  column won boolean
}
"""

PEOPLE_CSV = "person_id,name,manager_id\nP1,韦刚,\nP2,段佳怡,P1\nP3,Ann,P1\n"

DEALS_CSV = (
    "deal_id,owner_id,signed_at,signed_on,units,amount,rate,won,note\n"
    "D1,P1,2026-01-05 09:30:00,2026-01-05,3,1200.50,0.125,yes,first\n"
    "D2,P2,2026-01-05T01:30:00Z,2026-01-05 23:59:59,12.0,99,1e-2,否,\n"
    'D3,P3,2026-01-31T20:00:00-05:00,2026/1/31,0,0.00,,0,"quoted, comma"\n'
)

DEALS_TYPES = [
    ("deal_id", "VARCHAR"), ("owner_id", "VARCHAR"), ("signed_at", "TIMESTAMP"), ("signed_on", "DATE"),
    ("units", "BIGINT"), ("amount", "DECIMAL(18,4)"), ("rate", "DECIMAL(18,6)"), ("won", "BOOLEAN"),
]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def make_project(root: Path, bindings: dict[str, dict], kpi: str = KPI, env: str = "test",
                 people: bool = True, extra: dict | None = None) -> tuple[Scheme, ProjectConfig]:
    """Write scheme.kpi and kpirules.toml under root; bind people to people.csv unless told not to."""
    (root / "scheme.kpi").write_text(kpi, encoding="utf-8")
    if people and "people" not in bindings:
        write(root / "people.csv", PEOPLE_CSV)
        bindings = {"people": {"source": "csv", "path": "people.csv"}, **bindings}
    doc = {"project": {"rulesets": ["scheme.kpi"], "default_env": env},
           "env": {env: {"datasets": bindings}}, **(extra or {})}
    (root / "kpirules.toml").write_text(tomli_w.dumps(doc), encoding="utf-8")
    return load_scheme([root / "scheme.kpi"]), load_config(root / "kpirules.toml")


def load(root: Path, bindings: dict[str, dict], kpi: str = KPI, **options) -> tuple[duckdb.DuckDBPyConnection, LoadReport]:
    """make_project, then load the bound datasets (the roster included) into a fresh in-memory DuckDB."""
    scheme, config = make_project(root, bindings, kpi)
    options.setdefault("datasets", list(config.environment().datasets))
    con = duckdb.connect()
    return con, load_datasets(scheme, config, con, **options)


def load_problem(root: Path, bindings: dict[str, dict], kpi: str = KPI, **options) -> Diagnostic:
    """The one problem `load` stops with (a DataError of exactly one diagnostic)."""
    with pytest.raises(DataError) as caught:
        load(root, bindings, kpi, **options)
    (problem,) = caught.value.diagnostics
    return problem


def rows(con: duckdb.DuckDBPyConnection, table: str, order: str = "1") -> list[tuple]:
    return con.execute(f'SELECT * FROM "{table}" ORDER BY {order}').fetchall()


def types(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    return [(name, kind) for name, kind, *_ in con.execute(f'DESCRIBE "{table}"').fetchall()]
