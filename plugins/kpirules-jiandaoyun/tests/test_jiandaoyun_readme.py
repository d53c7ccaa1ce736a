"""The README's subform example, run as the README writes it: its declarations, its bindings
(the `archive` environment, reading the fixture's saved answers at the README's path) and its
measures, checked against the same figures computed in Python from the fixture's records."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import tomli_w
from jiandaoyun_kit import PAGES, saved_records

from kpirules.errors import DataError
from kpirules.testing import make_project

README = Path(__file__).resolve().parents[1] / "README.md"
BEIJING = ZoneInfo("Asia/Shanghai")
Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
#: the fixture's widget names (fixtures/make_fixtures.py, W and SUB): 负责销售, 签约日期, 合同金额,
#: the subform 回款明细 and its 回款日期 and 回款金额
OWNER, SIGNED_ON, AMOUNT = "_widget_1700000000003", "_widget_1700000000004", "_widget_1700000000005"
PAYMENTS, PAID_ON, PAID = "_widget_1700000000010", "_widget_1700000000011", "_widget_1700000000012"


def _blocks(language: str) -> list[str]:
    """The README's fenced code blocks written in `language` ("" for those that name none)."""
    text = README.read_text(encoding="utf-8")
    return [body for lang, body in re.findall(r"^```(\w*)\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
                 if lang == language]


def _in_q1(moment: str) -> bool:
    day = dt.datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(BEIJING).date()
    return Q1[0] <= day <= Q1[1]


def _expected() -> dict[str, dict[str, Decimal]]:
    """measure -> owner -> its 2026Q1 value, from the fixture's records, each date its day in Beijing."""
    collected, payments, paying, signed, contracts = {}, {}, {}, {}, {}
    for record in saved_records():
        owner = record[OWNER]["username"]
        for payment in record.get(PAYMENTS) or []:
            if _in_q1(payment[PAID_ON]):
                collected[owner] = collected.get(owner, 0) + Decimal(str(payment[PAID]))
                payments[owner] = payments.get(owner, 0) + 1
                paying.setdefault(owner, set()).add(record["contract_no"])
        if _in_q1(record[SIGNED_ON]):
            signed[owner] = signed.get(owner, 0) + Decimal(str(record.get(AMOUNT) or 0))
            contracts[owner] = contracts.get(owner, 0) + 1
    return {"sum(payments.paid)": collected, "count(payments.paid)": payments,
            "count_distinct(payments.contract_id)": {o: len(ids) for o, ids in paying.items()},
            "sum(contracts.amount)": signed, "count(contracts)": contracts}


def test_the_subform_example_runs_as_documented(workdir):
    declarations = [b for b in _blocks("") if b.startswith("dataset ")]
    (measures,) = [b for b in _blocks("") if b.startswith("measure ")]
    assert [d.split()[1] for d in declarations] == ["contracts", "payments"]
    bindings = {}
    for block in _blocks("toml"):
        bindings |= tomllib.loads(block).get("env", {}).get("archive", {}).get("datasets", {})
    assert set(bindings) == {"contracts", "payments"} and bindings["payments"]["flatten"] == "回款明细"
    # the saved answers where the README's `pages` points, so its bindings are used as written
    shutil.copytree(PAGES, workdir / bindings["payments"]["pages"])
    expected = _expected()
    owners = sorted(expected["count(contracts)"])
    (workdir / "people.csv").write_text("person_id\n" + "\n".join(owners) + "\n", encoding="utf-8")
    # one auxiliary KPI per measure line of the README, its comment kept
    kpis = "".join(f"  kpi m{i} {{\n    outcome auxiliary\n    {line}\n  }}\n"
                   for i, line in enumerate(measures.splitlines()))
    (workdir / "scheme.kpi").write_text(
        'scheme ka "KA" {\n  period quarter\n  currency CNY\n  timezone "Asia/Shanghai"\n}\n'
        'roster people {\n  id person_id\n  column person_id string required unique\n}\n'
        + "".join(declarations)
        + f'role rep {{\n  applies_to person.person_id != ""\n{kpis}}}\n', encoding="utf-8")
    people = {"people": {"source": "csv", "path": "people.csv"}}
    (workdir / "kpirules.toml").write_text(tomli_w.dumps(
        {"project": {"rulesets": ["scheme.kpi"]}, "env": {"archive": {"datasets": people | bindings}}}),
        encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "KPIRULES_PLUGINS"}
    result = subprocess.run(
        [sys.executable, "-c", "from kpirules.cli import main; main()", "run", "--env", "archive",
         "--period", "2026Q1", "--format", "json"], capture_output=True, text=True, env=env, cwd=workdir, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    run = json.loads(result.stdout)
    # each measure once per person: what the fixture's records give in Python
    texts = [line.split("measure ", 1)[1].split("#")[0].strip() for line in measures.splitlines()]
    assert texts == list(expected)
    got = {text: {p["person_id"]: Decimal(next(k["value"] for k in p["kpis"] if k["id"] == f"m{i}"))
                  for p in run["people"]}
           for i, text in enumerate(texts)}
    assert got == {text: {o: Decimal(values.get(o, 0)) for o in owners} for text, values in expected.items()}
    # the contracts without a payment: a row each, with no paid_on (77: fixtures/make_fixtures.py, and
    # test_jiandaoyun_saved.test_a_flattened_subform_gives_one_row_per_subform_row)
    assert any(w.startswith("payments: 77 rows have no paid_on") for w in run["warnings"]), run["warnings"]


def _payments(workdir, declaration: str, fields: dict[str, str]):
    options = {"pages": str(PAGES), "flatten": "回款明细", "fields": fields}
    return make_project(workdir, declaration, {"payments": {"source": "jiandaoyun", **options}},
                        timezone="Asia/Shanghai")


def test_what_the_readme_warns_of_on_a_flattened_dataset(workdir):
    (declaration,) = [b for b in _blocks("") if b.startswith("dataset payments")]
    binding = tomllib.loads(next(b for b in _blocks("toml") if "datasets.payments" in b))
    fields = binding["env"]["archive"]["datasets"]["payments"]["fields"]
    # `key contract_id`: E648 for every contract with two payments or more (make_fixtures.py gives
    # record i i % 3 payments: the 76 records with i % 3 == 2 of the 230)
    keyed = declaration.replace("  person owner_id\n", "  person owner_id\n  key contract_id\n")
    with pytest.raises(DataError) as caught:
        _payments(workdir, keyed, fields).load()
    (problem,) = caught.value.diagnostics
    assert (problem.code, problem.message) == (
        "E648", "76 values of the key contract_id of dataset payments appear in more than one row")
    # 合同金额, a field of the form, mapped into the flattened dataset: each contract's amount once per
    # payment (and once when it has none), not once
    with_amount = declaration.replace("  column paid_on date\n", "  column paid_on date\n  column amount money\n")
    con, _ = _payments(workdir, with_amount, {**fields, "amount": "合同金额"}).load()
    records = saved_records()
    once = sum(Decimal(str(r.get(AMOUNT) or 0)) for r in records)
    per_row = sum(Decimal(str(r.get(AMOUNT) or 0)) * max(1, len(r.get(PAYMENTS) or [])) for r in records)
    assert con.execute("SELECT sum(amount) FROM payments").fetchone() == (per_row,) and per_row > once
    # count(payments) counts rows, count_distinct of the contract ID the contracts
    assert con.execute("SELECT count(*), count(DISTINCT contract_id) FROM payments").fetchone() == (306, 230)
