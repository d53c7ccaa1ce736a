"""Read a set-based run back: rows of role queries to the Python path's result objects.

`run_setwise` walks people and periods in the Python path's order (period, then roster
id), counts inactive and unmatched people, and takes each person's result from its role
query's rows, or from the Python path for people the query marked and roles it could not
compile. Traces stay lazy: the aggregates, score rule and payout steps of a person are
worked out by the Python path's own functions when someone reads them.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import duckdb

from kpirules.engine.exact_sql import Unsupported
from kpirules.engine.numbers import quantize6
from kpirules.engine.results import KpiResult, PayoutResult, PersonResult, RunResult
from kpirules.engine.setwise import COMPUTED, CONST, NONE, STATUS, RoleQuery
from kpirules.engine.setwise_run import Decimals, SetwiseRun
from kpirules.errors import DataError


class Lazy:
    """What the Python path needs for the few people it evaluates, fetched on first use."""

    def __init__(self, ev, targets):
        self.ev, self._targets = ev, targets
        self._people = None

    def person(self, person_id: str):
        if self._people is None:
            self._people = {p.id: p for p in self.ev._people()}
        return self._people[person_id]

    def targets(self):
        return self._targets


def run_setwise(ev, plan, runtimes, periods, aggregates, targets, adjustments, *, persons, period_reason) -> RunResult:
    from kpirules.engine.evaluate import _person_lookup, _rule, _steps_of, _traces

    run = SetwiseRun(ev, plan, runtimes, periods, aggregates)
    lazy = Lazy(ev, targets)
    role_ids = list(ev.scheme.roles)
    queries: dict[str, RoleQuery | None] = {}
    for role_id, rt in runtimes.items():
        if rt is None:
            continue
        try:
            queries[role_id] = RoleQuery(run, rt, periods)
        except Unsupported:
            queries[role_id] = None
    rows = {}
    try:
        match = run.con.sql(run.match_sql()).to_arrow_table().to_pydict()
        run.people_info(match)
        # the role queries are long chains of projections that the optimizer cannot improve,
        # and planning them is most of their cost: plan them as written
        optimizing = run.con.execute("SELECT current_setting('enable_optimizer')").fetchall()[0][0]
        run.con.execute("PRAGMA disable_optimizer").fetchall()
        try:
            for role_id, query in queries.items():
                if query is not None:
                    rows[role_id] = run.role_rows(role_ids.index(role_id), query)
        finally:
            if optimizing:
                run.con.execute("PRAGMA enable_optimizer").fetchall()
    finally:
        aggregates.unregister(run.con)
        run.drop()
    decimals = Decimals()
    converted = {r: RoleRows(decimals, queries[r], cols) for r, cols in rows.items()}
    cursor = {r: 0 for r in rows}
    results, unmatched, inactive = [], [], 0
    notes_cache: dict[tuple[str, int], list[str]] = {}
    ratio_cache: dict[tuple[int, int], Decimal] = {}
    m_cols = [match[f"__kp_m{i}"] for i in range(len(role_ids))]
    for j, person_id in enumerate(match["__kp_id"]):
        pidx, days = match["__kp_pidx"][j], match["__kp_days"][j]
        matched = [role_ids[i] for i, col in enumerate(m_cols) if col[j]]
        in_query = days > 0 and len(matched) == 1 and matched[0] in rows
        row = None
        if in_query:
            role_id = matched[0]
            row = cursor[role_id]
            cursor[role_id] += 1
        if persons is not None and person_id not in persons:
            continue
        if days == 0:
            inactive += 1
            continue
        if len(matched) > 1:
            raise Unsupported("people matching two roles: the Python path reports them")
        if not matched:
            unmatched.append(person_id)
            continue
        rt = runtimes[matched[0]]
        if rt is None:
            continue
        period = periods[pidx]
        key = (person_id, period.label)
        if row is None or rows[matched[0]]["__kp_py"][row] or key in adjustments:
            person = lazy.person(person_id)
            get = person.attributes(period.last_day)
            values, counts = aggregates.dicts()
            results.append(ev._evaluate_person(
                person, rt, period, get, _person_lookup(get), values.get(key, {}), counts.get(key, {}),
                lazy.targets(), adjustments.get(key, []), None,
            ))
            continue
        ev.scored_in_sql += 1
        results.append(_person(ev, run, lazy, rt, converted[matched[0]], row, period, pidx,
                               notes_cache, ratio_cache, aggregates, _rule, _steps_of, _traces))
    return RunResult(
        scheme=ev.scheme.header.id, periods=[p.label for p in periods], period_reason=period_reason,
        currency=ev.currency, people=results, unmatched_people=sorted(set(unmatched)), inactive_people=inactive,
    )


def _numbers(decimals: Decimals, coefs: list, negs: list, exp: int) -> list:
    """A column of Decimals from coefficients at one exponent (None stays None)."""
    make, cache = decimals.make, decimals.cache
    out = []
    for coef, neg in zip(coefs, negs):
        if coef is None:
            out.append(None)
        elif neg and coef == 0:
            out.append(make(coef, exp, True))
        else:
            d = cache.get((coef, exp))
            out.append(d if d is not None else make(coef, exp, False))
    return out


def _kinds(decimals: Decimals, field, kinds: list, coefs: list, negs: list) -> list:
    """A column of a kind-coded output: None, a computed Decimal, or one of the field's constants."""
    computed = _numbers(decimals, coefs, negs, field.exponent)
    consts = field.consts
    return [None if k == NONE else c if k == COMPUTED else consts[k - CONST] for k, c in zip(kinds, computed)]


class RoleRows:
    """A role query's rows with every decimal column converted once, column by column."""

    def __init__(self, decimals: Decimals, query: RoleQuery, cols: dict[str, list]):
        rt = query.rt
        self.cols = cols
        n = len(cols["__kp_id"])
        false = [False] * n
        self.kpis = []
        for ki, kr in enumerate(rt.kpis):
            k = f"__kp_k{ki}"
            self.kpis.append((
                [STATUS[x] for x in cols[f"{k}_s"]],
                _numbers(decimals, cols[f"{k}_v"], cols[f"{k}_vn"], -6),
                _numbers(decimals, cols[f"{k}_t"], false, -6),
                _numbers(decimals, cols[f"{k}_b"], false, -6),
                cols[f"{k}_tr"],
                _kinds(decimals, query.fields[f"{k}_a"], cols[f"{k}_a_k"], cols[f"{k}_a_c"], cols[f"{k}_a_n"]),
                _kinds(decimals, query.fields[f"{k}_sc"], cols[f"{k}_sc_k"], cols[f"{k}_sc_c"], cols[f"{k}_sc_n"]),
                _numbers(decimals, cols[f"{k}_c"], cols[f"{k}_cn"], -6),
                cols[f"{k}_fl"], cols[f"{k}_cp"],
            ))
        self.total = _numbers(decimals, cols["__kp_total"], [x < 0 for x in cols["__kp_total"]], -6)
        self.payout = None
        if query.payout is not None:
            f, exp = query.fields, query.payout["exponent"]
            self.payout = (
                _kinds(decimals, f["__kp_ti"], cols["__kp_ti_k"], cols["__kp_ti_c"], cols["__kp_ti_n"]),
                _kinds(decimals, f["__kp_f"], cols["__kp_f_k"], cols["__kp_f_c"], cols["__kp_f_n"]),
                _numbers(decimals, cols["__kp_inc"], cols["__kp_inc_n"], exp),
                [(rt.payout.payout.commissions[ci].kpi, cols[f"__kp_cm{ci}_in"],
                  _numbers(decimals, cols[f"__kp_cm{ci}"], cols[f"__kp_cm{ci}_n"], exp)) for ci in query.payout["commissions"]],
                cols["__kp_capped"], cols["__kp_zeroed"],
                _numbers(decimals, cols["__kp_pay"], [x < 0 for x in cols["__kp_pay"]], exp),
            )


def _person(ev, run, lazy, rt, rr: RoleRows, j, period, pidx, notes_cache, ratio_cache,
            aggregates, _rule, _steps_of, _traces) -> PersonResult:
    cols = rr.cols
    person_id = cols["__kp_id"][j]
    info = run.person_info(person_id)
    days, pdays = cols["__kp_days"][j], cols["__kp_pdays"][j]
    kpi_results = {}
    key = (person_id, period.label)
    for kr, (statuses, values, targets, befores, rules, atts, scores, contributions, floors, caps) in zip(rt.kpis, rr.kpis):
        kpi = kr.kpi
        unit = kr.unit or run.calendar.unit
        kpi_period = period if unit == period.unit else run.calendar.period(unit, period.start)
        status, value, target, att = statuses[j], values[j], targets[j], atts[j]
        tr = rules[j]
        rule = kr.targets[tr][0] if tr >= 0 else None
        source = "none" if rule is None else "per_person" if rule.per_person else "when" if rule.when is not None else "constant"
        main = kpi.rank == "main"
        kpi_results[kpi.id] = KpiResult(
            kpi.id, kpi.label, kpi.kind, kpi.rank, status, kpi_period.label, value, kpi.value_type,
            kpi.direction, target, source, rule.span if rule else None, befores[j], att,
            scores[j] if status != "in_progress" else None, floors[j], caps[j],
            kpi.weight if main else None, contributions[j], kpi.span,
            _TraceOf(_traces, kr, aggregates, key, kpi_period, period),
            _RuleOf(_rule, kr, status, value, att, target, unit, kpi_period),
        )
    total = rr.total[j]
    grade_index = cols["__kp_grade"][j]
    grade = rt.role.grades.bands[grade_index].grade if grade_index >= 0 else None
    payout = None
    if rr.payout is not None:
        tis, factors, incentives, commission_cols, capped, zeroed, pays = rr.payout
        commissions = {kpi_id: amounts[j] for kpi_id, present, amounts in commission_cols if present[j]}
        payout = PayoutResult(ev.currency, tis[j], factors[j], incentives[j], commissions, [], capped[j], zeroed[j], pays[j],
                              _StepsOf(_steps_of, rt.payout, lazy, person_id, period, kpi_results, total,
                                       Fraction(days, pdays), ev.currency))
    notes = notes_cache.get((rt.role.id, pidx))
    if notes is None:
        notes = notes_cache[(rt.role.id, pidx)] = _notes(run, rt, pidx)
    ratio = ratio_cache.get((days, pdays))
    if ratio is None:
        ratio = ratio_cache[(days, pdays)] = quantize6(Decimal(days) / Decimal(pdays))
    role = rt.role
    return PersonResult(
        person_id, info[0], role.id, role.label, info[1], info[2], period.label, days, pdays,
        ratio, list(kpi_results.values()), total, grade, payout, list(notes),
    )


def _notes(run, rt, pidx) -> list[str]:
    for p, scale in run.weight_scaling(rt):
        if p == pidx and scale is not None:
            wa, ws = scale
            return ["KPIs whose period has not closed are not scored in this run; the weights of the "
                    f"others are scaled by {wa * 100:f}% / {ws * 100:f}%"]
    return []


class _TraceOf:
    """A KPI's aggregate traces, worked out when read (the Python path's `_traces`)."""

    __slots__ = ("f", "kr", "aggregates", "key", "kpi_period", "period")

    def __init__(self, f, kr, aggregates, key, kpi_period, period):
        self.f, self.kr, self.aggregates, self.key = f, kr, aggregates, key
        self.kpi_period, self.period = kpi_period, period

    def __call__(self):
        values, counts = self.aggregates.dicts()
        person_values, person_counts = values.get(self.key, {}), counts.get(self.key, {})
        aggs = {}
        for index, _, additive in self.kr.aggregates:
            raw = person_values.get(index)
            aggs[index] = Decimal(0) if raw is None and additive else raw
        return self.f(self.kr, aggs, person_counts, self.kpi_period, self.period)


class _RuleOf:
    __slots__ = ("args", "f")

    def __init__(self, f, *args):
        self.f, self.args = f, args

    def __call__(self):
        return self.f(*self.args)


class _StepsOf:
    """A payout's steps in words, from the Python path's payout rules with tracing on."""

    __slots__ = ("f", "plan", "lazy", "person_id", "period", "kpis", "total", "proration", "currency")

    def __init__(self, f, plan, lazy, person_id, period, kpis, total, proration, currency):
        self.f, self.plan, self.lazy, self.person_id, self.period = f, plan, lazy, person_id, period
        self.kpis, self.total, self.proration, self.currency = kpis, total, proration, currency

    def __call__(self):
        get = self.lazy.person(self.person_id).attributes(self.period.last_day)
        arguments = dict(person=get, kpis=self.kpis, total_score=self.total, proration=self.proration,
                         currency=self.currency, adjustments=[])
        return self.f(self.plan, arguments)()
