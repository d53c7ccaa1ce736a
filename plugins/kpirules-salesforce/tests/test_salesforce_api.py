"""The Analytics REST API report result: from a saved file, and over HTTP from a local stand-in."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal

import pytest
from salesforce_kit import BY_API_NAME, BY_LABEL, FIXTURES, REPORT_ID

from kpirules.errors import ConfigError, DataError

REPORT = FIXTURES / "closed_won_report.json"
TOKEN = "00D5g000004xYz!AR8AQ.test-only-token"
REPORT_PATH = f"/services/data/v60.0/analytics/reports/{REPORT_ID}?includeDetails=true"

# The rows of tests/fixtures/closed_won_report.json in factMap order: the opportunity's label,
# the owner's label (FULL_NAME), the account's label, CLOSE_DATE's value, AMOUNT's value.amount
# ("-" with a null value for the Qingshan pilot, whose amount is empty).
API_ROWS = [
    ("Huaxin Logistics - Fleet Renewal", "Wei Gang", "Huaxin Logistics", dt.date(2026, 1, 15), Decimal("120000.0000")),
    ("Lanting Foods - 500 Seats", "Duan Jiayi", "Lanting Foods", dt.date(2026, 1, 28), Decimal("48500.5000")),
    ("Meridian Retail - Store Rollout", "Ann Lee", "Meridian Retail", dt.date(2026, 2, 3), Decimal("9999.9900")),
    ("Huaxin Logistics - Spare Parts", "Wei Gang", "Huaxin Logistics", dt.date(2026, 2, 20), Decimal("15000.0000")),
    ("Qingshan Energy - Pilot", "Duan Jiayi", "Qingshan Energy", dt.date(2026, 3, 2), None),
    ("Meridian Retail - Renewal", "Ann Lee", "Meridian Retail", dt.date(2026, 3, 31), Decimal("30000.0000")),
]


def _rows(con):
    return con.execute("SELECT * FROM deals ORDER BY rowid").fetchall()


@pytest.mark.parametrize("fields", [BY_API_NAME, BY_LABEL], ids=["api-names", "labels"])
def test_saved_report_result_loads(deals_project, fields):
    con, report = deals_project({"path": str(REPORT), "fields": fields}).load()
    assert _rows(con) == API_ROWS
    assert report["deals"].description.endswith("(saved API result, 6 rows)")


def test_record_ids_take_the_cell_value(deals_project):
    con, _ = deals_project({"path": str(REPORT), "fields": BY_API_NAME, "record_ids": ["owner_id"]}).load()
    # FULL_NAME's value is the owner's user ID (005...), its label the name
    assert con.execute("SELECT DISTINCT owner_id FROM deals ORDER BY 1").fetchall() == [
        ("0055g00000AbCd1AAB",), ("0055g00000AbCd2AAB",), ("0055g00000AbCd3AAB",)]


def test_record_ids_are_refused_for_a_csv_export(deals_project):
    options = {"path": str(FIXTURES / "closed_won_details.csv"), "fields": BY_LABEL, "date_format": "%m/%d/%Y",
               "record_ids": ["owner_id"]}
    with pytest.raises(DataError) as caught:
        deals_project(options).load()
    assert caught.value.diagnostics[0].message == \
        "record_ids: Opportunity Owner in a CSV export holds names, not record IDs"


def _saved(workdir, doc) -> str:
    path = workdir / "report.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return str(path)


def test_malformed_json_is_reported_with_its_position(deals_project, workdir):
    text = REPORT.read_text(encoding="utf-8")
    path = _saved(workdir, text[: len(text) // 2])
    with pytest.raises(DataError) as caught:
        deals_project({"path": path, "fields": BY_API_NAME}).load()
    (problem,) = caught.value.diagnostics
    assert problem.code == "E640"
    assert problem.message.startswith("report.json is not valid JSON: ")
    assert "(line " in problem.message and "column " in problem.message
    assert problem.help == "save the report result again; the file is cut or edited"


def _doc():
    return json.loads(REPORT.read_text(encoding="utf-8"))


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d.update(allData=False),
     "report.json: Salesforce returned only part of the report's rows (allData is false: the API gives at most 2,000)"),
    (lambda d: d["factMap"]["T!T"].pop("rows"),
     "report.json: the report result has no detail rows (factMap[\"T!T\"].rows)"),
    (lambda d: d["reportMetadata"].update(reportFormat="SUMMARY"),
     "report.json: the report is in SUMMARY format; kpirules reads the detail rows of tabular reports"),
    (lambda d: d["factMap"]["T!T"]["rows"][3]["dataCells"].pop(),
     "report.json: row 4 of factMap[\"T!T\"] has 13 dataCells for 14 detailColumns"),
    (lambda d: d.pop("factMap"),
     "report.json: this is not a Salesforce report result: a JSON object with reportMetadata and factMap"),
], ids=["partial", "no-details", "summary-format", "short-row", "not-a-report"])
def test_report_results_kpirules_cannot_use_are_refused(deals_project, workdir, edit, message):
    doc = _doc()
    edit(doc)
    with pytest.raises(DataError) as caught:
        deals_project({"path": _saved(workdir, doc), "fields": BY_API_NAME}).load()
    assert [d.message for d in caught.value.diagnostics] == [message]


def test_a_label_two_columns_share_must_be_named_by_api_name(deals_project, workdir):
    doc = _doc()
    doc["reportExtendedMetadata"]["detailColumnInfo"]["ACCOUNT_NAME"]["label"] = "Opportunity Name"
    fields = {**BY_LABEL, "account": "ACCOUNT_NAME"}
    with pytest.raises(DataError) as caught:
        deals_project({"path": _saved(workdir, doc), "fields": fields}).load()
    (problem,) = caught.value.diagnostics
    assert problem.message == ("fields.deal_id: 'Opportunity Name' names 2 columns: "
                               "Opportunity Name (OPPORTUNITY_NAME), Opportunity Name (ACCOUNT_NAME)")
    assert problem.help == "name the column by its API name instead"
    con, _ = deals_project({"path": _saved(workdir, doc), "fields": {**fields, "deal_id": "OPPORTUNITY_NAME"}}).load()
    assert con.execute("SELECT deal_id FROM deals ORDER BY rowid LIMIT 1").fetchone() == (
        "Huaxin Logistics - Fleet Renewal",)


def test_a_missing_api_name_is_named_with_a_suggestion(deals_project):
    with pytest.raises(DataError) as caught:
        deals_project({"path": str(REPORT), "fields": {**BY_API_NAME, "closed_on": "CLOSEDATE"}}).load()
    (problem,) = caught.value.diagnostics
    assert (problem.code, problem.location.column) == ("E642", "closed_on")
    assert problem.help == "did you mean 'CLOSE_DATE'?"


# ---------------------------------------------------------------------- over HTTP


def _live(salesforce, **more) -> dict:
    return {"instance_url": salesforce.url, "report_id": REPORT_ID, "token_env": "SF_TOKEN",
            "fields": BY_API_NAME, **more}


def test_report_runs_over_the_api(deals_project, salesforce, monkeypatch):
    monkeypatch.setenv("SF_TOKEN", TOKEN)
    salesforce.answer(REPORT_PATH, 200, REPORT.read_bytes())
    con, report = deals_project(_live(salesforce)).load()
    assert _rows(con) == API_ROWS
    (request,) = salesforce.requests
    assert request["path"] == REPORT_PATH
    assert request["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert request["headers"]["Accept"] == "application/json"
    assert report["deals"].description == \
        f"Salesforce report {REPORT_ID} on {salesforce.url} (API v60.0, 6 rows)"


def test_the_api_version_is_configurable(deals_project, salesforce, monkeypatch):
    monkeypatch.setenv("SF_TOKEN", TOKEN)
    salesforce.answer(REPORT_PATH.replace("v60.0", "v62.0"), 200, REPORT.read_bytes())
    con, _ = deals_project(_live(salesforce, api_version="v62.0")).load()
    assert len(_rows(con)) == 6


def test_a_refused_token_is_reported_without_the_token(deals_project, salesforce, monkeypatch):
    monkeypatch.setenv("SF_TOKEN", TOKEN)
    # the body Salesforce sends with a 401 (REST API "Status Codes and Error Responses")
    salesforce.answer(REPORT_PATH, 401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    with pytest.raises(DataError) as caught:
        deals_project(_live(salesforce)).load()
    (problem,) = caught.value.diagnostics
    assert problem.code == "E640"
    assert problem.message == \
        "Salesforce refused the access token in $SF_TOKEN (HTTP 401 INVALID_SESSION_ID: Session expired or invalid)"
    assert problem.help == "get a new access token (they expire) and export it as SF_TOKEN"
    assert TOKEN not in f"{problem.message} {problem.help} {problem.location}"


def test_an_unknown_report_is_reported(deals_project, salesforce, monkeypatch):
    monkeypatch.setenv("SF_TOKEN", TOKEN)
    salesforce.answer(REPORT_PATH, 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}])
    with pytest.raises(DataError) as caught:
        deals_project(_live(salesforce)).load()
    assert caught.value.diagnostics[0].message == \
        "Salesforce has no such report or API version (HTTP 404 NOT_FOUND: The requested resource does not exist)"


def test_malformed_json_from_the_api_is_reported(deals_project, salesforce, monkeypatch):
    monkeypatch.setenv("SF_TOKEN", TOKEN)
    salesforce.answer(REPORT_PATH, 200, b'{"factMap": {')
    with pytest.raises(DataError) as caught:
        deals_project(_live(salesforce)).load()
    assert caught.value.diagnostics[0].message.startswith(
        f"report {REPORT_ID} on {salesforce.url} is not valid JSON: ")


def test_an_unset_token_variable_is_a_config_error(deals_project, salesforce, monkeypatch):
    monkeypatch.delenv("SF_TOKEN", raising=False)
    with pytest.raises(ConfigError) as caught:
        deals_project(_live(salesforce)).load()
    assert caught.value.diagnostics[0].message.startswith("environment variable SF_TOKEN (")
    assert salesforce.requests == []


def test_nothing_listens_there(deals_project, monkeypatch):
    monkeypatch.setenv("SF_TOKEN", TOKEN)
    options = {"instance_url": "http://127.0.0.1:9", "report_id": REPORT_ID, "token_env": "SF_TOKEN",
               "fields": BY_API_NAME, "timeout_seconds": 5}
    with pytest.raises(DataError) as caught:
        deals_project(options).load()
    assert caught.value.diagnostics[0].message.startswith("cannot reach http://127.0.0.1:9: ")


@pytest.mark.parametrize(("options", "message"), [
    ({"instance_url": "http://acme.my.salesforce.com", "report_id": REPORT_ID, "token_env": "SF_TOKEN"},
     "`instance_url` must start with https:// (plain http only for this machine)"),
    ({"instance_url": "https://acme.my.salesforce.com", "token_env": "SF_TOKEN"}, "`instance_url` needs `report_id`"),
    ({"path": "r.json", "token_env": "SF_TOKEN"}, "`report_id` and `token_env` belong with `instance_url`"),
    ({"path": "r.json", "api_version": "sixty"}, "must look like \"60.0\""),
    # TOML's inf was taken, and the live request stopped with an internal OverflowError
    ({"path": "r.json", "timeout_seconds": float("inf")}, "timeout_seconds must be a finite number"),
    ({"path": "r.json", "timeout_seconds": float("nan")}, "timeout_seconds must be a finite number"),
])
def test_live_options_are_checked(deals_project, options, message):
    with pytest.raises(ConfigError) as caught:
        deals_project(options)
    assert message in caught.value.diagnostics[0].message


def test_a_token_written_in_the_config_is_refused(deals_project):
    with pytest.raises(ConfigError) as caught:
        deals_project({"instance_url": "https://acme.my.salesforce.com", "report_id": REPORT_ID, "token": TOKEN})
    assert "credentials must not be written in the config file" in caught.value.diagnostics[0].message
    # salesforce_report takes token_env only: token_file would be an unknown key
    assert caught.value.diagnostics[0].help == 'name an environment variable (token_env = "...") instead'


def test_float_amounts_keep_their_digits(deals_project, workdir):
    doc = _doc()
    cell = doc["factMap"]["T!T"]["rows"][0]["dataCells"][3]
    cell["value"] = {"amount": 0.1 + 0.2, "currency": "USD"}  # 0.30000000000000004 as JSON sends it
    con, _ = deals_project({"path": _saved(workdir, copy.deepcopy(doc)), "fields": BY_API_NAME}).load()
    # money keeps 4 decimals: the float's shortest text rounds to 0.3000
    assert con.execute("SELECT amount FROM deals ORDER BY rowid LIMIT 1").fetchone() == (Decimal("0.3000"),)


def test_an_amount_in_another_currency_is_a_bad_value(deals_project, workdir):
    # a multi-currency org answers each amount with its own currency; the scheme is in USD
    doc = _doc()
    rows = doc["factMap"]["T!T"]["rows"]
    rows[0]["dataCells"][3]["value"] = {"amount": 120000, "currency": "EUR"}
    rows[1]["dataCells"][3]["value"] = {"amount": 48500.5, "currency": "USD"}
    with pytest.raises(DataError) as caught:
        deals_project({"path": _saved(workdir, doc), "fields": BY_API_NAME}).load()
    (problem,) = caught.value.diagnostics
    assert (problem.code, problem.location.row, problem.location.column) == ("E643", 1, "amount")
    assert problem.notes == ["row 1: 'EUR 120000'"]
    assert 'add "Amount (converted)" to the report' in problem.help
