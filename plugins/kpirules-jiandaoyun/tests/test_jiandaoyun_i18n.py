"""Messages in Chinese (`--lang zh`): every message and help the plugin writes has a pattern
in its catalog (src/kpirules_jiandaoyun/i18n_zh.toml, registered through register_catalogs),
read from the source with `ast`, so a new English message without a translation fails here."""

from __future__ import annotations

from pathlib import Path

import pytest
from jiandaoyun_kit import BY_TITLE, PAGES

from kpirules import i18n, i18n_sites, plugins
from kpirules.errors import Diagnostic

SOURCE = Path(__file__).resolve().parent.parent / "src" / "kpirules_jiandaoyun"

#: the plugin's own callables that carry a message, and where its code, message and help are
SITES = {
    **i18n_sites.SITES,
    # said as they are: "Jiandaoyun refused the API key in $JDY_KEY (HTTP 401, code 8301)"
    "ApiError": {"code": "E640", "message": 0, "help": (1, "help")},
    # said after where the widget list came from: "exports/widgets.json: a widget without a name: ..."
    "FormError": {"code": "E640", "message": ("Q: ", 0)},
    # said after the mapping: "fields.owner_id: '负责人' names 2 fields: ..."
    "LookupError": {"code": "E642", "message": ("fields.Q: ", 0)},
    # an option validator's: after the binding's key, as the loader reports it (E603)
    "ValueError": {"code": "E603", "message": ("Q (source Q): ", 0)},
    "_problem": {"code": "E642", "message": 1, "help": (2, "help")},
}
SITES_FOUND = i18n_sites.message_sites(SOURCE, SITES, wrappers=frozenset({"_problem"}))


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    """The installed plugins' catalogs, this one's among them."""
    plugins.load_plugins()


def test_the_catalog_is_registered():
    message = "fields.amount names '合同额', which the form has no field for"
    assert i18n.localize(Diagnostic("E642", message, help="did you mean '合同金额'?"), "zh") == Diagnostic(
        "E642", "fields.amount 指定了 '合同额'，但表单中没有这个字段", help="是不是想写 '合同金额'？")


def test_the_source_scan_finds_the_messages():
    assert len(SITES_FOUND) > 30
    assert {site.where.split(":")[0] for site in SITES_FOUND} >= {"api.py", "form.py", "source.py"}


@pytest.mark.parametrize("site", SITES_FOUND, ids=[s.where for s in SITES_FOUND])
def test_every_message_written_in_the_source_has_a_chinese_pattern(site):
    assert i18n_sites.site_problems(site, "zh") == []


def test_the_source_is_described_in_chinese(contracts_project):
    _, report = contracts_project({"pages": str(PAGES), "fields": BY_TITLE}).load()
    described = i18n.phrase(report["contracts"].description, "source", "zh")
    assert described.startswith("简道云 ") and described.endswith("fixtures/contracts（保存下来的应答、3 页共 230 条记录）")
    live = "Jiandaoyun form 6601a0b1c2d3e4f5a6b7c8da (open API, 230 records in 3 pages)"
    assert i18n.phrase(live, "source", "zh") == "简道云表单 6601a0b1c2d3e4f5a6b7c8da（开放 API、3 页共 230 条记录）"
