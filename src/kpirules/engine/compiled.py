"""Compile person-level expressions into Python closures once per run.

Walking a syntax tree for every person would dominate a run of ten thousand people, so
each expression becomes a closure taking `lookup(parts)`, which returns the value of a
dotted name (`("person", "level")`, `("total_score",)`, `("collection_rate", "attainment")`).
The operations are those of `kpirules.engine.values` (missing values propagate; an unknown
condition is false where `truth` is applied).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from kpirules.engine.values import _arith, _compare, _function

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
        left, right, op = compile_expr(expr.left), compile_expr(expr.right), expr.op
        if op in ("and", "or"):
            return _logic(op, left, right)
        if op in ("+", "-", "*", "/"):
            return lambda lookup: _arith(op, left(lookup), right(lookup))
        return lambda lookup: _compare(op, left(lookup), right(lookup))
    if node == "between":
        return _between(compile_expr(expr.value), compile_expr(expr.low), compile_expr(expr.high))
    if node == "in":
        return _member(compile_expr(expr.value), [compile_expr(o) for o in expr.options], expr.negated)
    if node == "if":
        cond, then, otherwise = compile_expr(expr.condition), compile_expr(expr.then), compile_expr(expr.otherwise)
        return lambda lookup: then(lookup) if cond(lookup) is True else otherwise(lookup)
    if node == "call":
        args = [compile_expr(a) for a in expr.args]
        name = expr.function
        return lambda lookup: _function(name, [a(lookup) for a in args])
    raise AssertionError(f"cannot compile {node}")  # pragma: no cover


def _logic(op: str, left: Compiled, right: Compiled) -> Compiled:
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


def _between(value: Compiled, low: Compiled, high: Compiled) -> Compiled:
    def between(lookup):
        v = value(lookup)
        a, b = _compare(">=", v, low(lookup)), _compare("<=", v, high(lookup))
        return None if a is None or b is None else a and b
    return between


def _member(value: Compiled, options: list[Compiled], negated: bool) -> Compiled:
    def member(lookup):
        v = value(lookup)
        if v is None:
            return None
        found = any(_compare("==", v, o(lookup)) for o in options)
        return not found if negated else found
    return member


def constant(expr) -> object:
    """The value of an expression that reads no names."""
    return compile_expr(expr)(lambda parts: None)



def compile_value(tree):
    """Compile a KPI value tree (kpirules.engine.ir) into a closure over aggregate results."""
    from kpirules.engine import ir
    from kpirules.engine.values import _compare as compare

    if isinstance(tree, ir.AggRef):
        index = tree.index
        return lambda aggs: aggs.get(index)
    if isinstance(tree, ir.Const):
        value = tree.value
        return lambda aggs: value
    if isinstance(tree, ir.Neg):
        operand = compile_value(tree.operand)

        def neg(aggs):
            v = operand(aggs)
            return None if v is None else -v
        return neg
    if isinstance(tree, ir.Op):
        left, right, op = compile_value(tree.left), compile_value(tree.right), tree.op
        return lambda aggs: _arith(op, left(aggs), right(aggs))
    if isinstance(tree, ir.Compare):
        left, right, op = compile_value(tree.left), compile_value(tree.right), tree.op
        return lambda aggs: compare(op, left(aggs), right(aggs))
    if isinstance(tree, ir.Not):
        operand = compile_value(tree.operand)

        def negate(aggs):
            v = operand(aggs)
            return None if v is None else not v
        return negate
    if isinstance(tree, ir.Logic):
        return _logic(tree.op, compile_value(tree.left), compile_value(tree.right))
    if isinstance(tree, ir.Between):
        return _between(compile_value(tree.value), compile_value(tree.low), compile_value(tree.high))
    if isinstance(tree, ir.In):
        return _member(compile_value(tree.value), [compile_value(o) for o in tree.options], tree.negated)
    if isinstance(tree, ir.Cond):
        cond, then, otherwise = compile_value(tree.condition), compile_value(tree.then), compile_value(tree.otherwise)
        return lambda aggs: then(aggs) if cond(aggs) is True else otherwise(aggs)
    if isinstance(tree, ir.Func):
        args = [compile_value(a) for a in tree.args]
        name = tree.name
        return lambda aggs: _function(name, [a(aggs) for a in args])
    raise AssertionError(f"unknown value node {tree!r}")  # pragma: no cover
