"""Reading a form over the v5 open API, against a local server that answers as documented."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from jiandaoyun_kit import API_KEY, APP_ID, BY_TITLE, ENTRY_ID, saved_records

from kpirules.errors import ConfigError, DataError

DATA = "/api/v5/app/entry/data/list"
WIDGETS = "/api/v5/app/entry/widget/list"


def _live(jiandaoyun, **more) -> dict:
    return {"app_id": APP_ID, "entry_id": ENTRY_ID, "api_key_env": "JDY_API_KEY", "base_url": jiandaoyun.url,
            "fields": BY_TITLE, **more}


@pytest.fixture
def key(monkeypatch):
    monkeypatch.setenv("JDY_API_KEY", API_KEY)


def test_pages_through_the_data_id_cursor(contracts_project, jiandaoyun, key):
    con, report = contracts_project(_live(jiandaoyun)).load()
    assert report["contracts"].rows == 230
    assert report["contracts"].description == f"Jiandaoyun form {ENTRY_ID} (open API, 230 records in 3 pages)"
    assert con.execute("SELECT * FROM contracts ORDER BY rowid LIMIT 2").fetchall() == [
        ("HT-2026-0001", "weigang", "华信物流", dt.date(2026, 1, 1), Decimal("10000.0000")),
        ("HT-2026-0002", "zhoumin", "兰亭食品", dt.date(2026, 2, 7), Decimal("17919.0000"))]
    # the four salespeople's sums in test_jiandaoyun_saved: 2352405.5 + 2369501 + 4906180.5 + 2356679
    assert con.execute("SELECT sum(amount) FROM contracts").fetchone() == (Decimal("11984766.0000"),)
    # the widget list, then 100 + 100 + 30 records: each page asked for after the last _id of the one before
    ids = [r["_id"] for r in saved_records()]
    assert [(r["path"], r["body"]) for r in jiandaoyun.requests] == [
        (WIDGETS, {"app_id": APP_ID, "entry_id": ENTRY_ID}),
        (DATA, {"app_id": APP_ID, "entry_id": ENTRY_ID, "limit": 100}),
        (DATA, {"app_id": APP_ID, "entry_id": ENTRY_ID, "limit": 100, "data_id": ids[99]}),
        (DATA, {"app_id": APP_ID, "entry_id": ENTRY_ID, "limit": 100, "data_id": ids[199]}),
    ]
    for request in jiandaoyun.requests:
        assert request["headers"]["Authorization"] == f"Bearer {API_KEY}"
        assert request["headers"]["Content-Type"] == "application/json; charset=utf-8"


def test_a_last_page_that_is_full_ends_with_an_empty_one(contracts_project, jiandaoyun, key):
    jiandaoyun.records = jiandaoyun.records[:200]
    _, report = contracts_project(_live(jiandaoyun)).load()
    assert report["contracts"].rows == 200
    assert [len(r["body"]) for r in jiandaoyun.requests if r["path"] == DATA] == [3, 4, 4]


def test_page_size_and_filter_are_sent(contracts_project, jiandaoyun, key):
    flow = {"rel": "and", "cond": [{"field": "flowState", "type": "flowstate", "method": "eq", "value": [1]}]}
    _, report = contracts_project(_live(jiandaoyun, page_size=40, filter=flow)).load()
    assert report["contracts"].rows == 230
    pages = [r["body"] for r in jiandaoyun.requests if r["path"] == DATA]
    assert len(pages) == 6 and {p["limit"] for p in pages} == {40} and all(p["filter"] == flow for p in pages)


def test_a_busy_api_is_asked_again(contracts_project, jiandaoyun, key):
    jiandaoyun.busy = 1  # one 429 ("超出请求并发限制"), then answers
    _, report = contracts_project(_live(jiandaoyun)).load()
    assert report["contracts"].rows == 230
    assert len([r for r in jiandaoyun.requests if r["path"] == DATA]) == 4


def test_a_wrong_api_key_is_reported_without_the_key(contracts_project, jiandaoyun, monkeypatch):
    monkeypatch.setenv("JDY_API_KEY", "not-the-key-Zm9vYmFy")
    with pytest.raises(DataError) as caught:
        contracts_project(_live(jiandaoyun)).load()
    (problem,) = caught.value.diagnostics
    assert problem.code == "E640"
    # the documented error envelope: HTTP 400 with code and msg
    assert problem.message == f"Jiandaoyun refused POST {WIDGETS} (HTTP 400, code 8301, msg API Key 无效)"
    assert problem.help.startswith("check the API key in JDY_API_KEY (开放平台 > 密钥管理")
    shown = f"{problem.message} {problem.help} {problem.location}"
    assert "not-the-key-Zm9vYmFy" not in shown and API_KEY not in shown
    assert [r["path"] for r in jiandaoyun.requests] == [WIDGETS]  # nothing more was tried


def test_a_401_names_the_key_variable(contracts_project, jiandaoyun, monkeypatch):
    monkeypatch.setenv("JDY_API_KEY", "not-the-key-Zm9vYmFy")
    jiandaoyun.wrong_key = (401, {"code": 401, "msg": "Unauthorized"})
    with pytest.raises(DataError) as caught:
        contracts_project(_live(jiandaoyun)).load()
    assert caught.value.diagnostics[0].message == \
        "Jiandaoyun refused the API key in $JDY_API_KEY (HTTP 401, code 401, msg Unauthorized)"


def test_a_wrong_form_is_reported(contracts_project, jiandaoyun, key):
    with pytest.raises(DataError) as caught:
        contracts_project(_live(jiandaoyun, entry_id="6601a0b1c2d3e4f5a6b7c8db")).load()
    assert caught.value.diagnostics[0].message == \
        f"Jiandaoyun refused POST {WIDGETS} (HTTP 400, code 1, msg The request is invalid.)"
    assert "app_id and entry_id" in caught.value.diagnostics[0].help


def test_a_cursor_that_does_not_move_is_caught(contracts_project, jiandaoyun, key):
    original = jiandaoyun.answer

    def stuck(path, key, body):  # a server that ignores data_id would repeat page 1 forever
        return original(path, key, {k: v for k, v in body.items() if k != "data_id"})

    jiandaoyun.answer = stuck
    with pytest.raises(DataError) as caught:
        contracts_project(_live(jiandaoyun)).load()
    # page 2 asked for after record 99 (…0063) came back as page 1 again
    assert caught.value.diagnostics[0].message == (
        f"POST {DATA} ignored data_id: asked for the records after 6601a2b3c4d5e6f7a8b90063, it answered a page "
        "ending with 6601a2b3c4d5e6f7a8b90063 again")


def test_an_unset_key_variable_is_a_config_error(contracts_project, jiandaoyun, monkeypatch):
    monkeypatch.delenv("JDY_API_KEY", raising=False)
    with pytest.raises(ConfigError) as caught:
        contracts_project(_live(jiandaoyun)).load()
    assert caught.value.diagnostics[0].message.startswith("environment variable JDY_API_KEY (")
    assert jiandaoyun.requests == []


@pytest.mark.parametrize(("options", "message"), [
    ({"app_id": APP_ID, "entry_id": ENTRY_ID, "api_key_env": "K", "base_url": "http://api.jiandaoyun.com"},
     "`base_url` must start with https:// (plain http only for this machine)"),
    ({"app_id": APP_ID, "api_key_env": "K"}, "reading over the API needs `entry_id`"),
    ({"app_id": APP_ID, "entry_id": ENTRY_ID, "api_key_env": "K", "page_size": 500}, "page_size must be at most 100"),
    ({"pages": "contracts", "filter": {"rel": "and", "cond": []}}, "`filter` and `base_url` belong with `app_id`"),
])
def test_live_options_are_checked(contracts_project, options, message):
    with pytest.raises(ConfigError) as caught:
        contracts_project(options)
    assert message in caught.value.diagnostics[0].message


def test_an_api_key_written_in_the_config_is_refused(contracts_project):
    with pytest.raises(ConfigError) as caught:
        contracts_project({"app_id": APP_ID, "entry_id": ENTRY_ID, "api_key": API_KEY})
    assert "credentials must not be written in the config file" in caught.value.diagnostics[0].message
    # jiandaoyun takes api_key_env only: api_key_file would be an unknown key
    assert caught.value.diagnostics[0].help == 'name an environment variable (api_key_env = "...") instead'
