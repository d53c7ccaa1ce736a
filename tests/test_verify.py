"""Reproducible runs: `kpirules run --manifest/--snapshot` and `kpirules verify`, on the sample project.

Every test works in its own copy of the sample project (rulesets, data/sample, kpirules.toml)
with the real CLI. The baseline manifest is made once by `kpirules run --manifest` and copied
with the project; verify resolves the paths a manifest records from the current folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import shutil
import uuid
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from kpirules import __version__
from kpirules.cli import cli
from kpirules.report import manifest as manifests

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2026-12"
#: set by .ci/run, as for tests/test_postgres.py
PG_DSN_ENV, PG_PASSWORD_ENV = "KPIRULES_TEST_PG_DSN", "KPIRULES_TEST_PG_PASSWORD"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def copy_sample(target: Path) -> Path:
    shutil.copytree(ROOT / "rulesets", target / "rulesets")
    shutil.copytree(ROOT / "data" / "sample", target / "data" / "sample")
    shutil.copy(ROOT / "kpirules.toml", target / "kpirules.toml")
    return target


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> Path:
    """The sample project and the manifest and JSON output of one run of December 2026."""
    folder = copy_sample(tmp_path_factory.mktemp("baseline") / "project")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        made = invoke("run", "--period", PERIOD, "--manifest", "run.manifest.json", "--format", "json",
                      "-o", "run.json")
    assert made.exit_code == 0, made.output
    return folder


@pytest.fixture
def project(baseline, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the baseline project, as the working directory."""
    folder = tmp_path / "project"
    shutil.copytree(baseline, folder)
    monkeypatch.chdir(folder)
    return folder


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def sha256(path: Path) -> str:
    return manifests.file_sha256(path)


def load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------- the manifest


def test_a_run_verifies_as_identical(project):
    manifest = load_json(project / "run.manifest.json")
    result = invoke("verify", "run.manifest.json")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"Verifying run.manifest.json: the run of {PERIOD} made {manifest['created']} "
        f"with kpirules {__version__}, against the live sources of env sample (kpirules.toml).",
        "scheme files: 5 checked by sha256, all identical",
        "datasets: 12 checked by fingerprint, all identical",
        f"kpirules version: {__version__}, the same",
        "results: 58 people checked, all identical",
        f"Identical: the run is reproduced (results digest {manifest['results']['digest'][:16]}).",
    ]


def test_the_manifest_records_the_arguments_files_data_and_results(project):
    manifest = load_json(project / "run.manifest.json")
    output = load_json(project / "run.json")
    assert manifest["arguments"] == {"rulesets": None, "period": PERIOD, "env": "sample", "config": "kpirules.toml",
                                     "roles": [], "persons": [], "bad_rows": "stop"}
    assert manifest["scheme_files"]["rulesets/telesales.kpi"] == sha256(project / "rulesets/telesales.kpi")
    assert manifest["datasets"]["calls"]["rows"] == 93441
    # the JSON output embeds the same manifest, sealed, save the moment it was made
    embedded = output["manifest"]
    assert {k: v for k, v in embedded.items() if k not in ("created", "seal")} == \
           {k: v for k, v in manifest.items() if k not in ("created", "seal")}
    # the seal as docs/reproducible.md defines it: sha256 of the sorted, spaceless, ASCII JSON without the seal
    for sealed in (manifest, embedded):
        body = json.dumps({k: v for k, v in sealed.items() if k != "seal"}, sort_keys=True, separators=(",", ":"))
        assert sealed["seal"] == hashlib.sha256(body.encode("ascii")).hexdigest()
    # one record per person evaluated, with the numbers the JSON output shows
    records = {r["person"]: r for r in manifest["results"]["records"]}
    assert len(records) == manifest["results"]["people"] == len(output["people"]) == 58
    for person in output["people"]:
        record = records[person["person_id"]]
        assert (record["total_score"], record["grade"], record["payout"]) == \
               (person["total_score"], person["grade"], person["payout"]["total"] if person["payout"] else None)
        assert {k["id"]: k["score"] for k in person["kpis"]} == {k: v["score"] for k, v in record["kpis"].items()}


def test_the_json_output_of_a_run_can_be_verified(project):
    result = invoke("verify", "run.json")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("Identical: the run is reproduced")


@pytest.mark.parametrize(("edit", "named"), [
    (lambda p: p["payout"].update(total="99999.00"), "payout"),
    (lambda p: p.update(total_score="150", grade="no such grade"), "total_score, grade"),
    (lambda p: p["kpis"][0].update(score="120"), "score"),
    (lambda p: p.update(role="an edited role"), "role"),
    (lambda p: p["kpis"][0].update(status="no_data"), "status"),
])
def test_edited_results_in_a_runs_json_output_are_refused(project, edit, named):
    # the seal covers the manifest inside the file; the results people read beside it were
    # not compared, so an edited payout was "Identical: the run is reproduced"
    data = json.loads((project / "run.json").read_text(encoding="utf-8"))
    first = data["people"][0]
    edit(first)
    (project / "edited.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = invoke("verify", "edited.json")
    assert result.exit_code == 1, result.output
    assert "error[E842]: edited.json was changed after kpirules wrote it: the results it shows differ" in result.output
    assert f"({first['person_id']} in {PERIOD}: " in result.output and named in result.output


def test_a_changed_weight_names_the_file_and_everyone_whose_result_changed(project):
    before_sha = sha256(project / "rulesets/telesales.kpi")
    telesales = project / "rulesets/telesales.kpi"
    replace_once(telesales, "weight 30%\n    score linear floor 60%", "weight 35%\n    score linear floor 60%")
    replace_once(telesales, "weight 40%", "weight 35%")
    after_sha = sha256(project / "rulesets/telesales.kpi")

    result = invoke("verify", "run.manifest.json")
    assert result.exit_code == 1
    assert f"  rulesets/telesales.kpi: changed, sha256 {before_sha} -> {after_sha}" in result.stdout
    assert "datasets: 12 checked by fingerprint, all identical" in result.stdout

    # what verify must find, from two separate runs: the baseline's JSON output and a new one
    assert invoke("run", "--period", PERIOD, "--format", "json", "-o", "after.json").exit_code == 0
    before = {p["person_id"]: p for p in load_json(project / "run.json")["people"]}
    after = {p["person_id"]: p for p in load_json(project / "after.json")["people"]}
    expected = set()
    for pid, old in before.items():
        new = after[pid]
        for field in ("total_score", "grade"):
            if old[field] != new[field]:
                expected.add((f"{pid} {PERIOD}", field, old[field], new[field]))
        if old["payout"]["total"] != new["payout"]["total"]:
            expected.add((f"{pid} {PERIOD}", "payout", old["payout"]["total"], new["payout"]["total"]))
        for k_old, k_new in zip(old["kpis"], new["kpis"], strict=True):
            if k_old["weight"] != k_new["weight"]:
                expected.add((f"{pid} {PERIOD}", f"{k_old['id']}.weight", k_old["weight"], k_new["weight"]))
    # senior_telesales extends telesales: the weights of all 35 reps changed
    reps = {f"{pid} {PERIOD}" for pid, p in before.items() if p["role"] in ("telesales", "senior_telesales")}
    assert {e[0] for e in expected} == reps and len(reps) == 35

    report = json.loads(invoke("verify", "run.manifest.json", "--format", "json").stdout)
    found = {(d["subject"], d["field"], d["before"], d["after"])
             for d in report["differences"] if d["kind"] == "person"}
    assert found == expected
    assert report["identical"] is False
    # the text names them too, field by field
    subject, field, old, new = sorted(expected)[0]
    assert f"  {subject} {field}: {old} -> {new}" in result.stdout
    assert "results: 35 of 58 people differ" in result.stdout
    assert "... and 15 more people (--format json lists every difference)" in result.stdout  # 20 are shown


def test_one_changed_amount_changes_that_datasets_fingerprint_only(project):
    before = load_json(project / "run.manifest.json")["datasets"]["payments"]["fingerprint"]
    # a January payment: the December results stay the same, the data does not
    replace_once(project / "data/sample/payments.csv",
                 "PAY000002,P030,2026-01-01,197.65", "PAY000002,P030,2026-01-01,197.66")
    result = invoke("verify", "run.manifest.json", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    [difference] = report["differences"]
    assert difference["kind"] == "dataset" and difference["subject"] == "payments"
    assert difference["field"] == "fingerprint" and difference["before"] == before
    assert difference["after"] != before and len(difference["after"]) == 32
    text = invoke("verify", "run.manifest.json").stdout
    assert f"  payments fingerprint: {before} -> {difference['after']}" in text
    assert "results: 58 people checked, all identical" in text
    assert text.splitlines()[-1] == "Not reproduced: 1 difference."


def test_fingerprints_ignore_row_order_and_the_source_format(project):
    # shuffle the rows of a CSV file, reverse a Parquet file, and read a CSV file as Parquet
    payments = project / "data/sample/payments.csv"
    header, *rows = payments.read_text(encoding="utf-8").splitlines(keepends=True)
    random.Random(6).shuffle(rows)
    payments.write_text(header + "".join(rows), encoding="utf-8")
    con = duckdb.connect()
    calls = project / "data/sample/calls.parquet"
    reversed_calls = project / "data/sample/calls_reversed.parquet"
    con.execute(f"COPY (SELECT * EXCLUDE (file_row_number) FROM read_parquet('{calls}', file_row_number=true) "
                f"ORDER BY file_row_number DESC) "
                f"TO '{reversed_calls}' (FORMAT parquet)")
    contracts = project / "data/sample/contracts.csv"
    con.execute(f"COPY (SELECT * FROM read_csv('{contracts}', all_varchar=true)) "
                f"TO '{project / 'data/sample/contracts.parquet'}' (FORMAT parquet)")
    config = project / "kpirules.toml"
    replace_once(config, 'path = "data/sample/calls.parquet"', 'path = "data/sample/calls_reversed.parquet"')
    replace_once(config, 'source = "csv"\npath = "data/sample/contracts.csv"',
                 'source = "parquet"\npath = "data/sample/contracts.parquet"')

    result = invoke("verify", "run.manifest.json")
    assert result.exit_code == 0, result.output
    assert "datasets: 12 checked by fingerprint, all identical" in result.stdout
    # the test can fail: one row less is a change
    payments.write_text(header + "".join(rows[1:]), encoding="utf-8")
    again = json.loads(invoke("verify", "run.manifest.json", "--format", "json").stdout)
    assert {(d["subject"], d["field"]) for d in again["differences"] if d["kind"] == "dataset"} == \
           {("payments", "fingerprint"), ("payments", "rows")}


def _fingerprint_by_the_recipe(con, relation: str, columns: list[tuple[str, str]]) -> str:
    """docs/reproducible.md, Fingerprints, in plain DuckDB SQL and hashlib: `columns` are (name, SQL type)."""
    row_hash = ", ".join(f'CAST("{name}" AS {sql_type})' for name, sql_type in columns)
    rows, total = con.execute(f"SELECT count(*), sum(hash({row_hash})::HUGEINT) FROM {relation}").fetchone()
    shape = ",".join(f"{name}:{sql_type}" for name, sql_type in columns)
    return hashlib.blake2b(f"{shape}|{rows}|{int(total or 0)}".encode(), digest_size=16).hexdigest()


def test_a_fingerprint_can_be_recomputed_from_the_documented_recipe(project):
    """An auditor can recompute a fingerprint without kpirules: the SQL types, the row hash,
    the sum and the digest as docs/reproducible.md gives them."""
    recorded = load_json(project / "run.manifest.json")["datasets"]
    con = duckdb.connect()
    # quarterly_targets: column person_id string, period string, contract_amount money
    targets = _fingerprint_by_the_recipe(
        con, "read_csv('data/sample/quarterly_targets.csv', all_varchar = true)",
        [("person_id", "VARCHAR"), ("period", "VARCHAR"), ("contract_amount", "DECIMAL(18,4)")])
    assert targets == recorded["quarterly_targets"]["fingerprint"]
    # every dataset, over a snapshot's Parquet files (the loaded tables, with the declared types)
    assert invoke("run", "--period", PERIOD, "--snapshot", "snap").exit_code == 0
    for dataset, record in recorded.items():
        relation = f"read_parquet('snap/data/{dataset}.parquet')"
        described = con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
        columns = [(name, sql_type) for name, sql_type, *_ in described]
        assert _fingerprint_by_the_recipe(con, relation, columns) == record["fingerprint"], dataset


def test_a_kpirules_version_that_differs_is_reported(project):
    manifest = load_json(project / "run.manifest.json")
    manifest["kpirules_version"] = "0.0.1"
    (project / "older.json").write_text(manifests.render(manifests.seal(manifest)), encoding="utf-8")
    result = invoke("verify", "older.json")
    assert result.exit_code == 1
    assert f"kpirules version: 0.0.1 in the run, {__version__} now" in result.stdout
    assert result.stdout.splitlines()[-1] == "Not reproduced: 1 difference."


def test_a_removed_scheme_file_and_its_people_are_reported(project):
    (project / "rulesets/sales_manager.kpi").unlink()
    result = invoke("verify", "run.manifest.json", "--format", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    recorded = load_json(project / "run.manifest.json")
    assert {"kind": "scheme_file", "subject": "rulesets/sales_manager.kpi", "field": "sha256",
            "before": recorded["scheme_files"]["rulesets/sales_manager.kpi"], "after": None} in report["differences"]
    managers = {r["person"] for r in recorded["results"]["records"] if r["role"] == "sales_manager"}
    gone = {d["subject"].split()[0] for d in report["differences"] if d["field"] == "evaluated" and d["after"] == "no"}
    assert gone == managers and len(managers) == 7


def test_a_scheme_that_no_longer_loads_is_reported_with_its_error(project):
    (project / "rulesets/telesales.kpi").write_text("role telesales {\n", encoding="utf-8")
    result = invoke("verify", "run.manifest.json")
    assert result.exit_code == 1
    assert "scheme files: 1 of 5 differ" in result.stdout
    assert result.stdout.rstrip().endswith("The run could not be made again:")
    assert "error[E1" in result.stderr and "rulesets/telesales.kpi" in result.stderr
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------- manifests that cannot be trusted


def test_a_manifest_edited_by_hand_is_refused(project):
    path = project / "run.manifest.json"
    manifest = load_json(path)
    record = next(r for r in manifest["results"]["records"] if r["person"] == "P007")
    record["payout"] = "99999.00"  # a payout raised by hand
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    result = invoke("verify", "run.manifest.json", "-o", "report.txt")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        "error[E842]: run.manifest.json was changed after kpirules wrote it: its seal does not match its content\n"
        "  = help: a manifest must not be edited by hand: restore the original (from git or your archive), "
        "or write a new one with `kpirules run --manifest FILE`")
    assert not (project / "report.txt").exists()


@pytest.mark.parametrize(("content", "message"), [
    ('{"manifest_format": 1,', "error[E841]: broken.json is not valid JSON: Expecting property name enclosed in double "
                               "quotes at line 1, column 23"),
    ("[1, 2]", "error[E841]: broken.json is not a kpirules manifest: it holds no JSON object"),
])
def test_a_file_that_is_not_a_manifest_is_refused(project, content, message):
    (project / "broken.json").write_text(content, encoding="utf-8")
    result = invoke("verify", "broken.json")
    assert result.exit_code == 1
    assert result.stderr.startswith(message)


def test_missing_keys_are_named(project):
    manifest = load_json(project / "run.manifest.json")
    del manifest["arguments"]["env"]
    del manifest["results"]["records"][3]["kpis"]
    manifest["datasets"]["calls"]["rows"] = "93441"
    (project / "short.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = invoke("verify", "short.json")
    assert result.exit_code == 1
    assert "error[E841]: short.json: key arguments.env is missing" in result.stderr
    assert "error[E841]: short.json: key datasets.calls.rows should be a whole number, not text" in result.stderr
    assert "error[E841]: short.json: key results.records[3].kpis is missing" in result.stderr


def test_wrong_shapes_are_said_in_json_words(project):
    # pydantic's own wording ("Input should be a valid dictionary or instance of
    # DatasetRecord") names our classes; the message says what the key should hold instead
    manifest = load_json(project / "run.manifest.json")
    manifest["periods"] = 5
    manifest["datasets"]["calls"] = [1]
    (project / "odd.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = invoke("verify", "odd.json")
    assert result.exit_code == 1
    assert "error[E841]: odd.json: key periods should be a list, not a whole number" in result.stderr
    assert "error[E841]: odd.json: key datasets.calls should be an object, not a list" in result.stderr
    assert "DatasetRecord" not in result.stderr and "Input should" not in result.stderr


def test_a_newer_manifest_format_needs_a_newer_kpirules(project):
    manifest = load_json(project / "run.manifest.json")
    manifest["manifest_format"] = 2
    (project / "newer.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = invoke("verify", "newer.json")
    assert result.exit_code == 2
    assert f"error[E843]: newer.json is a manifest of format 2; this kpirules ({__version__}) reads format 1" \
        in result.stderr


def test_verify_from_another_folder_says_where_the_run_was_made(project, monkeypatch):
    monkeypatch.chdir(project.parent)
    result = invoke("verify", "project/run.manifest.json")
    assert result.exit_code == 2
    assert "error[E848]: the run read its configuration from kpirules.toml, which is not here " \
           f"(the run was made in {load_json(project / 'run.manifest.json')['directory']})" in result.stderr


def test_verify_from_another_folder_with_config_finds_the_files(project, monkeypatch):
    """The E848 help's route: name the configuration; recorded paths are then found from it."""
    monkeypatch.chdir(project.parent)
    result = invoke("verify", "project/run.manifest.json", "--config", "project/kpirules.toml")
    assert result.exit_code == 0, result.output
    assert "scheme files: 5 checked by sha256, all identical" in result.stdout
    replace_once(project / "rulesets" / "sales_manager.kpi", "weight 40%", "weight 50%")
    changed = invoke("verify", "project/run.manifest.json", "--config", "project/kpirules.toml")
    assert changed.exit_code == 1
    assert "scheme files: 1 of 5 differ" in changed.stdout


def test_verify_from_a_folder_inside_the_project_with_config(project, monkeypatch):
    # reproducible.md: run it from the same folder or name the configuration; from a
    # subfolder the re-run shows the scheme files outside it in full, the manifest relative
    (project / "sub").mkdir()
    monkeypatch.chdir(project / "sub")
    result = invoke("verify", "../run.manifest.json", "--config", "../kpirules.toml")
    assert result.exit_code == 0, result.output
    assert "scheme files: 5 checked by sha256, all identical" in result.stdout


def test_a_run_made_in_a_subfolder_verifies_in_a_copy_of_the_project(project, monkeypatch, tmp_path):
    # the scheme files, outside the folder the run was made in, were recorded in full: verify in
    # a copy of the project checked the original's files and said "2 of 1 differ", the copy's
    # identical file "new in the scheme"
    (project / "sub").mkdir()
    monkeypatch.chdir(project / "sub")
    made = invoke("run", "--config", "../kpirules.toml", "--period", PERIOD, "--manifest", "m.json", "--format", "csv",
                  "-o", "out.csv")
    assert made.exit_code == 0, made.output
    recorded = load_json(project / "sub" / "m.json")["scheme_files"]
    assert sorted(recorded)[0] == "../rulesets/common.kpi"
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    monkeypatch.chdir(copy / "sub")
    result = invoke("verify", "m.json")
    assert result.exit_code == 0, result.output
    assert "scheme files: 5 checked by sha256, all identical" in result.stdout
    # a file new in the scheme is counted apart from the recorded ones, which are all the same
    (copy / "rulesets" / "extra.kpi").write_text('import "common.kpi"\n', encoding="utf-8")
    added = invoke("verify", "m.json")
    assert added.exit_code == 1
    assert "scheme files: 5 checked by sha256, all identical; 1 new in the scheme" in added.stdout


def test_verify_speaks_chinese(project):
    result = invoke("verify", "--lang", "zh", "run.manifest.json")
    assert result.exit_code == 0, result.output
    assert "方案文件：已按 sha256 核对 5 个，全部一致" in result.stdout
    assert result.stdout.splitlines()[-1].startswith("完全一致：运行结果可以复现")


# ---------------------------------------------------------------------- snapshots


def test_a_snapshot_verifies_after_the_live_data_changed(project):
    made = invoke("run", "--period", PERIOD, "--snapshot", "snap", "--manifest", "again.json")
    assert made.exit_code == 0, made.output
    snap = project / "snap"
    assert sorted(p.relative_to(snap).as_posix() for p in snap.rglob("*")) == sorted([
        "README.txt", "kpirules.toml", "manifest.json", "data", "scheme",
        *(f"data/{d}.parquet" for d in load_json(project / "run.manifest.json")["datasets"]),
        *(f"scheme/{p.name}" for p in (project / "rulesets").glob("*.kpi")),
    ])
    assert (snap / "manifest.json").read_bytes() == (project / "again.json").read_bytes()
    assert sha256(snap / "scheme/telesales.kpi") == sha256(project / "rulesets/telesales.kpi")

    # the live data changes: a December payment of P025 is corrected to nothing
    replace_once(project / "data/sample/payments.csv",
                 "PAY001158,P025,2026-12-02,87330.97", "PAY001158,P025,2026-12-02,0.00")
    live = invoke("verify", "again.json")
    assert live.exit_code == 1
    assert "  payments fingerprint: " in live.stdout and f"  P025 {PERIOD} collection_rate.value: " in live.stdout
    for way in (["again.json", "--snapshot", "snap"], ["snap"], ["snap/manifest.json"]):
        kept = invoke("verify", *way)
        assert kept.exit_code == 0, (way, kept.output)
        assert "against the snapshot in snap." in kept.stdout
        assert kept.stdout.splitlines()[-1].startswith("Identical: the run is reproduced")
    # and `kpirules run --config snap/kpirules.toml` evaluates the same inputs to the same results
    rerun = invoke("run", "--config", "snap/kpirules.toml", "--period", PERIOD, "--manifest", "from-snap.json")
    assert rerun.exit_code == 0, rerun.output
    assert load_json(project / "from-snap.json")["results"] == load_json(project / "again.json")["results"]
    # the snapshot's own files are checked too
    replace_once(snap / "scheme/telesales.kpi", "weight 40%", "weight 45%")
    edited = invoke("verify", "snap")
    assert edited.exit_code == 1 and "  rulesets/telesales.kpi: changed, sha256 " in edited.stdout


def test_a_snapshot_does_not_overwrite_a_folder_unless_forced(project):
    (project / "snap").mkdir()
    (project / "snap/notes.txt").write_text("mine\n", encoding="utf-8")
    refused = invoke("run", "--period", PERIOD, "--snapshot", "snap", "--manifest", "m.json")
    assert refused.exit_code == 2
    assert "error[E845]: --snapshot snap is not empty" in refused.stderr
    assert [p.name for p in (project / "snap").iterdir()] == ["notes.txt"]
    assert not (project / "m.json").exists()
    # --force replaces an earlier snapshot only, never a folder of someone's files
    forced = invoke("run", "--period", PERIOD, "--snapshot", "snap", "--force")
    assert forced.exit_code == 2
    assert "error[E845]: --snapshot snap holds files that are not a kpirules snapshot" in forced.stderr
    assert [p.name for p in (project / "snap").iterdir()] == ["notes.txt"]
    (project / "snap/notes.txt").unlink()
    assert invoke("run", "--period", PERIOD, "--snapshot", "snap").exit_code == 0
    (project / "snap/extra.txt").write_text("left by the last snapshot's reader\n", encoding="utf-8")
    again = invoke("run", "--period", PERIOD, "--snapshot", "snap", "--force")
    assert again.exit_code == 0, again.output
    assert not (project / "snap/extra.txt").exists() and (project / "snap/manifest.json").is_file()
    assert [p.name for p in project.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("folder", ["rulesets", "rulesets/snap", "."])
def test_a_snapshot_never_replaces_or_joins_the_scheme(project, folder):
    """A snapshot in the rulesets folder would delete the scheme (with --force) or be read as
    part of it by the next run; the project folder holds the configuration."""
    before = sorted(p.name for p in (project / "rulesets").iterdir())
    refused = invoke("run", "--period", PERIOD, "--snapshot", folder, "--force")
    assert refused.exit_code == 2
    # refused before anything is replaced: as a folder of other files, or (new folder
    # among the scheme files) as a place the next run would read
    assert f"error[E845]: --snapshot {folder} " in refused.stderr
    assert sorted(p.name for p in (project / "rulesets").iterdir()) == before
    assert invoke("check").exit_code == 0


def test_a_snapshot_that_cannot_be_written_is_a_clear_error(project):
    result = invoke("run", "--period", PERIOD, "--snapshot", "run.json/snap", "--manifest", "m.json")
    assert result.exit_code == 2
    # the parent is a file: said so, not "File exists"
    assert result.stderr.startswith("error[E845]: --snapshot run.json/snap: run.json is a file, not a folder\n")
    assert "Traceback" not in result.output and not (project / "m.json").exists()
    deeper = invoke("run", "--period", PERIOD, "--snapshot", "run.json/a/snap")
    assert deeper.exit_code == 2
    assert "error[E845]: --snapshot run.json/a/snap: run.json is a file, not a folder" in deeper.stderr


@pytest.mark.parametrize("where", ["missing/snap", "missing/deeper/snap"])
def test_a_snapshot_folder_is_created_but_not_its_parent(project, where):
    """Like --per-person: the folder may be new, the folder above it must exist, so a typo
    in the path does not put pay data in folders nobody chose."""
    result = invoke("run", "--period", PERIOD, "--snapshot", where, "--manifest", "m.json")
    assert result.exit_code == 2
    parent = where.rsplit("/", 1)[0]
    assert result.stderr.startswith(f"error[E845]: --snapshot {where}: the folder {parent} does not exist\n")
    assert "its parent must exist" in result.stderr and result.stdout == ""
    assert not (project / "missing").exists() and not (project / "m.json").exists()
    (project / parent).mkdir(parents=True)
    made = invoke("run", "--period", PERIOD, "--snapshot", where)
    assert made.exit_code == 0, made.output
    assert (project / where / "manifest.json").is_file()


def test_a_failed_run_leaves_no_snapshot(project):
    result = invoke("run", "--period", "2027-05", "--snapshot", "snap", "--manifest", "m.json")
    assert result.exit_code == 1
    assert "error[E503]" in result.stderr
    assert not (project / "snap").exists() and not (project / "m.json").exists()
    assert [p.name for p in project.iterdir() if p.name.startswith(".")] == []


def test_snapshot_options_are_checked(project):
    (project / "empty").mkdir()
    result = invoke("verify", "run.manifest.json", "--snapshot", "empty")
    assert result.exit_code == 2
    assert "error[E844]: empty is not a kpirules snapshot: it has no manifest.json, kpirules.toml, data, scheme" \
        in result.stderr
    assert invoke("run", "--period", PERIOD, "--snapshot", "snap").exit_code == 0
    both = invoke("verify", "run.manifest.json", "--snapshot", "snap", "--env", "sample")
    assert both.exit_code == 2 and "error[E847]: --snapshot reads the snapshot's own configuration" in both.stderr
    # the snapshot named as the thing to verify: no --snapshot was given to blame
    folder = invoke("verify", "snap", "--env", "sample")
    assert folder.exit_code == 2
    assert "error[E847]: snap is a snapshot, verified with its own configuration" in folder.stderr


# ---------------------------------------------------------------------- a live database


def test_a_snapshot_of_a_postgres_source_verifies_after_the_table_changed(project, monkeypatch):
    """The case snapshots are for: payments come from a database that changes after the run."""
    if not (os.environ.get(PG_DSN_ENV) and os.environ.get(PG_PASSWORD_ENV) is not None):
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL tests cannot run under CI=true: {PG_DSN_ENV} or {PG_PASSWORD_ENV} is not set",
                        pytrace=False)
        pytest.skip(f"{PG_DSN_ENV} or {PG_PASSWORD_ENV} is not set (.ci/run starts a server and sets them)")
    import adbc_driver_postgresql.dbapi as adbc
    import tomli_w

    from kpirules.sources.postgres_server import parse_dsn, render_dsn

    params = parse_dsn(os.environ[PG_DSN_ENV])
    password = os.environ[PG_PASSWORD_ENV]
    try:
        connection = adbc.connect(render_dsn({**params, "password": password, "connect_timeout": "5"}),
                                  autocommit=True)
    except Exception as exc:  # noqa: BLE001 - the server is not there: say so as the postgres tests do
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL tests cannot run under CI=true: cannot connect: {exc}", pytrace=False)
        pytest.skip(f"cannot connect to the PostgreSQL server in {PG_DSN_ENV}: {str(exc).strip()}")
    schema = f"kpirules_verify_{uuid.uuid4().hex[:8]}"
    cursor = connection.cursor()
    try:
        cursor.execute(f"CREATE SCHEMA {schema}")
        payments = duckdb.connect().sql(
            f"SELECT * FROM read_csv('{project / 'data/sample/payments.csv'}', types={{'amount': 'DECIMAL(12,2)'}})"
        ).to_arrow_table()
        cursor.adbc_ingest("payments", payments, mode="create", db_schema_name=schema)
        config = project / "kpirules.toml"
        binding = {"source": "postgres", "host": params.get("host", "localhost"), "port": int(params.get("port", 5432)),
                   "dbname": params["dbname"], "user": params["user"], "password_env": PG_PASSWORD_ENV,
                   "table": f"{schema}.payments"}
        replace_once(config, '[env.sample.datasets.payments]\nsource = "csv"\npath = "data/sample/payments.csv"\n',
                     tomli_w.dumps({"env": {"sample": {"datasets": {"payments": binding}}}}))
        made = invoke("run", "--period", PERIOD, "--snapshot", "snap", "--manifest", "db.json")
        assert made.exit_code == 0, made.output
        recorded = load_json(project / "db.json")
        assert recorded["datasets"]["payments"]["source"] == "postgres"
        # the same rows from the database as from the CSV file: the same fingerprint
        assert recorded["datasets"]["payments"]["fingerprint"] == \
               load_json(project / "run.manifest.json")["datasets"]["payments"]["fingerprint"]

        cursor.execute(f"UPDATE {schema}.payments SET amount = 0 WHERE payment_id = 'PAY001158'")
        live = invoke("verify", "db.json", "--format", "json")
        assert live.exit_code == 1
        changed = {(d["kind"], d["subject"], d["field"]) for d in json.loads(live.stdout)["differences"]}
        assert ("dataset", "payments", "fingerprint") in changed
        assert ("person", f"P025 {PERIOD}", "collection_rate.value") in changed
        kept = invoke("verify", "db.json", "--snapshot", "snap")
        assert kept.exit_code == 0, kept.output
    finally:
        cursor.execute(f"DROP SCHEMA {schema} CASCADE")
        cursor.close()
        connection.close()


def test_a_new_snapshot_folder_among_the_scheme_files_is_refused(project):
    refused = invoke("run", "--period", PERIOD, "--snapshot", "rulesets/snap")
    assert refused.exit_code == 2
    assert "error[E845]: --snapshot rulesets/snap would hold or sit beside the run's own inputs" in refused.stderr
    assert not (project / "rulesets/snap").exists()


# ---------------------------------------------------------------------- the run's files, together


def hidden(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def test_output_that_is_an_input_is_refused_before_the_manifest_and_snapshot_are_written(project):
    # the manifest and the snapshot were written first, then -o failed with E006 (exit 2)
    result = invoke("run", "--period", PERIOD, "--format", "csv", "-o", "data/sample/people.csv",
                    "--manifest", "m.json", "--snapshot", "snap")
    assert result.exit_code == 2
    # said once the inputs are read, before the evaluation (which says its period first)
    assert result.stderr.startswith("error[E006]: data/sample/people.csv is one of this command's inputs")
    assert not (project / "m.json").exists() and not (project / "snap").exists() and hidden(project) == []


def test_an_output_that_cannot_be_written_leaves_the_manifest_and_snapshot_as_they_were(project):
    """-o names a file its folder cannot hold (a name of 250 characters: its temporary file
    beside it is longer than a file name may be), after the evaluation: the earlier manifest
    and the snapshot that --force would replace stay as they were."""
    assert invoke("run", "--period", PERIOD, "--snapshot", "snap", "--manifest", "m.json").exit_code == 0
    before = {path: path.read_bytes() for path in [project / "m.json", *(project / "snap").rglob("*")]
              if path.is_file()}
    name = "r" * 246 + ".csv"
    result = invoke("run", "--period", PERIOD, "--format", "csv", "-o", name,
                    "--manifest", "m.json", "--snapshot", "snap", "--force")
    assert result.exit_code == 2
    assert f"error[E007]: cannot write {name}: File name too long" in result.stderr
    after = {path: path.read_bytes() for path in [project / "m.json", *(project / "snap").rglob("*")]
             if path.is_file()}
    assert after == before
    assert not (project / name).exists() and hidden(project) == []


def test_a_snapshot_refused_at_the_end_leaves_no_output_and_no_manifest(project):
    # a new folder among the scheme files is refused once the manifest says what the scheme read
    result = invoke("run", "--period", PERIOD, "--format", "csv", "-o", "out.csv", "--manifest", "m.json",
                    "--snapshot", "rulesets/snap")
    assert result.exit_code == 2
    assert "error[E845]: --snapshot rulesets/snap would hold or sit beside the run's own inputs" in result.stderr
    assert not (project / "out.csv").exists() and not (project / "m.json").exists()
    assert hidden(project) == [] and not (project / "rulesets/snap").exists()


def test_the_manifest_place_is_checked_before_the_work(project):
    # a missing folder was found after the evaluation, with the snapshot already made
    result = invoke("run", "--period", PERIOD, "--snapshot", "sn", "--manifest", "nodir/m.json",
                    "-o", "o.csv", "--format", "csv")
    assert result.exit_code == 2
    assert f"Invalid value for '--manifest': the folder {project / 'nodir'} does not exist" in result.stderr
    assert "period" not in result.stderr and not (project / "sn").exists() and not (project / "o.csv").exists()
    # and a manifest over an input is refused before the evaluation too
    result = invoke("run", "--period", PERIOD, "--manifest", "data/sample/people.csv", "--snapshot", "sn")
    assert result.exit_code == 2
    assert result.stderr.startswith("error[E006]: data/sample/people.csv is one of this command's inputs")
    assert not (project / "sn").exists()


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_output_and_manifest_may_not_be_one_file(project, fmt):
    # exit 0, and the output silently replaced the manifest
    (project / "same.out").write_text("kept\n", encoding="utf-8")
    result = invoke("run", "--period", PERIOD, "--format", fmt, "-o", "same.out", "--manifest", "./same.out")
    assert result.exit_code == 2
    assert result.stderr.startswith("error[E008]: -o same.out and --manifest ./same.out name the same file: "
                                    "one would replace the other\n")
    assert (project / "same.out").read_text(encoding="utf-8") == "kept\n"


@pytest.mark.parametrize(("option", "path"), [("-o", "snap/out.csv"), ("--manifest", "snap/manifest.json")])
def test_no_output_goes_inside_the_snapshot_folder(project, option, path):
    (project / "snap").mkdir()
    result = invoke("run", "--period", PERIOD, "--format", "csv", option, path, "--snapshot", "snap")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error[E008]: {option} {path} is inside the --snapshot folder snap, "
                                    "which the snapshot replaces as a whole\n")
    assert list((project / "snap").iterdir()) == []


def test_verify_with_config_finds_the_ruleset_paths_the_run_was_given(project, monkeypatch):
    # arguments.rulesets ("rulesets") was read from the current folder: E001 from anywhere else
    made = invoke("run", "rulesets", "--period", PERIOD, "--manifest", "paths.json")
    assert made.exit_code == 0, made.output
    assert load_json(project / "paths.json")["arguments"]["rulesets"] == ["rulesets"]
    monkeypatch.chdir(project.parent)
    result = invoke("verify", str(project / "paths.json"), "--config", str(project / "kpirules.toml"))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("Identical: the run is reproduced")


def test_the_manifest_writes_payouts_as_the_json_output_does(project):
    """With a rounding step of 0.001 the JSON output's payout.total is 1234.560, and the
    manifest wrote 1234.56 (it kept trailing zeros for two places only)."""
    replace_once(project / "rulesets/common.kpi", "rounding half_up 0.01", "rounding half_up 0.001")
    made = invoke("run", "--period", PERIOD, "--format", "json", "-o", "r.json", "--manifest", "m.json")
    assert made.exit_code == 0, made.output
    output, manifest = load_json(project / "r.json"), load_json(project / "m.json")
    shown = {p["person_id"]: p["payout"]["total"] for p in output["people"] if p["payout"]}
    records = {r["person"]: r["payout"] for r in manifest["results"]["records"] if r["payout"] is not None}
    assert records == shown
    assert all(re.fullmatch(r"-?\d+\.\d{3}", payout) for payout in records.values())
    assert any(payout.endswith("0") for payout in records.values())

    # a manifest written before this change (payouts without trailing zeros, sealed as
    # reproducible.md says) still verifies: numbers are compared by value
    for record in manifest["results"]["records"]:
        if record["payout"] is not None:
            record["payout"] = format(Decimal(record["payout"]).normalize(), "f")  # as fmt_decimal wrote it
    body = {k: v for k, v in manifest.items() if k != "seal"}
    manifest["seal"] = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    (project / "old.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    assert any(r["payout"] != records[r["person"]] for r in manifest["results"]["records"] if r["payout"])
    result = invoke("verify", "old.json")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1].startswith("Identical: the run is reproduced")


def test_verify_in_a_copy_reads_the_copy_not_the_folder_the_run_was_made_in(project, monkeypatch):
    # a run made in rulesets/ with --config ../kpirules.toml recorded the configuration's
    # absolute path: verify in a copy of the project re-read the original, and said Identical
    (project / "runs").mkdir()
    monkeypatch.chdir(project / "rulesets")
    made = invoke("run", "--config", "../kpirules.toml", "--period", PERIOD, "--manifest", "../runs/sub.json")
    assert made.exit_code == 0, made.output
    assert load_json(project / "runs" / "sub.json")["arguments"]["config"] == "../kpirules.toml"
    copy = project.parent / "copy"
    shutil.copytree(project, copy)
    replace_once(copy / "rulesets" / "sales_manager.kpi", "weight 40%", "weight 50%")
    monkeypatch.chdir(copy / "rulesets")
    result = invoke("verify", "../runs/sub.json")
    assert result.exit_code == 1, result.output
    assert "scheme files: 1 of 5 differ" in result.stdout
    # from another folder of the copy, the configuration is not where the run had it
    monkeypatch.chdir(copy)
    elsewhere = invoke("verify", "runs/sub.json")
    assert elsewhere.exit_code == 2
    assert "error[E848]: the run read its configuration from ../kpirules.toml, which is not here" in elsewhere.stderr


def test_a_pacing_output_is_said_to_be_one_not_an_edited_manifest(project):
    # seven E841 "key ... is missing ... do not edit it" pointed at tampering
    made = invoke("run", "--as-of", "2026-12-10", "--format", "json", "-o", "pace.json")
    assert made.exit_code == 0, made.output
    result = invoke("verify", "pace.json")
    assert result.exit_code == 1
    assert result.stderr.count("error[E841]") == 1
    assert ("error[E841]: pace.json is the output of a pacing run (--as-of 2026-12-10), not a run manifest: a "
            "projection is not a run to verify") in result.stderr
