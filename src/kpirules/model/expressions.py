"""Compile person-level expressions into Python closures once per run.

Walking a syntax tree for every person would dominate a run of ten thousand people, so
each expression becomes a closure taking `lookup(parts)`, which returns the value of a
dotted name (`("person", "level")`, `("total_score",)`, `("collection_rate", "attainment")`).
The operations are those of `kpirules.model.arithmetic` (missing values propagate; an unknown
condition is false where `truth` is applied). The resolver works out constant expressions
with the same closures (`kpirules.model.constants`), so `check` and a run agree.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from kpirules.model.arithmetic import arith, compare, function

Lookup = Callable[[tuple[str, ...]], object]
Compiled = Callable[[Lookup], object]


def compile_expr(expr) -> Compiled:
    node = expr.node
    if node == "literal":
        value = expr.value
        return lambda lookup: value
    if node == "paren":
        return compile_expr(expr.inner)
    if node == "ref":
        parts = tuple(p.name for p in expr.parts)
        return lambda lookup: lookup(parts)
    if node == "unary":
        operand = compile_expr(expr.operand)
        if expr.op == "not":
            def negate(lookup):
                v = operand(lookup)
                return None if v is None else not v
            return negate

        def minus(lookup):
            v = operand(lookup)
            return None if v is None else -Decimal(v)
        return minus
    if node == "binary":
        tested = empty_text_test(expr)
        if tested is not None:  # `x == ""`: whether x is empty (has no value)
            operand, wanted = compile_expr(tested[0]), tested[1]
            return lambda lookup: (operand(lookup) in (None, "")) is wanted
        left, right, op = compile_expr(expr.left), compile_expr(expr.right), expr.op
        if op in ("and", "or"):
            return logic(op, left, right)
        if op in ("+", "-", "*", "/"):
            return lambda lookup: arith(op, left(lookup), right(lookup))
        return lambda lookup: compare(op, left(lookup), right(lookup))
    if node == "between":
        return between(compile_expr(expr.value), compile_expr(expr.low), compile_expr(expr.high))
    if node == "in":
        return member(compile_expr(expr.value), [compile_expr(o) for o in expr.options], expr.negated)
    if node == "if":
        cond, then, otherwise = compile_expr(expr.condition), compile_expr(expr.then), compile_expr(expr.otherwise)
        return lambda lookup: then(lookup) if cond(lookup) is True else otherwise(lookup)
    if node == "call":
        args = [compile_expr(a) for a in expr.args]
        name = expr.function
        return lambda lookup: function(name, [a(lookup) for a in args])
    raise AssertionError(f"cannot compile {node}")  # pragma: no cover


def empty_text_test(expr) -> tuple[object, bool] | None:
    """For `x == ""` and `x != ""` (either way round), (x, True for == / False for !=): a
    comparison with the empty text tests whether x is empty, true or false, never unknown
    (an empty cell is no value, so comparing it with "" would otherwise never hold; docs/
    semantics.md §1). None for any other expression."""
    if expr.node != "binary" or expr.op not in ("==", "!="):
        return None
    for empty, other in ((expr.right, expr.left), (expr.left, expr.right)):
        while empty.node == "paren":
            empty = empty.inner
        if empty.node == "literal" and empty.type == "string" and empty.value == "":
            return other, expr.op == "=="
    return None


def logic(op: str, left: Compiled, right: Compiled) -> Compiled:
    """SQL's three-valued AND / OR: false and unknown is false, true or unknown is true."""
    if op == "and":
        def both(lookup):
            a, b = left(lookup), right(lookup)
            if a is False or b is False:
                return False
            return None if a is None or b is None else True
        return both

    def either(lookup):
        a, b = left(lookup), right(lookup)
        if a is True or b is True:
            return True
        return None if a is None or b is None else False
    return either


def between(value: Compiled, low: Compiled, high: Compiled) -> Compiled:
    def between(lookup):
        v = value(lookup)
        a, b = compare(">=", v, low(lookup)), compare("<=", v, high(lookup))
        return None if a is None or b is None else a and b
    return between


def member(value: Compiled, options: list[Compiled], negated: bool) -> Compiled:
    def member(lookup):
        v = value(lookup)
        if v is None:
            return None
        found = any(compare("==", v, o(lookup)) for o in options)
        return not found if negated else found
    return member


def constant(expr) -> object:
    """The value of an expression that reads no names."""
    return compile_expr(expr)(lambda parts: None)
