"""Compile KPI value trees (`kpirules.engine.ir`) into closures over a person's aggregate
results, once per run; person-level expressions compile in `kpirules.model.expressions`.
"""

from __future__ import annotations

from kpirules.model.arithmetic import arith, compare, function
from kpirules.model.expressions import between, logic, member


def compile_value(tree):
    """Compile a KPI value tree (kpirules.engine.ir) into a closure over aggregate results."""
    from kpirules.engine import ir

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
        return lambda aggs: arith(op, left(aggs), right(aggs))
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
        return logic(tree.op, compile_value(tree.left), compile_value(tree.right))
    if isinstance(tree, ir.Between):
        return between(compile_value(tree.value), compile_value(tree.low), compile_value(tree.high))
    if isinstance(tree, ir.In):
        return member(compile_value(tree.value), [compile_value(o) for o in tree.options], tree.negated)
    if isinstance(tree, ir.Cond):
        cond, then, otherwise = compile_value(tree.condition), compile_value(tree.then), compile_value(tree.otherwise)
        return lambda aggs: then(aggs) if cond(aggs) is True else otherwise(aggs)
    if isinstance(tree, ir.Func):
        args = [compile_value(a) for a in tree.args]
        name = tree.name
        return lambda aggs: function(name, [a(aggs) for a in args])
    raise AssertionError(f"unknown value node {tree!r}")  # pragma: no cover
