"""From the total score and KPI results to money, step by step.

The steps, in order (docs/semantics.md works examples):
1. target incentive: the constant or the person attribute;
2. factor: the factor table row containing the total score (an expression of total_score,
   or `linear A to B` across the row); without a factor table, total_score / 100;
3. `cap factor`;
4. gates, in written order: a failed gate zeroes the payout, caps the factor or multiplies
   it; a gate on a KPI without a value fails unless `no_data pass`; a gate on a KPI whose
   period has not closed yet is not applied in this run;
5. incentive = target incentive x factor x proration (share of the period active), rounded;
6. commissions on KPI values, marginal or retroactive, each rounded (paid in the run that
   closes the KPI's period);
7. the overall `cap` on incentive + commissions;
8. manual adjustments, each rounded, added last.
Every amount is rounded per line with the payout's rounding; the total is the sum of the
rounded lines. The same code computes the numbers and, when asked, the words of each step.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from kpirules.model.expressions import compile_expr, constant
from kpirules.engine.numbers import (
    CONTEXT, WIDE, as_applied, check_money, fmt_decimal, in_context, quantize6, round_money, to_decimal, unsigned_zero,
)
from kpirules.engine.results import Adjustment, KpiResult, PayoutResult, PayoutStep
from kpirules.engine.scoring import pct
from kpirules.model.arithmetic import truth
from kpirules.lang import ast
from kpirules.lang.render import expression
from kpirules.model.bands import describe
from kpirules.model.scheme import Commission, Payout
from kpirules.model.types import refs_in

ZERO = Decimal(0)


def _money(x: Decimal, currency: str) -> str:
    return f"{fmt_decimal(x)} {currency}"


def _rounded(x: Decimal, currency: str) -> str:
    """A rounded amount keeps its scale: 0.00 CNY, 2685.00 CNY (never -0.00)."""
    return f"{format(unsigned_zero(x), 'f')} {currency}"


#: said after a number the payout keeps to 6 places where that changed it
SIX_PLACES = " (rounded to 6 places)"


def _target_incentive_text(written: ast.Expr, amount: Decimal | None, currency: str) -> str:
    """The target incentive step: the amount, and where it comes from when not written as one
    (`target incentive person.target_incentive = 10000 CNY`)."""
    source = "" if isinstance(written, ast.Literal_) else f"{expression(written)} = "
    if amount is None:
        return f"target incentive {expression(written)}: the person attribute has no value, so it is 0"
    return f"target incentive {source}{_money(amount, currency)}"


def _worked(node: ast.Expr, total: Decimal) -> str:
    """A factor row's expression as written, with the total put in and × and − for * and -,
    as a calculator is given it: `1.0 + 1.5 × (114 − 100) / 100`."""
    def shown(part) -> str | None:
        name = part.dotted if isinstance(part, ast.Ref) else part.name if isinstance(part, ast.Ident) else None
        if name == "total_score":
            return f"({fmt_decimal(total)})" if total < 0 else fmt_decimal(total)
        if isinstance(part, ast.Binary) and part.op in _SIGNS:
            return f"{expression(part.left, shown)} {_SIGNS[part.op]} {expression(part.right, shown)}"
        if isinstance(part, ast.Unary) and part.op == "-":
            return f"−{expression(part.operand, shown)}"
        return None

    return expression(node, shown)


_SIGNS = {"*": "×", "-": "−"}


def _read(gate, lookup, kpis: dict[str, KpiResult]) -> str:
    """The values a gate's condition reads, as a person checks them: `collection_rate.attainment 71.3%`."""
    shown = []
    for ref in refs_in(gate.condition):
        parts = tuple(p.name for p in ref.parts)
        value, kpi = lookup(parts), kpis.get(parts[0])
        # a KPI's value and target are shown in its own unit
        unit = kpi.value_type if kpi is not None and parts[-1] in ("value", "target") else "number"
        if value is None:
            text = "no value"
        elif parts[-1] == "attainment" or unit == "percent":
            text = pct(value)
        elif unit.startswith("money:"):
            text = _money(value, unit.split(":")[1])
        else:
            text = fmt_decimal(value) if isinstance(value, Decimal) else str(value)
        if f"{ref.dotted} {text}" not in shown:
            shown.append(f"{ref.dotted} {text}")
    return ", ".join(shown)


def _results_read(gate) -> list[tuple[str, str]]:
    """The (kpi, result) pairs a gate's condition reads other than a value: target, attainment, score."""
    found = []
    for ref in refs_in(gate.condition):
        parts = tuple(p.name for p in ref.parts)
        if len(parts) == 2 and parts[0] in gate.kpis and parts[1] != "value" and parts not in found:
            found.append(parts)
    return found


def commission_amount(commission: Commission, value: Decimal,
                      rates: list[Decimal | None] | None = None) -> tuple[Decimal, str]:
    """The unrounded commission on a value, and how it was worked out. `rates`: each row's
    rate for the person paid, where a row reads person attributes (`person.commission_pct`;
    None where the attribute has no value, which counts as 0); without it, the rows' constants."""
    base = max(value, ZERO)
    if rates is None:
        rates = [to_decimal(constant(t.value)) for t in commission.tiers]
    rated = [(t, rate or ZERO, _rate_text(t, rate)) for t, rate in zip(commission.tiers, rates)]
    # a negative value (returns exceeding sales) pays nothing: it counts as 0
    negative = "a value below 0 counts as 0: " if value < 0 else ""
    if commission.mode == "retroactive":
        for tier, rate, text in rated:
            if tier.contains(base):
                return CONTEXT.multiply(base, rate), (
                    f"retroactive: {negative}{fmt_decimal(base)} is in {describe(tier, False)}, so {text} applies "
                    "to all of it"
                )
        return ZERO, "no tier contains the value"
    parts, amount = [], ZERO
    for tier, rate, text in sorted(rated, key=lambda row: row[0].low or ZERO):
        # the part of the value (never below 0) inside the row: a row reaching below 0 starts at 0
        low = max(tier.low, ZERO) if tier.low is not None else ZERO
        if base <= low:
            continue
        portion = (base if tier.high is None else min(base, tier.high)) - low
        if portion > 0:
            amount += CONTEXT.multiply(portion, rate)
            parts.append(f"{fmt_decimal(portion)} × {text}")
    if value < 0:
        return amount, "marginal: a value below 0 counts as 0: nothing to pay"
    if not parts:  # the value is not above where the rows start (0 at the lowest)
        return amount, f"marginal: nothing to pay at {fmt_decimal(base)}"
    return amount, "marginal: " + " + ".join(parts)


def _rate_text(tier, rate: Decimal | None) -> str:
    """A row's rate as a person checks it: `1.5%`, or where it comes from when the row reads
    person attributes (`1.5% (person.commission_pct)`)."""
    if not refs_in(tier.value):
        return _rate_pct(rate or ZERO)
    written = expression(tier.value)
    if rate is None:
        return f"0% ({written} has no value)"
    return f"{_rate_pct(rate)} ({written})"


def _rate_pct(rate: Decimal) -> str:
    """A rate in percent with every place it is applied with: a constant 1.2345675% is used as
    written, and shown so (`pct` would show 1.234568%, which does not give the amount)."""
    return f"{fmt_decimal(rate.scaleb(2, WIDE))}%"


class PayoutPlan:
    """A role's payout rules with expressions compiled once per run."""

    def __init__(self, payout: Payout):
        self.payout = payout
        self.target_incentive = compile_expr(payout.target_incentive) if payout.target_incentive is not None else None
        self.factor_rows = []
        for tier in payout.factor_tiers:
            if tier.value is not None:
                self.factor_rows.append((tier, compile_expr(tier.value), None))
            else:
                linear = (to_decimal(constant(tier.linear_from)), to_decimal(constant(tier.linear_to)))
                self.factor_rows.append((tier, None, linear))
        #: per commission, each row's rate compiled where it reads person attributes and its
        #: constant where it does not (None where no row reads one)
        self.commission_rates = [
            [compile_expr(t.value) if refs_in(t.value) else to_decimal(constant(t.value)) for t in c.tiers]
            if any(refs_in(t.value) for t in c.tiers) else None
            for c in payout.commissions
        ]
        self.gates = [(gate, compile_expr(gate.condition)) for gate in payout.gates]
        #: per gate, the KPI results its condition reads other than the value: (kpi, field)
        self.results_read = [_results_read(gate) for gate in payout.gates]
        #: the caps as applied (rounded to 6 places when written with more), and per gate its amount so
        self.cap_factor = as_applied(payout.cap_factor)
        self.gate_amounts = [as_applied(g.amount) if g.effect == "cap_factor" else g.amount for g in payout.gates]
        self.mode, self.step = payout.rounding.mode, payout.rounding.step

    def round(self, x: Decimal) -> Decimal:
        return round_money(x, self.mode, self.step)

    @classmethod
    def row_factor(cls, row, total: Decimal) -> Decimal:
        """One factor row's value at a total score, whether or not the row holds it: at an
        open bound, the value the row runs up to (`linear 0.6 to 1.0` on [60, 100) is 1 at 100)."""
        return quantize6(cls.exact_factor(row, total) or ZERO)

    @staticmethod
    def exact_factor(row, total: Decimal) -> Decimal | None:
        """`row_factor` before it is rounded to 6 places (None: the row's expression has no value there)."""
        tier, expr, linear = row
        if expr is not None:
            return to_decimal(expr(lambda parts: total if parts == ("total_score",) else None))
        start, end = linear
        return start + (end - start) * CONTEXT.divide(total - tier.low, tier.high - tier.low)

    def factor(self, total: Decimal, trace: list | None) -> Decimal:
        if not self.factor_rows:
            f = quantize6(total / 100)
            if trace is not None:
                trace.append(PayoutStep("factor", f"no factor table: factor = total score / 100 = {fmt_decimal(f)}", f))
            return f
        for row in self.factor_rows:
            tier, expr, linear = row
            if not tier.contains(total):
                continue
            exact = self.exact_factor(row, total)
            f = quantize6(exact or ZERO)  # row_factor, from the exact value the words need too
            if trace is not None:  # the words cost more than the numbers: only when asked
                # the factor is kept to 6 places: say so where that changed it
                rounded = SIX_PLACES if exact is not None and exact != f else ""
                if isinstance(tier.value, ast.Literal_):
                    text = f"total score {fmt_decimal(total)} is in {describe(tier, False)}: factor {fmt_decimal(f)}"
                elif expr is not None and exact is None:
                    text = (f"total score {fmt_decimal(total)} is in {describe(tier, False)}: "
                            f"factor = {_worked(tier.value, total)}, which has no value (a division by zero): factor 0")
                elif expr is not None:
                    text = (f"total score {fmt_decimal(total)} is in {describe(tier, False)}: "
                            f"factor = {_worked(tier.value, total)} = {fmt_decimal(f)}{rounded}")
                else:
                    start, end = linear
                    text = (
                        f"total score {fmt_decimal(total)} is in {describe(tier, False)}: linear {fmt_decimal(start)} to "
                        f"{fmt_decimal(end)} = {fmt_decimal(start)} + ({fmt_decimal(end)} − {fmt_decimal(start)}) × "
                        f"({fmt_decimal(total)} − {fmt_decimal(tier.low)}) / ({fmt_decimal(tier.high)} − {fmt_decimal(tier.low)}) = {fmt_decimal(f)}{rounded}"
                    )
                # the row that applied
                trace.append(PayoutStep("factor", text, f, tier.span))
            return f
        if trace is not None:
            trace.append(PayoutStep("factor", f"total score {fmt_decimal(total)} is in no factor row: factor 0", ZERO, self.payout.factor_span))
        return ZERO

    @in_context
    def compute(self, *, person, kpis: dict[str, KpiResult], total_score: Decimal, days: tuple[int, int],
                currency: str, adjustments: list[Adjustment], trace: list | None = None) -> PayoutResult:
        """`days` is (active days, days in the period): the proration, when the payout prorates.
        Every operation runs in the 34-digit context (`in_context`): Python's default of 28
        digits would round a sum of large amounts."""
        payout = self.payout

        def lookup(parts):
            first = parts[0]
            if first == "person":
                return person(parts[1])
            if first == "total_score":
                return total_score
            result = kpis.get(first)
            return None if result is None else getattr(result, parts[1], None)

        target_incentive = None
        if self.target_incentive is not None:
            target_incentive = to_decimal(self.target_incentive(lookup))
            if trace is not None:
                trace.append(PayoutStep(
                    "target_incentive",
                    _target_incentive_text(payout.target_incentive, target_incentive, currency),
                    target_incentive, payout.target_incentive.span,
                ))
        factor = self.factor(total_score, trace)
        if self.cap_factor is not None and factor > self.cap_factor:
            factor = self.cap_factor
            if trace is not None:
                trace.append(PayoutStep("cap_factor", f"factor capped at {fmt_decimal(factor)}", factor, payout.cap_factor_span))

        zeroed = False
        for (gate, condition), results_read, amount in zip(self.gates, self.results_read, self.gate_amounts):
            related = [kpis.get(k) for k in gate.kpis]
            written = expression(gate.condition) if trace is not None else ""  # as the .kpi line has it
            if any(r is not None and r.status == "in_progress" for r in related):
                if trace is not None:
                    trace.append(PayoutStep("gate", f"gate {written} not applied: its KPI's period has not closed in this "
                                                    "run", None, gate.span))
                continue
            # a result the KPI lacks although it has a value (the attainment of a KPI without a
            # target): the gate fails whatever the rest of the condition says, no_data pass or not
            lacking = next((f"{k}.{name}" for k, name in results_read if (r := kpis.get(k)) is not None
                            and r.value is not None and getattr(r, name) is None), None)
            if lacking is not None:
                passed, why = False, f"{lacking} has no value, although {lacking.split('.')[0]} has one"
            elif any(r is None or r.value is None for r in related):
                passed = gate.no_data == "pass"
                why = "its KPI has no value, and the gate says no_data pass" if passed else "its KPI has no value"
            else:
                passed = truth(condition(lookup))
                why = "the condition holds" if passed else "the condition does not hold"
                if trace is not None and (read := _read(gate, lookup, kpis)):
                    why += f" with {read}"
            if passed:
                if trace is not None:
                    trace.append(PayoutStep("gate", f"gate {written} passed: {why}", None, gate.span))
                continue
            if gate.effect == "zero":
                zeroed = True
                text = f"gate {written} failed ({why}): the payout is zero"
            elif gate.effect == "cap_factor" and factor <= amount:  # already at or below the cap
                text = f"gate {written} failed ({why}): factor capped at {fmt_decimal(amount)}; {fmt_decimal(factor)} is not above it"
            elif gate.effect == "cap_factor":
                factor = amount
                text = f"gate {written} failed ({why}): factor capped at {fmt_decimal(amount)} → {fmt_decimal(factor)}"
            else:
                product = CONTEXT.multiply(factor, amount)
                factor = quantize6(product)
                text = (f"gate {written} failed ({why}): factor × {fmt_decimal(amount)} = {fmt_decimal(factor)}"
                        f"{SIX_PLACES if product != factor else ''}")
            if trace is not None:
                trace.append(PayoutStep("gate", text, ZERO if zeroed else factor, gate.span))

        # proration is the exact share active days / period days (docs/semantics.md §7, not one of
        # the 6-place numbers of §8): multiply by the days first, divide last, then round the line
        ratio = Fraction(*days) if payout.proration else Fraction(1)
        incentive = self.round(ZERO)
        if target_incentive is not None and not zeroed:
            scaled = CONTEXT.multiply(CONTEXT.multiply(target_incentive, factor), Decimal(ratio.numerator))
            incentive = self.round(CONTEXT.divide(scaled, Decimal(ratio.denominator)))
        if trace is not None:
            if zeroed:
                text = "incentive = 0 (a gate zeroed the payout)"
            else:
                text = f"incentive = {_money(target_incentive or ZERO, currency)} × {fmt_decimal(factor)}"
                if ratio != 1:  # the days themselves, as the statement's header counts them (not 8/15 for 16/30)
                    text += f" × {days[0]}/{days[1]} days"
                text += f" = {_rounded(incentive, currency)} (rounded {self.mode} to {fmt_decimal(self.step)})"
            trace.append(PayoutStep("incentive", text, incentive))

        commissions: dict[str, Decimal] = {}
        lines = [incentive]  # the money lines the cap reads, as the steps list them
        for commission, compiled in zip(payout.commissions, self.commission_rates):
            result = kpis.get(commission.kpi)
            if result is None or result.status == "in_progress":
                if trace is not None:
                    trace.append(PayoutStep("commission", f"commission on {commission.kpi}: paid in the run that closes its period, "
                                            "to a person active in it", None, commission.span))
                continue
            if result.value is None or zeroed:
                nothing = self.round(ZERO)
                commissions[commission.kpi] = commissions.get(commission.kpi, ZERO) + nothing
                lines.append(nothing)
                if trace is not None:
                    trace.append(PayoutStep("commission", f"commission on {commission.kpi}: 0 ({'a gate zeroed the payout' if zeroed else 'no value'})", nothing, commission.span))
                continue
            # a rate worked out from attributes is kept to 6 places, as computed values are; a
            # constant beside it is applied as written, as in a table of constants only
            rates = [rate if isinstance(rate, Decimal) else quantize6(to_decimal(rate(lookup)))
                     for rate in compiled] if compiled is not None else None
            raw, how = commission_amount(commission, result.value, rates)
            amount = self.round(raw)
            # several commissions on one KPI: its entry is the sum of their rounded lines
            commissions[commission.kpi] = commissions[commission.kpi] + amount if commission.kpi in commissions else amount
            lines.append(amount)
            if trace is not None:
                rounding = f" (rounded {self.mode} to {fmt_decimal(self.step)})" if amount != raw else ""
                trace.append(PayoutStep("commission", f"commission on {commission.kpi} ({fmt_decimal(result.value)}): "
                                        f"{how} = {_rounded(amount, currency)}{rounding}", amount, commission.span))

        subtotal = check_money(incentive + sum(commissions.values(), ZERO))
        capped = False
        if payout.cap is not None and subtotal > payout.cap:
            capped = True
            above, subtotal = subtotal, self.round(payout.cap)
            if trace is not None:  # what the cap cut: the lines above it and their sum
                if len(lines) > 1:
                    added = " + ".join(format(unsigned_zero(x), "f") for x in lines)
                    cut = f"incentive + commissions {added} = {_rounded(above, currency)}"
                else:
                    cut = f"incentive {_rounded(above, currency)}"
                # a cap written with more places than the rounding keeps is applied rounded
                if subtotal == payout.cap:
                    text = f"{cut} is above the cap: payout capped at {_rounded(subtotal, currency)}"
                else:
                    text = (f"{cut} is above the cap {fmt_decimal(payout.cap)}: payout capped at "
                            f"{_rounded(subtotal, currency)} (the cap rounded {self.mode} to {fmt_decimal(self.step)})")
                trace.append(PayoutStep("cap", text, subtotal, payout.cap_span))
        total = subtotal
        # each adjustment is a payout line, rounded as the others: the lines add up to the total
        written = adjustments
        adjustments = [replace(adj, amount=unsigned_zero(self.round(adj.amount))) for adj in written]
        for before, adj in zip(written, adjustments, strict=True):
            amount = adj.amount
            total += amount
            if trace is not None:
                approved = f" (approved by {adj.approver})" if adj.approver else ""
                shown = _rounded(amount, currency)
                if amount != before.amount:  # the amount as written, and the rounding that changed it
                    shown = (f"{_money(before.amount, currency)}, rounded {self.mode} to {fmt_decimal(self.step)}: "
                             f"{shown}")
                trace.append(PayoutStep("adjustment", f"manual adjustment {shown}: {adj.reason}{approved}", amount,
                                        adj._place))
        check_money(total)
        if trace is not None:
            # the lines that add up to it (incentive, each commission, or the capped amount, then
            # each adjustment): a calculator's sum, written where there are several
            parts = ([subtotal] if capped else lines) + [adj.amount for adj in adjustments]
            if len(parts) > 1:
                terms = format(unsigned_zero(parts[0]), "f") + "".join(
                    f" - {format(-x, 'f')}" if x < 0 else f" + {format(unsigned_zero(x), 'f')}" for x in parts[1:])
                trace.append(PayoutStep("total", f"payout = {terms} = {_rounded(total, currency)}", total))
            else:
                trace.append(PayoutStep("total", f"payout {_rounded(total, currency)}", total))
        return PayoutResult(
            currency=currency, target_incentive=target_incentive, factor=factor, incentive=incentive,
            commissions=commissions, adjustments=adjustments, capped=capped, zeroed_by_gate=zeroed, total=total,
        )
