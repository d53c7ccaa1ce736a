"""Saved data-list answers (three pages, 230 records) and the widget list, loaded into DuckDB."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from decimal import Decimal

import pytest
from jiandaoyun_kit import BY_TITLE, CONTRACTS, PAGES

from kpirules.errors import ConfigError, DataError

SAVED = {"pages": str(PAGES), "fields": BY_TITLE}

# The first four records of data-list-1.json: 合同编号, 负责销售's username, 客户名称, 签约日期 and
# 合同金额. 签约日期 is stored in UTC: "2026-01-01T02:30:00.000Z" is 10:30 on 2026-01-01 in
# Beijing, "2026-02-06T16:00:00.000Z" is midnight starting 2026-02-07 in Beijing.
FIRST_ROWS = [
    ("HT-2026-0001", "weigang", "华信物流", dt.date(2026, 1, 1), Decimal("10000.0000")),
    ("HT-2026-0002", "zhoumin", "兰亭食品", dt.date(2026, 2, 7), Decimal("17919.0000")),
    ("HT-2026-0003", "annlee", "美利达零售", dt.date(2026, 3, 16), Decimal("25838.0000")),
    ("HT-2026-0004", "duanjiayi", "青山能源", dt.date(2026, 1, 22), Decimal("33757.5000")),
]


def test_saved_pages_load_in_order(contracts_project):
    con, report = contracts_project(SAVED).load()
    assert con.execute("SELECT * FROM contracts ORDER BY rowid LIMIT 4").fetchall() == FIRST_ROWS
    assert report["contracts"].rows == 230
    assert report["contracts"].description.endswith("fixtures/contracts (saved answers, 230 records in 3 pages)")
    # contract numbers run HT-2026-0001 .. HT-2026-0230 across the three files, in data ID order
    assert con.execute("SELECT min(contract_id), max(contract_id), count(DISTINCT contract_id) FROM contracts"
                       ).fetchone() == ("HT-2026-0001", "HT-2026-0230", 230)


def test_a_date_column_takes_the_day_in_the_timezone_of_the_binding(workdir):
    # the scheme in UTC: 签约日期 2026-02-07 (stored as 2026-02-06T16:00:00.000Z) was the 6th;
    # the binding's `timezone`, the zone the form's users enter dates in, gives the 7th again
    from kpirules.testing import make_project

    def first_days(options: dict) -> list:
        project = make_project(workdir, CONTRACTS, {"contracts": {"source": "jiandaoyun", **SAVED, **options}},
                               timezone="UTC")
        con, _ = project.load()
        return [r[0] for r in con.execute("SELECT signed_on FROM contracts ORDER BY rowid LIMIT 4").fetchall()]

    assert first_days({}) == [dt.date(2026, 1, 1), dt.date(2026, 2, 6), dt.date(2026, 3, 15), dt.date(2026, 1, 21)]
    assert first_days({"timezone": "Asia/Shanghai"}) == [row[3] for row in FIRST_ROWS]


def test_amounts_per_salesperson_and_month(contracts_project):
    con, _ = contracts_project(SAVED).load()
    # sums computed from the fixture generator (fixtures/make_fixtures.py) in Python, each
    # 签约日期 shifted to Beijing time before taking its month; 10 records have no 合同金额
    assert con.execute("SELECT owner_id, sum(amount), count(*), count(amount) FROM contracts GROUP BY 1 ORDER BY 1"
                       ).fetchall() == [
        ("annlee", Decimal("2352405.5000"), 46, 44), ("duanjiayi", Decimal("2369501.0000"), 46, 44),
        ("weigang", Decimal("4906180.5000"), 92, 88), ("zhoumin", Decimal("2356679.0000"), 46, 44)]
    assert con.execute("SELECT strftime(signed_on, '%Y-%m'), sum(amount) FROM contracts WHERE owner_id = 'weigang' "
                       "GROUP BY 1 ORDER BY 1").fetchall() == [
        ("2026-01", Decimal("1783292.5000")), ("2026-02", Decimal("1570354.0000")), ("2026-03", Decimal("1552534.0000"))]


def test_fields_by_alias_widget_id_and_system_field(contracts_project):
    fields = {**BY_TITLE, "contract_id": "contract_no", "amount": "_widget_1700000000005", "owner_id": "creator"}
    con, _ = contracts_project({"pages": str(PAGES), "fields": fields}).load()
    assert con.execute("SELECT * FROM contracts ORDER BY rowid LIMIT 4").fetchall() == FIRST_ROWS


def test_member_names_instead_of_usernames(contracts_project):
    con, _ = contracts_project({**SAVED, "members": "name"}).load()
    assert con.execute("SELECT DISTINCT owner_id FROM contracts ORDER BY 1").fetchall() == [
        ("Ann Lee",), ("周敏",), ("段佳怡",), ("韦刚",)]


OTHER_SHAPES = """\
dataset contracts {
  person submitted_by
  key contract_id
  column contract_id string
  column signed_at timestamp
  column products string
  column dept string
  column address string
  column phone string
  column files string
  column submitted_by string
  column submitted_at timestamp
  column flow integer
}
"""


@pytest.mark.parametrize(("departments", "dept"), [("dept_no", "2"), ("name", "华东大客户部")])
def test_value_shapes(contracts_project, departments, dept):
    fields = {"contract_id": "合同编号", "signed_at": "签约日期", "products": "产品线", "dept": "所属部门",
              "address": "客户地址", "phone": "联系电话", "files": "合同附件", "submitted_by": "提交人",
              "submitted_at": "createTime", "flow": "流程状态"}
    con, _ = contracts_project({"pages": str(PAGES), "fields": fields, "departments": departments}, OTHER_SHAPES).load()
    # record HT-2026-0001 in data-list-1.json; times are UTC there, Beijing (UTC+8) here
    assert con.execute("SELECT * FROM contracts ORDER BY rowid LIMIT 1").fetchone() == (
        "HT-2026-0001", dt.datetime(2026, 1, 1, 10, 30), '["CRM"]', dept, "江苏省无锡市梁溪区清扬路138号",
        "13852540000", '["合同-0001.pdf"]', "weigang", dt.datetime(2026, 1, 2, 12, 30), 1)


#: no key: a contract's ID repeats on each of its payments (README, Subforms)
PAYMENTS = """\
dataset payments {
  person owner_id
  column contract_id string
  column owner_id string
  column paid_on date
  column amount money
}
"""


def test_a_flattened_subform_gives_one_row_per_subform_row(contracts_project):
    fields = {"contract_id": "合同编号", "owner_id": "负责销售", "paid_on": "回款明细.回款日期", "amount": "回款金额"}
    project = contracts_project({"pages": str(PAGES), "fields": fields, "flatten": "回款明细"}, PAYMENTS)
    con, report = project.load()
    # generator: record i has i % 3 payments of 5,000 and 10,000; 229 payments in all, 77
    # records without one (each still one row, its payment empty): 306 rows, 1,525,000 paid
    assert report["payments"].rows == 306
    assert con.execute("SELECT count(amount), sum(amount), count(*) - count(amount) FROM payments").fetchone() == \
        (229, Decimal("1525000.0000"), 77)
    # HT-2026-0002 (i = 1) signed 2026-02-07 in Beijing: one payment 10 days later
    assert con.execute("SELECT * FROM payments WHERE contract_id = 'HT-2026-0002'").fetchall() == [
        ("HT-2026-0002", "zhoumin", dt.date(2026, 2, 17), Decimal("5000.0000"))]


def test_a_subform_cannot_be_one_column(contracts_project):
    fields = {**BY_TITLE, "customer": "回款明细"}
    with pytest.raises(DataError) as caught:
        contracts_project({"pages": str(PAGES), "fields": fields}).load()
    (problem,) = caught.value.diagnostics
    assert (problem.code, problem.location.column) == ("E642", "customer")
    assert problem.message == "回款明细 is a subform (子表单): its rows are not one value"
    assert problem.help.startswith('set flatten = "回款明细"')


@pytest.mark.parametrize("mapped", ["回款明细.回款金额", "回款金额"])
def test_a_subform_field_without_flatten_says_to_flatten(contracts_project, mapped):
    with pytest.raises(DataError) as caught:
        contracts_project({"pages": str(PAGES), "fields": {**BY_TITLE, "amount": mapped}}).load()
    (problem,) = caught.value.diagnostics
    assert (problem.code, problem.location.column) == ("E642", "amount")
    assert problem.message == (f"fields.amount names '{mapped}', a field of the subform (子表单) 回款明细, "
                               "which is read only when flattened")
    assert problem.help.startswith('set flatten = "回款明细" to read one row per subform row')


def test_fields_must_map_declared_columns(contracts_project, workdir):
    # a configuration error (exit 2) at the option's line, found before the pages are read
    with pytest.raises(ConfigError) as caught:
        contracts_project({"pages": "no_such_folder", "fields": {**BY_TITLE, "stage": "合同状态"}}).load()
    (problem,) = caught.value.diagnostics
    assert (problem.code, problem.message) == (
        "E603", "env.test.datasets.contracts.fields maps 'stage', which dataset contracts does not declare")
    line = (workdir / "kpirules.toml").read_text(encoding="utf-8").splitlines()[problem.location.line - 1]
    assert line == "[env.test.datasets.contracts.fields]"


def test_flatten_must_name_a_subform(contracts_project):
    with pytest.raises(DataError) as caught:
        contracts_project({**SAVED, "flatten": "回款"}).load()
    assert caught.value.diagnostics[0].message == "flatten names '回款', which is not a subform of the form"
    assert caught.value.diagnostics[0].help == "its subforms: 回款明细"


def test_a_mapped_field_the_form_lacks_is_named_with_a_suggestion(contracts_project):
    with pytest.raises(DataError) as caught:
        contracts_project({"pages": str(PAGES), "fields": {**BY_TITLE, "amount": "合同总金额"}}).load()
    (problem,) = caught.value.diagnostics
    assert (problem.code, problem.location.column) == ("E642", "amount")
    assert problem.message == "fields.amount names '合同总金额', which the form has no field for"
    assert problem.help == "did you mean '合同金额'?"


def _copy_pages(workdir):
    folder = workdir / "contracts"
    shutil.copytree(PAGES, folder)
    return folder


def test_a_malformed_page_is_named_with_the_position(contracts_project, workdir):
    folder = _copy_pages(workdir)
    page = folder / "data-list-2.json"
    page.write_text(page.read_text("utf-8")[:5000], encoding="utf-8")
    with pytest.raises(DataError) as caught:
        contracts_project({"pages": "contracts", "fields": BY_TITLE}).load()
    (problem,) = caught.value.diagnostics
    assert problem.code == "E640"
    assert problem.message.startswith("contracts/data-list-2.json is not valid JSON: ")
    assert "(line " in problem.message


def test_a_page_saved_twice_is_refused(contracts_project, workdir):
    folder = _copy_pages(workdir)
    shutil.copy(folder / "data-list-2.json", folder / "data-list-4.json")
    with pytest.raises(DataError) as caught:
        contracts_project({"pages": "contracts", "fields": BY_TITLE}).load()
    assert caught.value.diagnostics[0].message == ("record 6601a2b3c4d5e6f7a8b90064 comes twice: in "
                                                   "contracts/data-list-2.json and in contracts/data-list-4.json")


def test_a_file_that_is_not_a_data_list_answer_is_refused(contracts_project, workdir):
    folder = _copy_pages(workdir)
    (folder / "notes.json").write_text(json.dumps({"apps": []}), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        contracts_project({"pages": "contracts", "fields": BY_TITLE}).load()
    assert caught.value.diagnostics[0].message == \
        "contracts/notes.json is not a data-list answer: a JSON object whose `data` is an array of records"


def test_the_widget_list_is_required(contracts_project, workdir):
    folder = _copy_pages(workdir)
    (folder / "widgets.json").unlink()
    with pytest.raises(DataError) as caught:
        contracts_project({"pages": "contracts", "fields": BY_TITLE}).load()
    (problem,) = caught.value.diagnostics
    assert problem.message == "file not found: contracts/widgets.json"
    # the help names the source's own options (it has no `path`)
    assert problem.help == ("save the answer of POST /api/v5/app/entry/widget/list as widgets.json in the `pages` "
                            "folder, or point `widgets` in [env.test.datasets.contracts] at the file that holds it")


def test_a_widgets_option_naming_no_file_is_named(contracts_project, workdir):
    _copy_pages(workdir)
    with pytest.raises(DataError) as caught:
        contracts_project({"pages": "contracts", "widgets": "contracts/form.json", "fields": BY_TITLE}).load()
    (problem,) = caught.value.diagnostics
    assert problem.message == "file not found: contracts/form.json"
    assert problem.help.startswith("check `widgets` in [env.test.datasets.contracts]")


def test_an_empty_pages_folder_is_named(contracts_project, workdir):
    (workdir / "contracts").mkdir()
    with pytest.raises(DataError) as caught:
        contracts_project({"pages": "contracts", "fields": BY_TITLE}).load()
    (problem,) = caught.value.diagnostics
    assert problem.message == "contracts holds no saved answers (*.json)"
    assert "`pages` in [env.test.datasets.contracts]" in problem.help and "`path`" not in problem.help


def test_options_are_checked_when_the_config_is_read(contracts_project):
    with pytest.raises(ConfigError) as caught:
        contracts_project({"pages": "contracts", "app_id": "x"})
    assert "set either `pages`" in caught.value.diagnostics[0].message


def test_declared_column_names_match_titles_without_fields(contracts_project):
    declaration = CONTRACTS.replace("column amount money non_negative", "column amount money non_negative\n  column 产品线 string")
    con, _ = contracts_project(SAVED, declaration).load()
    assert con.execute('SELECT "产品线" FROM contracts ORDER BY rowid LIMIT 3').fetchall() == [
        ('["CRM"]',), ('["CRM", "BI"]',), ('["CRM", "BI", "简道云"]',)]


def test_a_title_two_fields_share_must_be_named_by_widget_id(contracts_project, workdir):
    folder = _copy_pages(workdir)
    widgets = json.loads((folder / "widgets.json").read_text("utf-8"))
    widgets["widgets"][10]["label"] = "客户名称"  # 合同附件 (an upload) now has the title of 客户名称
    (folder / "widgets.json").write_text(json.dumps(widgets, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        contracts_project({"pages": "contracts", "fields": BY_TITLE}).load()
    (problem,) = caught.value.diagnostics
    assert problem.message == ("fields.customer: '客户名称' names 2 fields: 客户名称 (_widget_1700000000002), "
                               "客户名称 (_widget_1700000000013)")
    con, _ = contracts_project({"pages": "contracts",
                                "fields": {**BY_TITLE, "customer": "_widget_1700000000002"}}).load()
    assert con.execute("SELECT customer FROM contracts ORDER BY rowid LIMIT 1").fetchone() == ("华信物流",)
