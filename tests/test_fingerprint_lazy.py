"""The dataset fingerprint is computed when first read, from the loaded table: the same
value an eager computation gives, for the rows loaded, and never silently from a table
that has since been replaced. `kpirules run --format json` puts it in the manifest."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from source_project import load, write

from kpirules.config import load_config
from kpirules.model import load_scheme
from kpirules.sources.load import load_datasets

HEADER = "deal_id,owner_id,signed_at,signed_on,units,amount,rate,won\n"
GOOD = ["D1,P1,2026-01-05 09:30:00,2026-01-05,3,10,0.1,yes\n", "D2,P2,2026-01-06 10:00:00,2026-01-06,2,20,0.2,no\n"]
BAD = "D3,P3,2026-01-07 11:00:00,2026-01-07,-1,5,0.3,no\n"  # units is non_negative
DEALS = {"deals": {"source": "csv", "path": "deals.csv"}}
REPO = Path(__file__).resolve().parent.parent
MAVEN = REPO.parent / "shared" / "data" / "maven-crm-sales-opportunities"


def test_the_fingerprint_is_the_digest_of_the_loaded_table(workdir):
    write(workdir / "deals.csv", HEADER + "".join(GOOD))
    con, report = load(workdir, DEALS)
    # the digest load.py defines: blake2b over "name:TYPE,...|rows|sum of row hashes"
    shape = "deal_id:VARCHAR,owner_id:VARCHAR,signed_at:TIMESTAMP,signed_on:DATE,units:BIGINT," \
            "amount:DECIMAL(18,4),rate:DECIMAL(18,6),won:BOOLEAN"
    (total,) = con.execute('SELECT sum(hash(deal_id, owner_id, signed_at, signed_on, units, amount, rate, won)'
                           '::HUGEINT) FROM deals').fetchall()[0]
    expected = hashlib.blake2b(f"{shape}|2|{total}".encode(), digest_size=16).hexdigest()
    assert report["deals"].fingerprint == expected
    assert report["deals"].model_dump()["fingerprint"] == expected


def test_skipped_rows_are_not_in_the_fingerprint(workdir):
    write(workdir / "deals.csv", HEADER + "".join(GOOD))
    clean = load(workdir, DEALS)[1]["deals"].fingerprint
    write(workdir / "deals.csv", HEADER + GOOD[0] + BAD + GOOD[1])
    skipped = load(workdir, DEALS, bad_rows="skip")[1]["deals"]
    assert (skipped.rows, skipped.rejected) == (2, 1)
    assert skipped.fingerprint == clean


def test_a_fingerprint_is_not_read_from_a_table_loaded_later(workdir):
    write(workdir / "deals.csv", HEADER + "".join(GOOD))
    con, first = load(workdir, DEALS)
    expected = first["deals"].fingerprint
    scheme, config = load_scheme([workdir / "scheme.kpi"]), load_config(workdir / "kpirules.toml")
    unread = load_datasets(scheme, config, con, datasets=["deals"])
    load_datasets(scheme, config, con, datasets=["deals"])  # replaces the table again
    with pytest.raises(RuntimeError, match="fingerprint of dataset deals was not read before its table was replaced"):
        _ = unread["deals"].fingerprint
    assert first["deals"].fingerprint == expected  # read before: kept


def test_the_run_manifest_carries_every_fingerprint(monkeypatch):
    if not (MAVEN / "sales_pipeline.csv").is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the shared Maven CRM data is missing under CI=true: {MAVEN}", pytrace=False)
        pytest.skip(f"the shared Maven CRM data is not here ({MAVEN})")
    from kpirules.cli import cli

    monkeypatch.chdir(REPO)
    monkeypatch.setenv("KPIRULES_MAVEN_CRM_DIR", str(MAVEN))
    result = CliRunner().invoke(cli, ["run", "--config", "examples/maven-crm/kpirules.toml", "--period", "2017Q4",
                                      "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    datasets = json.loads(result.stdout)["manifest"]["datasets"]
    config = load_config(REPO / "examples/maven-crm/kpirules.toml")
    scheme = load_scheme([str(p) for p in config.ruleset_paths()])
    report = load_datasets(scheme, config, duckdb.connect())
    assert {ds: d["fingerprint"] for ds, d in datasets.items()} == {d.dataset: d.fingerprint for d in report.datasets}
    assert all(len(d["fingerprint"]) == 32 for d in datasets.values())
