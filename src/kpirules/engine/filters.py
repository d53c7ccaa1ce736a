"""Filters that match no row at all: `where deal_stage == "won"` over data that says `Won`.

A text compared with a value the column never holds counts nothing (with `!=` or `not in`,
leaves out nothing), for everyone and every period, and nothing else would say so: the KPI
is 0 (or has no value) as if nobody had done the work. A run warns about each such
comparison, with the values of the column that differ from it only in case or in spaces at
the ends, when there are any.
"""

from __future__ import annotations

import duckdb

from kpirules.engine import sql as sqlc
from kpirules.engine.ir import Aggregate
from kpirules.lang import ast
from kpirules.model.scheme import Scheme


def _texts_compared(where, dataset) -> list[tuple[str, str, bool, ast.Span]]:
    """(column, text, excluding, place) of each `column == "text"`, `!=` (excluding), `in
    [...]` or `not in [...]` (excluding) in a filter, for text columns of the dataset (the
    empty text tests for no value: never reported)."""
    found = []
    for node in ast.walk(where):
        pairs, excluding = [], False
        if isinstance(node, ast.Binary) and node.op in ("==", "!="):
            pairs, excluding = [(node.left, node.right), (node.right, node.left)], node.op == "!="
        elif isinstance(node, ast.InList):
            pairs, excluding = [(node.value, option) for option in node.options], node.negated
        for column, text in pairs:
            if not (isinstance(column, ast.Ref) and isinstance(text, ast.Literal_) and text.type == "string"):
                continue
            name = column.parts[-1].name
            declared = dataset.columns.get(name)
            if text.value and declared is not None and declared.type == "string":
                found.append((name, text.value, excluding, text.span))
    return found


def unmatched_texts(scheme: Scheme, con: duckdb.DuckDBPyConnection, aggregates: list[Aggregate]) -> list[str]:
    """A warning for each text a filter compares a column with that no row of the dataset
    holds, in any period; one pass over each dataset filtered so."""
    wanted: dict[str, dict[tuple[str, str], tuple[bool, ast.Span]]] = {}
    for agg in aggregates:
        if agg.where is not None and agg.dataset in scheme.datasets:
            for column, text, excluding, span in _texts_compared(agg.where, scheme.datasets[agg.dataset]):
                wanted.setdefault(agg.dataset, {}).setdefault((column, text), (excluding, span))
    out = []
    for dataset, compared in wanted.items():
        pairs = list(compared)
        tests = ", ".join(f"bool_or({sqlc.quote(c)} = {sqlc.literal(t)})" for c, t in pairs)
        try:
            held = con.execute(f"SELECT {tests} FROM {sqlc.quote(dataset)}").fetchone()
        except duckdb.Error:  # a dataset not loaded (a role not run): nothing to say
            continue
        for (column, text), present in zip(pairs, held):
            if present is not False:  # True, or None: the dataset has no rows
                continue
            # the same text but for case, spaces and punctuation: "GTX Pro" where the data has "GTXPro"
            bare = "".join(ch for ch in text.lower() if ch.isalnum())
            near = [v for (v,) in con.execute(
                f"SELECT DISTINCT {sqlc.quote(column)} FROM {sqlc.quote(dataset)} "
                f"WHERE regexp_replace(lower({sqlc.quote(column)}), '[^\\pL\\pN]', '', 'g') = {sqlc.literal(bare)} "
                "ORDER BY 1 LIMIT 3"
            ).fetchall()] if bare else []
            excluding, span = compared[(column, text)]
            place = f"{span.path}:{span.line}:{span.column}"
            if excluding:
                message = f'{dataset}: no row has {column} "{text}" ({place}): the filter leaves out nothing'
            else:
                message = f'{dataset}: no row has {column} "{text}" ({place}): the filter matches nothing'
            if near:
                values = ", ".join(f'"{v}"' for v in near)
                message = f"{message}; the data has {values} (texts are compared exactly, case and spaces included)"
            out.append(message)
    return out
