"""The sample company: reproducible from its seed, shaped like rulesets/common.kpi, and
holding the people and cases data/sample/README.md promises.

The roster and fact checks run DuckDB SQL over the shipped files, read with the column
types the scheme declares (a value that does not parse as its type fails the read). The
ids and figures asserted are those listed in data/sample/README.md for seed 2026.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from kpirules.cli import cli
from kpirules.model import load_scheme
from kpirules.sample import DATASETS, MAX_SAMPLE_BYTES, generate

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "data" / "sample"
DUCKDB_TYPES = {
    "string": "VARCHAR", "integer": "BIGINT", "money": "DECIMAL(14,2)", "date": "DATE",
    "timestamp": "TIMESTAMP", "boolean": "BOOLEAN",
}
ROLES = ("telesales", "senior_telesales", "key_account_manager", "customer_success_manager", "sales_manager")
# Fact dataset -> (person column, date columns that must fall inside the person's employment).
FACT_DATES = {
    "calls": ("agent_id", ("called_at",)),
    "leads": ("owner_id", ("created_at", "converted_at")),
    "contracts": ("owner_id", ("signed_on",)),
    "invoices": ("owner_id", ("invoiced_on",)),
    "payments": ("owner_id", ("paid_on",)),
    "visits": ("owner_id", ("visited_on",)),
    "milestones": ("owner_id", ("due_on", "completed_on")),
    "surveys": ("owner_id", ("answered_on",)),
    "renewals": ("owner_id", ("due_on",)),
}


@pytest.fixture(scope="module")
def scheme():
    return load_scheme([REPO / "rulesets"])


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    generate(out)
    return out


def shipped_file(dataset: str) -> Path:
    parquet = SAMPLE / f"{dataset}.parquet"
    return parquet if parquet.exists() else SAMPLE / f"{dataset}.csv"


@pytest.fixture(scope="module")
def db(scheme):
    """The shipped files as DuckDB views, typed as the scheme declares."""
    con = duckdb.connect()
    for dataset in scheme.datasets.values():
        path = shipped_file(dataset.id)
        if path.suffix == ".parquet":
            source = f"read_parquet('{path}')"
        else:
            columns = ", ".join(f"'{c.name}': '{DUCKDB_TYPES[c.type]}'" for c in dataset.columns.values())
            source = (
                f"read_csv('{path}', header=true, auto_detect=false, delim=',', quote='', "
                f"escape='', columns={{{columns}}})"
            )
        con.execute(f"CREATE TABLE {dataset.id} AS SELECT * FROM {source}")
    return con


def rows(db, sql: str) -> list[tuple]:
    return db.execute(sql).fetchall()


def value(db, sql: str):
    return rows(db, sql)[0][0]


# -- reproducible, and shaped like the scheme ----------------------------------------


def test_generator_reproduces_the_shipped_files(generated: Path):
    made = sorted(p.name for p in generated.iterdir())
    shipped = sorted(p.name for p in SAMPLE.iterdir() if p.name != "README.md")
    assert made == shipped
    for name in made:
        if name.endswith(".csv"):
            assert (generated / name).read_bytes() == (SAMPLE / name).read_bytes(), name
        else:
            assert pq.read_table(generated / name).equals(pq.read_table(SAMPLE / name)), name


def test_another_seed_gives_other_data_of_the_same_shape(tmp_path: Path, generated: Path):
    generate(tmp_path, seed=7)
    for name in ("people.csv", "leads.csv", "contracts.csv"):
        assert (tmp_path / name).read_bytes() != (generated / name).read_bytes(), name
    assert not pq.read_table(tmp_path / "calls.parquet").equals(pq.read_table(generated / "calls.parquet"))
    # Ids and roles are the layout's, not the seed's.
    ids = [line.split(",")[:3:2] for line in (tmp_path / "people.csv").read_text("utf-8").splitlines()]
    assert ids == [line.split(",")[:3:2] for line in (generated / "people.csv").read_text("utf-8").splitlines()]


def test_datasets_are_those_of_common_kpi(scheme):
    declared = {
        d.id: tuple((c.name, c.type) for c in d.columns.values()) for d in scheme.datasets.values()
    }
    assert declared == DATASETS


def test_shipped_files_have_the_declared_columns_and_formats(scheme):
    for dataset in scheme.datasets.values():
        path = shipped_file(dataset.id)
        names = list(dataset.columns)
        if path.suffix == ".parquet":
            assert pq.read_schema(path).names == names
            continue
        data = path.read_bytes()
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data and b'"' not in data
        header = data.decode("utf-8").split("\n", 1)[0]
        assert header.split(",") == names, dataset.id


def test_only_calls_is_parquet_and_the_folder_stays_under_2_mb():
    assert sorted(p.name for p in SAMPLE.glob("*.parquet")) == ["calls.parquet"]
    assert sum(p.stat().st_size for p in SAMPLE.iterdir()) < MAX_SAMPLE_BYTES


def test_money_timestamps_and_booleans_are_written_as_documented():
    assert (SAMPLE / "people.csv").read_text("utf-8").splitlines()[1].endswith(",25500.00")
    contract = (SAMPLE / "contracts.csv").read_text("utf-8").splitlines()[1]
    assert contract.rsplit(",", 1)[1].endswith(".00")
    assert (SAMPLE / "renewals.csv").read_text("utf-8").splitlines()[1].rsplit(",", 1)[1] in ("true", "false")
    # Parquet stores seconds as milliseconds; the values stay whole seconds, local time.
    called_at = pq.read_table(SAMPLE / "calls.parquet").column("called_at")
    assert called_at.type.tz is None
    assert all(t.microsecond == 0 for t in called_at.to_pylist()[:1000])


def test_kpirules_toml_binds_every_dataset_to_its_sample_file(scheme):
    config = tomllib.loads((REPO / "kpirules.toml").read_text("utf-8"))
    assert config["project"] == {"rulesets": ["rulesets"], "default_env": "sample"}
    bindings = config["env"]["sample"]["datasets"]
    assert sorted(bindings) == sorted(scheme.datasets)
    for dataset, binding in bindings.items():
        path = REPO / binding["path"]
        assert path == shipped_file(dataset)
        assert binding["source"] == path.suffix.lstrip("."), dataset


def test_config_loader_accepts_kpirules_toml():
    from kpirules.config import load_config

    config = load_config(REPO / "kpirules.toml")
    assert config.project.default_env == "sample"


def test_sources_check_passes_on_the_sample_and_reports_p999(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(cli, ["sources", "check"])
    assert result.exit_code == 0, result.output
    assert "3 rows credit people not in the roster ('P999'), the first at row " in result.output


# -- the roster ----------------------------------------------------------------------


def test_roster_has_sixty_people_in_every_role(db):
    counts = dict(rows(db, "SELECT role, count(*) FROM people GROUP BY role"))
    assert counts == {
        "telesales": 28, "senior_telesales": 8, "key_account_manager": 9,
        "customer_success_manager": 8, "sales_manager": 7,
    }
    assert set(counts) == set(ROLES)
    assert value(db, "SELECT count(DISTINCT person_id) FROM people WHERE regexp_full_match(person_id, 'P[0-9]{3}')") == 60
    # Chinese names of two or three characters, all different.
    assert value(db, "SELECT count(DISTINCT name) FROM people WHERE regexp_full_match(name, '[\u4e00-\u9fff]{2,3}')") == 60


def test_manager_hierarchy_is_a_tree_under_the_head_of_sales(db):
    assert rows(db, "SELECT person_id, role FROM people WHERE manager_id IS NULL") == [("P001", "sales_manager")]
    assert value(db, "SELECT count(*) FROM people WHERE manager_id NOT IN (SELECT person_id FROM people)") == 0
    # Everyone is reached from the head by following reports, so there is no cycle.
    depths = rows(db, """
        WITH RECURSIVE chain(person_id, depth) AS (
            SELECT person_id, 0 FROM people WHERE manager_id IS NULL
            UNION ALL
            SELECT p.person_id, c.depth + 1 FROM people p JOIN chain c ON p.manager_id = c.person_id
            WHERE c.depth < 10
        )
        SELECT depth, count(*) FROM chain GROUP BY depth ORDER BY depth""")
    assert depths == [(0, 1), (1, 6), (2, 53)]  # the head's team: 6 direct, 53 indirect reports


def test_each_team_has_one_sales_manager_reporting_to_the_head(db):
    teams = rows(db, """
        SELECT team, list(person_id ORDER BY person_id) FROM people
        WHERE role = 'sales_manager' AND team <> '销售部' GROUP BY team ORDER BY team""")
    assert len(teams) == 6 and all(len(managers) == 1 for _, managers in teams)
    assert value(db, """
        SELECT count(*) FROM people p JOIN people m ON p.manager_id = m.person_id
        WHERE p.role <> 'sales_manager' AND (m.team <> p.team OR m.role <> 'sales_manager')""") == 0
    assert value(db, """
        SELECT count(*) FROM people WHERE role = 'sales_manager' AND manager_id IS NOT NULL
        AND manager_id <> 'P001'""") == 0


def test_new_hires_and_leavers(db):
    assert rows(db, "SELECT person_id, hired_on::VARCHAR FROM people WHERE year(hired_on) = 2026 ORDER BY 1") == [
        ("P019", "2026-06-15"), ("P060", "2026-10-08"),
    ]
    assert rows(db, "SELECT person_id, left_on::VARCHAR FROM people WHERE left_on IS NOT NULL ORDER BY 1") == [
        ("P015", "2026-06-12"), ("P051", "2026-09-30"),
    ]


def test_target_incentive_only_for_key_account_and_sales_managers(db):
    assert rows(db, "SELECT DISTINCT role FROM people WHERE target_incentive IS NOT NULL ORDER BY 1") == [
        ("key_account_manager",), ("sales_manager",),
    ]
    assert value(db, """
        SELECT count(*) FROM people WHERE role IN ('key_account_manager', 'sales_manager')
        AND target_incentive IS NULL""") == 0


def test_quarterly_targets_per_key_account_manager_and_quarter_employed(db):
    per_person = dict(rows(db, "SELECT person_id, list(period ORDER BY period) FROM quarterly_targets GROUP BY 1"))
    assert len(per_person) == 9
    assert per_person["P051"] == ["2026Q1", "2026Q2", "2026Q3"]  # left on 2026-09-30
    assert all(periods == ["2026Q1", "2026Q2", "2026Q3", "2026Q4"] for pid, periods in per_person.items() if pid != "P051")
    assert rows(db, "SELECT min(contract_amount), max(contract_amount) FROM quarterly_targets")[0] >= (1_500_000, 1_500_000)
    assert value(db, "SELECT max(contract_amount) FROM quarterly_targets") <= 3_000_000


# -- the facts -------------------------------------------------------------------------


def test_every_fact_row_belongs_to_the_roster_except_three_calls_of_p999(db):
    for dataset, (person, _) in FACT_DATES.items():
        unknown = rows(db, f"SELECT {person}, count(*) FROM {dataset} WHERE {person} NOT IN (SELECT person_id FROM people) GROUP BY 1")
        assert unknown == ([("P999", 3)] if dataset == "calls" else []), dataset


def test_no_activity_before_hiring_or_after_leaving(db):
    for dataset, (person, dates) in FACT_DATES.items():
        for column in dates:
            outside = value(db, f"""
                SELECT count(*) FROM {dataset} f JOIN people p ON p.person_id = f.{person}
                WHERE f.{column}::DATE < p.hired_on OR f.{column}::DATE > p.left_on""")
            assert outside == 0, f"{dataset}.{column}"


def test_activity_covers_2026_with_history_only_where_first_time_needs_it(db):
    assert rows(db, "SELECT min(called_at)::DATE::VARCHAR, max(called_at)::DATE < DATE '2027-01-01' FROM calls") == [("2026-01-01", True)]
    assert value(db, "SELECT count(DISTINCT month(called_at)) FROM calls") == 12
    assert value(db, "SELECT count(*) FROM contracts WHERE year(signed_on) = 2025") > 0
    assert value(db, "SELECT count(*) FROM leads WHERE year(created_at) = 2025 AND year(converted_at) = 2026") > 0


def monthly_calls(db, person_id: str) -> list[int]:
    return [n for _, n in rows(db, f"""
        SELECT month(called_at), count(*) FROM calls WHERE agent_id = '{person_id}' GROUP BY 1 ORDER BY 1""")]


def test_call_volumes_of_the_notable_telesales(db):
    assert min(monthly_calls(db, "P004")) > 1.3 * 200  # far above target
    assert min(monthly_calls(db, "P010")) > 1.2 * 240  # senior, far above target
    assert max(monthly_calls(db, "P007")) < 0.6 * 200  # below the floor every month
    assert monthly_calls(db, "P019")[:3] == [56, 154, 187]  # new hire ramping up, June-August
    typical = rows(db, """
        SELECT median(n) FROM (SELECT agent_id, month(called_at), count(*) n FROM calls c
        JOIN people p ON p.person_id = c.agent_id WHERE role = 'telesales' GROUP BY ALL)""")[0][0]
    assert 190 <= typical <= 220


def test_leads_convert_around_fifteen_percent_sometimes_in_the_next_month(db):
    assert value(db, "SELECT count(*) FROM leads WHERE (status = 'converted') <> (converted_at IS NOT NULL)") == 0
    assert value(db, "SELECT count(*) FROM leads WHERE converted_at <= created_at") == 0
    assert 0.12 < value(db, "SELECT avg((status = 'converted')::INT) FROM leads") < 0.18
    assert 0.2 < value(db, """
        SELECT avg((date_trunc('month', converted_at) > date_trunc('month', created_at))::INT)
        FROM leads WHERE status = 'converted'""") < 0.5
    assert value(db, "SELECT round(avg((status = 'converted')::INT), 3) FROM leads WHERE owner_id = 'P036'") < 0.09


NEW_KEY_CUSTOMERS = """
    WITH first AS (SELECT customer_id, min(signed_on) AS first_on FROM contracts GROUP BY 1)
    SELECT quarter(signed_on), count(DISTINCT c.customer_id) FROM contracts c JOIN first f USING (customer_id)
    WHERE c.owner_id = '{person}' AND year(signed_on) = 2026 AND c.signed_on = f.first_on AND amount >= 500000
    GROUP BY 1 ORDER BY 1"""


def test_key_account_new_customers_and_repeats(db):
    star = dict(rows(db, NEW_KEY_CUSTOMERS.format(person="P043")))
    assert sorted(star) == [1, 2, 3, 4] and min(star.values()) >= 3
    weak = dict(rows(db, NEW_KEY_CUSTOMERS.format(person="P047")))
    assert max(weak.values(), default=0) <= 1
    # The boundary case: a first-ever contract of exactly 500,000.00.
    assert rows(db, """
        SELECT contract_id, customer_id, (SELECT count(*) FROM contracts c2 WHERE c2.customer_id = c.customer_id
        AND c2.signed_on < c.signed_on) FROM contracts c WHERE owner_id = 'P044' AND amount = 500000""") == [
        ("CT00451", "CU03677", 0),
    ]
    # 2025 customers signing >= 50万 in 2026: repeats that first_time must not count.
    assert value(db, """
        SELECT count(*) FROM contracts c WHERE year(signed_on) = 2026 AND amount >= 500000
        AND customer_id IN (SELECT customer_id FROM contracts WHERE year(signed_on) = 2025)""") > 5


def test_collection_rates_refunds_and_a_month_without_payments(db):
    rates = rows(db, """
        WITH i AS (SELECT owner_id, month(invoiced_on) m, sum(amount) inv FROM invoices GROUP BY ALL),
             p AS (SELECT owner_id, month(paid_on) m, sum(amount) paid FROM payments GROUP BY ALL)
        SELECT owner_id, m, paid / inv FROM i LEFT JOIN p USING (owner_id, m)""")
    assert [(pid, m) for pid, m, rate in rates if rate is None] == [("P025", 7)]
    paid = [float(rate) for _, _, rate in rates if rate is not None]
    assert 0.6 <= min(paid) < 0.7 and 1.05 < max(paid) <= 1.1
    assert max(float(r) for pid, _, r in rates if pid == "P027") < 0.8
    assert value(db, "SELECT count(*) FROM payments WHERE amount < 0") > 10


def test_milestones_on_time_late_and_open(db):
    on_time, late, open_ = rows(db, """
        SELECT count(*) FILTER (WHERE completed_on <= due_on), count(*) FILTER (WHERE completed_on > due_on),
        count(*) FILTER (WHERE completed_on IS NULL) FROM milestones""")[0]
    assert on_time > late > 0 and open_ > 0


def test_surveys_and_the_person_without_any(db):
    assert rows(db, "SELECT min(score), max(score) FROM surveys") == [(1, 5)]
    without = rows(db, """
        SELECT person_id FROM people WHERE role <> 'sales_manager'
        AND person_id NOT IN (SELECT owner_id FROM surveys)""")
    assert without == [("P049",)]
    assert value(db, "SELECT avg((score >= 4)::INT) FROM surveys WHERE owner_id = 'P054'") > 0.95


def test_renewals_around_85_percent_and_a_low_renewer(db):
    assert 0.8 < value(db, "SELECT avg(renewed::INT) FROM renewals") < 0.9
    low_months = rows(db, """
        SELECT month(due_on) FROM renewals WHERE owner_id = 'P055' GROUP BY 1
        HAVING avg(renewed::INT) < 0.7 ORDER BY 1""")
    assert [m for (m,) in low_months] == [2, 4, 8, 10, 12]


def test_team_visits_around_the_sales_manager_target(db):
    visits = dict(rows(db, """
        SELECT team, avg(n) FROM (SELECT p.team, month(visited_on), count(*) n FROM visits v
        JOIN people p ON p.person_id = v.owner_id WHERE new_customer GROUP BY ALL) GROUP BY 1"""))
    assert all(35 < visits[team] < 50 for team in ("华东一组", "华东二组", "华南组", "华北组", "大客户部"))
    assert visits["客户成功部"] < 10


def test_payout_adjustments(db):
    assert rows(db, "SELECT person_id, period, amount::VARCHAR, approved_by FROM payout_adjustments") == [
        ("P004", "2026-03", "1500.00", "P001"),
        ("P043", "2026-06", "-5000.00", "P001"),
        ("P055", "2026-11", "800.00", "P052"),
    ]


# -- the command -------------------------------------------------------------------------


def test_sample_command_writes_then_refuses_to_overwrite(tmp_path: Path):
    out = tmp_path / "demo"
    first = CliRunner().invoke(cli, ["sample", "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in SAMPLE.iterdir() if p.name != "README.md")
    assert (out / "people.csv").read_bytes() == (SAMPLE / "people.csv").read_bytes()
    assert "12 files" in first.output

    (out / "people.csv").write_text("edited\n", encoding="utf-8")
    again = CliRunner().invoke(cli, ["sample", "--out", str(out)])
    assert again.exit_code == 2
    assert "12 sample files already exist" in again.output and "--force" in again.output
    assert (out / "people.csv").read_text("utf-8") == "edited\n"  # nothing was touched

    forced = CliRunner().invoke(cli, ["sample", "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert (out / "people.csv").read_bytes() == (SAMPLE / "people.csv").read_bytes()


def test_force_removes_a_dataset_written_in_the_other_format(tmp_path: Path):
    # an older calls.csv beside the new calls.parquet would be read by a binding naming it
    out = tmp_path / "demo"
    out.mkdir()
    (out / "calls.csv").write_text("call_id,agent_id,called_at,duration_s\nold,P001,2026-01-05 09:00:00,60\n",
                                   encoding="utf-8")
    (out / "notes.csv").write_text("not a sample file\n", encoding="utf-8")
    forced = CliRunner().invoke(cli, ["sample", "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert (out / "calls.parquet").is_file() and not (out / "calls.csv").exists()
    assert (out / "notes.csv").read_text("utf-8") == "not a sample file\n"  # only sample files go
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [p.name for p in SAMPLE.iterdir() if p.name != "README.md"] + ["notes.csv"])


def test_sample_into_a_folder_below_a_file_is_e007_and_creates_nothing(tmp_path: Path, monkeypatch):
    # was "internal error ... This is a bug" with a traceback's last line
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("", encoding="utf-8")
    result = CliRunner().invoke(cli, ["sample", "--out", "afile/sub"])
    assert result.exit_code == 2, result.output
    assert "error[E007]: cannot write afile/sub: Not a directory" in result.output
    assert "choose another folder with --out" in result.output
    assert "internal error" not in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["afile"]


def test_sample_with_a_folder_where_a_file_goes_changes_no_file_of_the_set(tmp_path: Path, monkeypatch):
    # was an internal error after people.csv, quarterly_targets.csv and calls.parquet were
    # already replaced: 3 files of the new sample beside 9 of the old one
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "people.csv").write_text("old\n", encoding="utf-8")
    (out / "leads.csv").mkdir()
    result = CliRunner().invoke(cli, ["sample", "--out", "out", "--force"])
    assert result.exit_code == 2, result.output
    assert "error[E007]: cannot write out/leads.csv: Is a directory" in result.output
    assert "a folder named like a sample file must be moved away first" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["leads.csv", "people.csv"]  # no temporary files either
    assert (out / "people.csv").read_text("utf-8") == "old\n"


def test_a_set_of_files_one_of_which_cannot_be_written_leaves_all_as_they_were(tmp_path: Path):
    from kpirules.io import write_files_atomic

    (tmp_path / "a.csv").write_text("old a\n", encoding="utf-8")
    files = {tmp_path / "a.csv": b"new a\n", tmp_path / "b.csv": b"new b\n", tmp_path / "gone" / "c.csv": b"c\n"}
    with pytest.raises(FileNotFoundError) as raised:
        write_files_atomic(files)
    assert raised.value.filename == str(tmp_path / "gone" / "c.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]  # b.csv not renamed in, no temporary files
    assert (tmp_path / "a.csv").read_text("utf-8") == "old a\n"


def test_sample_command_has_help_with_an_example():
    result = CliRunner().invoke(cli, ["sample", "--help"])
    assert result.exit_code == 0
    assert "kpirules sample --out" in result.output
