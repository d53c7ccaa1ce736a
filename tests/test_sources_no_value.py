"""Words and numbers that stand for "no value" (NULL, NaN, N/A): refused where a value of
another type belongs (docs/sources.md)."""

from __future__ import annotations

import json

import pytest
from source_project import load, load_problem, rows


DEAL = {"deal_id": "D1", "owner_id": "P1", "signed_at": "2026-01-05 09:30:00", "signed_on": "2026-01-05",
        "units": 1, "amount": 5, "rate": 1, "won": True}


def _jsonl(workdir, *lines: str) -> None:
    (workdir / "deals.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")


def _deal(**values) -> str:
    return json.dumps({**DEAL, **values})


@pytest.mark.parametrize("word", ["NaN", "Infinity", "-Infinity", "nan", "inf"])
def test_nan_or_infinity_in_json_lines_is_a_bad_row_on_its_own(workdir, word):
    # sources.md: a jsonl record with NaN or Infinity is not valid JSON (E644). DuckDB's reader
    # takes them, so with no other broken line they reached the loader as the text 'NaN'
    # (E643 with a help about a CSV option a jsonl binding does not have)
    _jsonl(workdir, _deal(), _deal(deal_id="D2").replace('"amount": 5', f'"amount": {word}'))
    d = load_problem(workdir, {"deals": {"source": "jsonl", "path": "deals.jsonl"}})
    assert (d.code, d.location.dataset, d.location.row) == ("E644", "deals", 2)
    assert d.message.startswith("1 record could not be read: not valid JSON")


def test_a_text_that_only_looks_like_nan_in_json_lines_is_read(workdir):
    _jsonl(workdir, _deal(owner_id="P1", deal_id="ratio:NaN,"), _deal(deal_id="D2", owner_id="P2"))
    con, _ = load(workdir, {"deals": {"source": "jsonl", "path": "deals.jsonl"}})
    assert [r[0] for r in rows(con, "deals")] == ["D2", "ratio:NaN,"]
