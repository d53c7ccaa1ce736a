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
rounded lines.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from kpirules.engine.numbers import CONTEXT, fmt_decimal, quantize6, round_money, to_decimal
from kpirules.engine.results import Adjustment, KpiResult, PayoutResult, PayoutStep
from kpirules.engine.scoring import pct
from kpirules.engine.values import evaluate, truth
from kpirules.lang import ast
from kpirules.model.bands import describe
from kpirules.model.scheme import Commission, Payout, Tier

ZERO = Decimal(0)


def _money(x: Decimal, currency: str) -> str:
    return f"{fmt_decimal(x)} {currency}"


def factor_at(tiers: list[Tier], total: Decimal) -> tuple[Decimal, str]:
    for tier in tiers:
        if tier.contains(total):
            rng = describe(tier, percent=False)
            if tier.value is not None:
                value = evaluate(tier.value, lambda ref: total if ref.dotted == "total_score" else None)
                f = quantize6(to_decimal(value) or ZERO)
                return f, f"total score {fmt_decimal(total)} is in {rng}: factor {fmt_decimal(f)}"
            start = to_decimal(evaluate(tier.linear_from, lambda ref: None))
            end = to_decimal(evaluate(tier.linear_to, lambda ref: None))
            share = CONTEXT.divide(total - tier.low, tier.high - tier.low)
            f = quantize6(start + (end - start) * share)
            return f, (
                f"total score {fmt_decimal(total)} is in {rng}: linear {fmt_decimal(start)} to {fmt_decimal(end)} "
                f"= {fmt_decimal(start)} + ({fmt_decimal(end)} − {fmt_decimal(start)}) × "
                f"({fmt_decimal(total)} − {fmt_decimal(tier.low)}) / ({fmt_decimal(tier.high)} − {fmt_decimal(tier.low)}) = {fmt_decimal(f)}"
            )
    return ZERO, f"total score {fmt_decimal(total)} is in no factor row: factor 0"


def commission_amount(commission: Commission, value: Decimal) -> tuple[Decimal, str]:
    base = max(value, ZERO)
    rates = [(t, to_decimal(evaluate(t.value, lambda ref: None)) or ZERO) for t in commission.tiers]
    if commission.mode == "retroactive":
        for tier, rate in rates:
            if tier.contains(base):
                amount = CONTEXT.multiply(base, rate)
                return amount, f"retroactive: {fmt_decimal(base)} is in {describe(tier, False)}, so {pct(rate)} applies to all of it"
        return ZERO, "no tier contains the value"
    parts, amount = [], ZERO
    for tier, rate in sorted(rates, key=lambda tr: tr[0].low or ZERO):
        low = tier.low or ZERO
        if base <= low:
            continue
        high = base if tier.high is None else min(base, tier.high)
        portion = high - low
        if portion > 0:
            amount += CONTEXT.multiply(portion, rate)
            parts.append(f"{fmt_decimal(portion)} × {pct(rate)}")
    return amount, "marginal: " + (" + ".join(parts) if parts else "nothing above the first tier")


def compute_payout(
    payout: Payout,
    *,
    person: Callable[[str], object],
    kpis: dict[str, KpiResult],
    total_score: Decimal,
    proration: Decimal,
    currency: str,
    adjustments: list[Adjustment],
) -> PayoutResult:
    steps: list[PayoutStep] = []
    rnd = lambda x: round_money(x, payout.rounding.mode, payout.rounding.step)  # noqa: E731

    def resolve(ref: ast.Ref):
        first = ref.parts[0].name
        if first == "person":
            return person(ref.parts[1].name)
        if first == "total_score":
            return total_score
        result = kpis.get(first)
        if result is None:
            return None
        return getattr(result, ref.parts[1].name, None)

    target_incentive = None
    if payout.target_incentive is not None:
        target_incentive = to_decimal(evaluate(payout.target_incentive, resolve))
        steps.append(PayoutStep(
            step="target_incentive",
            description=f"target incentive {_money(target_incentive, currency)}" if target_incentive is not None
            else "target incentive: the person attribute has no value, so it is 0",
            value=target_incentive, span=payout.target_incentive.span,
        ))
    if payout.factor_tiers:
        factor, text = factor_at(payout.factor_tiers, total_score)
        steps.append(PayoutStep(step="factor", description=text, value=factor, span=payout.factor_span))
    else:
        factor = quantize6(total_score / 100)
        steps.append(PayoutStep(step="factor", description=f"no factor table: factor = total score / 100 = {fmt_decimal(factor)}", value=factor))
    if payout.cap_factor is not None and factor > payout.cap_factor:
        factor = payout.cap_factor
        steps.append(PayoutStep(step="cap_factor", description=f"factor capped at {fmt_decimal(factor)}", value=factor))

    zeroed = False
    for gate in payout.gates:
        related = [kpis.get(k) for k in gate.kpis]
        if any(r is not None and r.status == "in_progress" for r in related):
            steps.append(PayoutStep(step="gate", description="gate not applied: its KPI's period has not closed in this run", span=gate.span))
            continue
        missing = any(r is None or r.status == "no_data" for r in related)
        if missing:
            passed = gate.no_data == "pass"
            why = "its KPI has no value, and the gate says no_data pass" if passed else "its KPI has no value"
        else:
            passed = truth(evaluate(gate.condition, resolve))
            why = "the condition holds" if passed else "the condition does not hold"
        if passed:
            steps.append(PayoutStep(step="gate", description=f"gate passed: {why}", span=gate.span))
            continue
        if gate.effect == "zero":
            zeroed = True
            steps.append(PayoutStep(step="gate", description=f"gate failed ({why}): the payout is zero", value=ZERO, span=gate.span))
        elif gate.effect == "cap_factor":
            if factor > gate.amount:
                factor = gate.amount
            steps.append(PayoutStep(step="gate", description=f"gate failed ({why}): factor capped at {fmt_decimal(gate.amount)} → {fmt_decimal(factor)}", value=factor, span=gate.span))
        else:
            factor = quantize6(factor * gate.amount)
            steps.append(PayoutStep(step="gate", description=f"gate failed ({why}): factor × {fmt_decimal(gate.amount)} = {fmt_decimal(factor)}", value=factor, span=gate.span))

    ratio = proration if payout.proration else Decimal(1)
    incentive = ZERO
    if target_incentive is not None and not zeroed:
        incentive = rnd(CONTEXT.multiply(CONTEXT.multiply(target_incentive, factor), ratio))
    text = f"incentive = {_money(target_incentive or ZERO, currency)} × {fmt_decimal(factor)}"
    if ratio != 1:
        text += f" × proration {fmt_decimal(ratio)}"
    steps.append(PayoutStep(step="incentive", description=f"{text} = {_money(incentive, currency)} (rounded {payout.rounding.mode} to {fmt_decimal(payout.rounding.step)})" if not zeroed else "incentive = 0 (gate)", value=incentive))

    commissions: dict[str, Decimal] = {}
    for commission in payout.commissions:
        result = kpis.get(commission.kpi)
        if result is None or result.status == "in_progress":
            steps.append(PayoutStep(step="commission", description=f"commission on {commission.kpi}: paid when its period closes", span=commission.span))
            continue
        if result.value is None or zeroed:
            commissions[commission.kpi] = ZERO
            steps.append(PayoutStep(step="commission", description=f"commission on {commission.kpi}: 0 ({'gate' if zeroed else 'no value'})", value=ZERO, span=commission.span))
            continue
        raw, how = commission_amount(commission, result.value)
        amount = rnd(raw)
        commissions[commission.kpi] = amount
        steps.append(PayoutStep(step="commission", description=f"commission on {commission.kpi} ({fmt_decimal(result.value)}): {how} = {_money(amount, currency)}", value=amount, span=commission.span))

    subtotal = incentive + sum(commissions.values(), ZERO)
    capped = False
    if payout.cap is not None and subtotal > payout.cap:
        capped = True
        subtotal = rnd(payout.cap)
        steps.append(PayoutStep(step="cap", description=f"payout capped at {_money(subtotal, currency)}", value=subtotal))
    total = subtotal
    for adj in adjustments:
        amount = rnd(adj.amount)
        total += amount
        steps.append(PayoutStep(step="adjustment", description=f"manual adjustment {_money(amount, currency)}: {adj.reason}" + (f" (approved by {adj.approver})" if adj.approver else ""), value=amount))
    steps.append(PayoutStep(step="total", description=f"payout {_money(total, currency)}", value=total))
    return PayoutResult(
        currency=currency,
        target_incentive=target_incentive,
        factor=factor,
        incentive=incentive,
        commissions=commissions,
        adjustments=adjustments,
        capped=capped,
        zeroed_by_gate=zeroed,
        total=total,
        steps=steps,
    )
