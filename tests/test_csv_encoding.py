"""How the csv source tells a file's encoding: GB18030 only for text that reads as Chinese.

GB18030 decodes most Latin-1 and Windows-1252 text whose accented letters are each followed
by a letter ("Münster" as "M黱ster"): such a file is refused (E641) rather than read wrong,
while Chinese rosters, rare names (喆, 堃) and all, are still detected (docs/sources.md).
"""

from __future__ import annotations

import csv
import io

import pytest
from source_project import KPI, load, load_problem, make_project, rows, write

from kpirules.sources import encoding as enc

# the audit's case: a Northwind-style orders export whose only non-ASCII letter is ü
ORDERS_CSV = (
    "order_id,person_id,ordered_at,ship_city\n"
    "10248,P1,2026-01-04 10:00:00,Reims\n"
    "10249,P1,2026-01-05 10:00:00,Münster\n"
    "10250,P2,2026-01-08 10:00:00,München\n"
    "10251,P1,2026-01-08 11:00:00,Lyon\n"
)
ROSTER_ONLY = KPI[: KPI.index("dataset deals")]
ORDERS_KPI = ROSTER_ONLY + """
dataset orders {
  person person_id
  key order_id
  date ordered_at
  column order_id string
  column person_id string
  column ordered_at timestamp
  column ship_city string
}

role rep "Rep" {
  applies_to person.person_id != ""
  kpi munster { outcome main  measure count(orders where ship_city == "Münster")  target >= 1  weight 100% }
}
"""
MISREAD = ('cannot tell the text encoding of orders.csv: read as GB18030, 2 of its 2 non-ASCII characters are rare '
           'Chinese characters (outside GB2312), e.g. "M黱ster" on line 3')
HELP = ('set `encoding` in [env.test.datasets.orders]: encoding = "cp1252" if the file is Western European text '
        '(Windows-1252 or Latin-1), encoding = "gb18030" if it is Chinese')


def test_the_bytes_decode_as_gb18030_which_is_what_detection_used_to_take():
    # ü (0xfc) and the letter after it are one GB18030 character each time: M黱ster, M黱chen
    assert ORDERS_CSV.encode("latin-1").decode("gb18030").count("黱") == 2


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_a_western_export_read_as_gb18030_is_refused_naming_the_word_and_its_line(workdir, encoding):
    write(workdir / "orders.csv", ORDERS_CSV, encoding)
    problem = load_problem(workdir, {"orders": {"source": "csv", "path": "orders.csv"}}, ORDERS_KPI)
    assert (problem.code, problem.message, problem.help) == ("E641", MISREAD, HELP)


def test_with_the_encoding_set_the_filter_counts_the_row(workdir, run_cli):
    write(workdir / "orders.csv", ORDERS_CSV, "latin-1")
    make_project(workdir, {"orders": {"source": "csv", "path": "orders.csv"}}, ORDERS_KPI)
    result = run_cli("sources", "check")
    assert result.exit_code == 1, result.output
    assert MISREAD in result.output and "Traceback" not in result.output

    make_project(workdir, {"orders": {"source": "csv", "path": "orders.csv", "encoding": "cp1252"}}, ORDERS_KPI)
    result = run_cli("run", "--period", "2026-01", "--format", "csv")
    assert result.exit_code == 0, result.output
    values = {(r["person_id"], r["kpi"]): r["value"] for r in csv.DictReader(io.StringIO(result.stdout))}
    # P1 shipped once to Münster (10249); P2's München is another city; P3 shipped nothing
    assert values == {("P1", "munster"): "1", ("P2", "munster"): "0", ("P3", "munster"): "0"}


def test_bytes_windows_1252_leaves_undefined_suggest_latin_1(workdir):
    # 0x81 has no character in Windows-1252; GB18030 reads 0x81 0x6e ("\x81n") as one rare character
    (workdir / "orders.csv").write_bytes(ORDERS_CSV.encode("latin-1").replace(b"Reims", b"R\x81ims"))
    problem = load_problem(workdir, {"orders": {"source": "csv", "path": "orders.csv"}}, ORDERS_KPI)
    assert problem.message.startswith("cannot tell the text encoding of orders.csv: read as GB18030, 3 of its 3 ")
    assert 'encoding = "latin-1" if the file is Western European text' in problem.help


def test_western_text_gb18030_cannot_decode_is_refused_as_no_encoding_fits(workdir):
    # é (0xe9) then a line break (0x0a) is no GB18030 character: neither UTF-8 nor GB18030 fits
    write(workdir / "orders.csv", ORDERS_CSV.replace("Reims", "Café"), "latin-1")
    problem = load_problem(workdir, {"orders": {"source": "csv", "path": "orders.csv"}}, ORDERS_KPI)
    assert (problem.code, problem.message, problem.help) == (
        "E641", "cannot tell the text encoding of orders.csv (not UTF-8, GB18030 or UTF-16)",
        'set `encoding` in [env.test.datasets.orders], e.g. encoding = "latin-1"')


# a roster in GBK: four of its fourteen people have a name with a character outside GB2312
RARE_NAMES = ["王喆", "李堃", "张玥", "陈珺"]
ROSTER = "person_id,name,manager_id\n" + "".join(
    f"P{i},{name},{'' if i == 1 else 'P1'}\n"
    for i, name in enumerate(RARE_NAMES + ["韦刚", "段佳怡", "刘洋", "赵静", "孙伟", "周敏", "吴磊", "郑丽", "冯涛", "何芳"],
                             start=1)
)


def test_a_gbk_roster_with_a_few_rare_names_is_still_detected(workdir):
    write(workdir / "roster.csv", ROSTER, "gbk")
    con, report = load(workdir, {"people": {"source": "csv", "path": "roster.csv"}}, ROSTER_ONLY)
    assert report["people"].description == "CSV roster.csv (gb18030, detected, comma-separated)"
    assert [name for _, name, _ in rows(con, "people", "rowid")][:5] == RARE_NAMES + ["韦刚"]


@pytest.mark.parametrize(("text", "found"), [
    # 4 of the 29 name characters (8 + 21) are rare: well under half
    (ROSTER, "gb18030"),
    # one rare and one common character: half are GB2312, which is enough
    ("P1,李玥\n", "gb18030"),
    # two rare of three: fewer than half are GB2312
    ("P1,王喆堃\n", None),
])
def test_gb18030_needs_at_least_half_of_the_non_ascii_characters_in_gb2312(text, found):
    sample = text.encode("gbk")
    assert enc.detect(sample, whole_file=True) == found

