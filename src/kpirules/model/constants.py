"""The value of a constant expression, worked out when the scheme is read.

Scores, factors and a few arguments are constants (language.md §13.2), and may be written
as arithmetic (`50 + 10`). The engine works them out again when it runs; the resolver
works them out here only to refuse, at `check`, a constant the run could not use: one
with no value (`1 / 0`, which a run would score 0 without a word). Both use the same
closures (`kpirules.model.expressions`), so `check` and a run agree.
"""

from __future__ import annotations

import decimal

from kpirules.model.expressions import compile_expr


class NotWorkedOut(Exception):
    """The expression is not a constant worked out here: it reads a name, an aggregate or
    a column, or computes with values that do not combine."""


def _reads(parts):
    raise NotWorkedOut(".".join(parts))


def constant_value(expr) -> object:
    """The value of an expression that reads no names: a Decimal (a number, a percentage
    as its fraction, an amount, a number of days), a bool, a text or a date; None when it
    has none. Raises NotWorkedOut for anything else."""
    try:
        return compile_expr(expr)(_reads)
    except (TypeError, ValueError, decimal.InvalidOperation) as failed:  # text in arithmetic, a huge round()
        raise NotWorkedOut from failed
