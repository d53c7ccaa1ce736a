"""Messages in Chinese (`--lang zh`): every message and help the plugin writes has a pattern
in its catalog (src/kpirules_salesforce/i18n_zh.toml, registered through register_catalogs),
read from the source with `ast`, so a new English message without a translation fails here."""

from __future__ import annotations

from pathlib import Path

import pytest
from salesforce_kit import BY_LABEL, FIXTURES

from kpirules import i18n, i18n_sites, plugins
from kpirules.errors import DataError, Diagnostic
from kpirules.report.diagnostics import render_text
from kpirules.sources.base import SourceContext
from kpirules_salesforce.source import SalesforceReportSource

SOURCE = Path(__file__).resolve().parent.parent / "src" / "kpirules_salesforce"

#: the plugin's own callables that carry a message, and where its code, message and help are
SITES = {
    **i18n_sites.SITES,
    # said as they are: "Salesforce refused the access token in $SF_TOKEN (HTTP 401)"
    "ApiError": {"code": "E640", "message": 0, "help": (1, "help")},
    # said after the source: "exports/deals.csv: the file has no header line (it is empty)"
    "ExportError": {"code": "E640", "message": ("Q: ", 0), "help": (1, "help")},
    "FactMapError": {"code": "E640", "message": ("Q: ", 0), "help": (1, "help")},
    # said after the mapping: "fields.owner_id: 'Owner' names 2 columns: ..."
    "LookupError": {"code": "E642", "message": ("fields.Q: ", 0)},
    # an option validator's: after the binding's key, as the loader reports it (E603)
    "ValueError": {"code": "E603", "message": ("Q (source Q): ", 0)},
    "_column_problem": {"code": "E642", "message": 1, "help": (2, "help")},
}
SITES_FOUND = i18n_sites.message_sites(SOURCE, SITES, wrappers=frozenset({"_column_problem"}))


@pytest.fixture(scope="module", autouse=True)
def _catalogs():
    """The installed plugins' catalogs, this one's among them."""
    plugins.load_plugins()


def test_the_catalog_is_registered():
    message = "exports/deals.csv: the file has no header line (it is empty)"
    assert i18n.localize(Diagnostic("E640", message), "zh").message == "exports/deals.csv：文件没有表头行（文件是空的）"


def test_the_source_scan_finds_the_messages():
    assert len(SITES_FOUND) > 30
    assert {site.where.split(":")[0] for site in SITES_FOUND} >= {"api.py", "export_csv.py", "factmap.py", "source.py"}


@pytest.mark.parametrize("site", SITES_FOUND, ids=[s.where for s in SITES_FOUND])
def test_every_message_written_in_the_source_has_a_chinese_pattern(site):
    assert i18n_sites.site_problems(site, "zh") == []


@pytest.mark.parametrize(("column_type", "options", "currency"), [
    ("date", {"date_format": "%m/%d/%Y"}, "USD"),
    ("date", {"date_format": "%m/%d/%Y", "datetime_format": "%m/%d/%Y %I:%M %p"}, "USD"),
    ("timestamp", {"datetime_format": "%m/%d/%Y %I:%M %p"}, "USD"),
    ("money", {}, "USD"),
    ("money", {}, "CHF"),  # no currency sign stands for it
    ("money", {}, None),
])
def test_how_the_reports_values_convert_reads_as_chinese(column_type, options, currency):
    # bad_value_help is not a call site: its texts are returned, said beside values that do not convert
    context = SourceContext(config_dir=Path("."), dataset=None, scheme_timezone="UTC", scheme_currency=currency)
    help = SalesforceReportSource(SalesforceReportSource.Options(path="x.csv", **options), context).bad_value_help(
        column_type)
    assert i18n_sites.reads_as_chinese(i18n.phrase(help, "written_as", "zh")), help


def test_a_bad_amount_reads_as_chinese(deals_project, workdir):
    text = (FIXTURES / "closed_won_details.csv").read_text(encoding="utf-8").replace('"9999.99"', '"9999.99 dollars"')
    (workdir / "export.csv").write_text(text, encoding="utf-8")
    options = {"path": "export.csv", "fields": BY_LABEL, "date_format": "%m/%d/%Y"}
    with pytest.raises(DataError) as caught:
        deals_project(options).load()
    (problem,) = caught.value.diagnostics
    help = render_text(problem, lang="zh").splitlines()[-1]
    # 1,234.50, USD 1,234.50 or $1,234.50: the scheme's currency is USD, and $ may stand for it
    assert help.startswith("  = 帮助：金额可写成 1,234.50、USD 1,234.50 或 $1,234.50，币种须为 USD；其他币种的金额无法转换：")
    assert i18n_sites.reads_as_chinese(help), help


def test_the_source_is_described_in_chinese(deals_project):
    _, report = deals_project({"path": str(FIXTURES / "closed_won_details.csv"), "fields": BY_LABEL,
                               "date_format": "%m/%d/%Y"}).load()
    described = i18n.phrase(report["deals"].description, "source", "zh")
    assert described.endswith("closed_won_details.csv（CSV 导出文件、6 行、略去了 5 行页脚）"), described
    live = "Salesforce report 00O5g00000AbCdEAAV on https://acme.my.salesforce.com (API v60.0, 9 rows)"
    assert i18n.phrase(live, "source", "zh") == \
        "Salesforce https://acme.my.salesforce.com 上的报表 00O5g00000AbCdEAAV（API v60.0、9 行）"
