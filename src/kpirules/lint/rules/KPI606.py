from __future__ import annotations

from decimal import Decimal

from kpirules.lang import ast
from kpirules.lang.ast import walk
from kpirules.lint.helpers import number, pct
from kpirules.lint.rule import Rule
from kpirules.model.types import is_money

ONE = Decimal(1)
_COMPARISONS = {">=", "<=", ">", "<", "==", "!="}


def share_of_one_dataset(measure, subsets: bool = False) -> bool:
    """Whether a measure is a share: some of a dataset's rows over all of them, counted or
    summed alike (`count(leads where status == "won") / count(leads)`,
    `sum(deals.amount where won) / sum(deals.amount)`), so its value is at most 100%. With
    `subsets`, also a ratio of two subsets of them (`count(deals where won) / count(deals
    where closed)`): a rate, which may pass 100% (won / lost) but is not ten times it."""
    if not (isinstance(measure, ast.Binary) and measure.op == "/"):
        return False
    top, bottom = measure.left, measure.right
    if not (isinstance(top, ast.Call) and isinstance(bottom, ast.Call)):
        return False
    if top.function != bottom.function or top.function not in ("count", "sum"):
        return False
    if top.where is None or (bottom.where is not None and not subsets):
        return False
    read = [[a.dotted if isinstance(a, ast.Ref) else None for a in call.args] for call in (top, bottom)]
    return None not in read[0] and read[0] == read[1]


def _amount_ratio(measure, scheme) -> bool:
    """Whether a measure is one sum of money over another (`sum(payments.amount) /
    sum(invoices.amount)`): a rate such as a collection rate, which may pass 100% but not
    ten times it. (A count over a count of another dataset, calls per lead, may well be 20.)"""
    if not (isinstance(measure, ast.Binary) and measure.op == "/"):
        return False
    for side in (measure.left, measure.right):
        if not (isinstance(side, ast.Call) and side.function == "sum" and len(side.args) == 1
                and isinstance(side.args[0], ast.Ref) and len(side.args[0].parts) == 2):
            return False
        dataset, column = (part.name for part in side.args[0].parts)
        spec = scheme.datasets[dataset].columns.get(column) if dataset in scheme.datasets else None
        if spec is None or spec.type != "money":
            return False
    return True


#: a ratio of two subsets of one dataset's rows is taken as a slip from this whole number on (1000%)
RATIO_SLIP = Decimal(10)


def _whole_number_above_one(node) -> Decimal | None:
    """A number written without `%` and without a decimal point, above 1 (`80`, `15`): the
    value, or None."""
    if isinstance(node, ast.Literal_) and node.type == "number" and node.value > ONE and "." not in node.text:
        return node.value
    return None


class NumberForPercent(Rule):
    """{place} reads {written} as {meaning}.

    A percentage is written with `%`: `15%` is 0.15, and a plain `15` is fifteen whole
    units, 1500%. A share is never above 100%, and attainment is 100% on target, so a whole
    number there nearly always lost its `%`; the total score and a KPI's score count points
    (100 on target), where `80%` is 0.8 points; and a commission rate of 5 on an amount pays
    five times the amount. Reported where it is written:
    - a target written as a whole number above 1 on a KPI whose measure is a share of one
      dataset's rows (`count(leads where ...) / count(leads)`, the denominator unfiltered),
      or of 10 or more on a ratio of two subsets of them (`count(deals where won) /
      count(deals where closed)`: a win rate's `60` is 6000%) or of two sums of money
      (`sum(payments.amount) / sum(invoices.amount)`: a collection rate's `95` is 9500%; a
      count over another dataset's count, calls per lead, is taken as meant);
    - a gate comparing `<kpi>.attainment` with a whole number above 1, or the value of such
      a KPI with the number its target would be reported at (above 1 on a share of one
      dataset, 10 or more on a ratio of subsets or of money: `gate win_rate.value >= 50`);
    - a gate comparing `total_score` or `<kpi>.score` with a percentage other than 0%;
    - a commission rate written as a plain number of 1 or more on a KPI that is an amount.

    A target or gate number with a decimal point (`attainment >= 1.2`) is taken as meant; a
    commission rate of 1 or more is reported however it is written (`1.5` pays 150%).

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi lead_conversion "线索转化率" {
        outcome main
        measure count(leads where status == "converted") / count(leads)
        target >= 15
        weight 100%
      }
    }
    ```

    Good:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi lead_conversion "线索转化率" {
        outcome main
        measure count(leads where status == "converted") / count(leads)
        target >= 15%
        weight 100%
      }
    }
    ```
    """

    code = "KPI606"
    slug = "number-for-percent"
    severity = "warning"
    pitfall = "unrealistic targets (目标脱离实际)"
    help = "write {intended} if that is what you meant"

    def check_role(self, ctx, role):
        kpis = {k.id: k for k in role.kpis}
        shares = {k.id for k in role.kpis if k.measure is not None and share_of_one_dataset(k.measure)}
        # amounts over amounts (collected / invoiced) are a rate too: 95 is 9500%
        rates = {k.id for k in role.kpis if k.measure is not None
                 and (share_of_one_dataset(k.measure, subsets=True) or _amount_ratio(k.measure, ctx.scheme))}
        for kpi in role.kpis:
            if kpi.id not in rates:
                continue
            for decl, owner in ctx.kpi_decls(role, kpi.id):
                if owner != role.id:
                    continue
                for stmt in decl.body:
                    value = _whole_number_above_one(stmt.value) if stmt.node == "target" else None
                    if value is not None and (kpi.id in shares or value >= RATIO_SLIP):
                        yield self.finding(stmt.value.span, place=f"The target of KPI {kpi.id}",
                                           written=stmt.value.text, meaning=pct(value, None),
                                           intended=f"{stmt.value.text}%")
        decl, owner = ctx.payout_decl(role)
        if decl is None or owner != role.id:
            return
        for stmt in decl.body:
            if stmt.node == "gate":
                yield from self._gate(stmt.condition, kpis, shares, rates)
            elif stmt.node == "commission" and stmt.kpi.name in kpis and is_money(kpis[stmt.kpi.name].value_type):
                for row in stmt.rows:
                    rate = row.value
                    if isinstance(rate, ast.Literal_) and rate.type == "number" and rate.value >= ONE:
                        yield self.finding(rate.span, place=f"A commission rate of KPI {stmt.kpi.name}",
                                           written=rate.text, meaning=f"{pct(rate.value, None)} of the amount",
                                           intended=f"{rate.text}%")

    def _gate(self, condition, kpis, shares, rates):
        for node in walk(condition):
            if not (isinstance(node, ast.Binary) and node.op in _COMPARISONS):
                continue
            for ref, other in ((node.left, node.right), (node.right, node.left)):
                if not isinstance(ref, ast.Ref):
                    continue
                parts = [p.name for p in ref.parts]
                points = parts == ["total_score"] or (len(parts) == 2 and parts[0] in kpis and parts[1] == "score")
                rate = len(parts) == 2 and parts[0] in kpis and (
                    parts[1] == "attainment" or (parts[1] == "value" and parts[0] in rates))
                if points and isinstance(other, ast.Literal_) and other.type == "percent" and other.value != 0:
                    points_text, n = number(other.value * 100), number(other.value)
                    meaning = f"{n} point (100 is on target)" if other.value == 1 else f"{n} points (100 is on target)"
                    yield self.finding(other.span, place=f"The gate on {ref.dotted}", written=other.text,
                                       meaning=meaning, intended=points_text)
                elif rate and (value := _whole_number_above_one(other)) is not None and (
                        parts[1] == "attainment" or parts[0] in shares or value >= RATIO_SLIP):
                    # a value read as a target is: any whole number above 1 on a share of one
                    # dataset, from RATIO_SLIP on another rate (win rate, collection rate)
                    yield self.finding(other.span, place=f"The gate on {ref.dotted}", written=other.text,
                                       meaning=pct(value, None), intended=f"{other.text}%")
