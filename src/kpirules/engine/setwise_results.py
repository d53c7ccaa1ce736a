"""Read a set-based run back: rows of role queries to the Python path's result objects.

`run_setwise` walks people and periods in the Python path's order (period, then roster
id), counts inactive and unmatched people, and takes each person's result from its role
query's rows, or from the Python path for people the query marked and roles it could not
compile. Traces stay lazy: the aggregates, score rule and payout steps of a person are
worked out by the Python path's own functions when someone reads them.
"""

from __future__ import annotations

import dataclasses
from functools import partial
from decimal import Decimal

from kpirules.engine.exact_sql import Unsupported
from kpirules.engine.ir import worked
from kpirules.engine.numbers import CONTEXT, quantize6
from kpirules.engine.results import NO_WEIGHT_CLOSES, NOTHING_CLOSES, KpiResult, PayoutResult, PersonResult, RunResult, TargetProration
from kpirules.engine.scoring import pct
from kpirules.engine.setwise import COMPUTED, CONST, NONE, STATUS, RoleQuery
from kpirules.engine.setwise_run import Columns, Decimals, SetwiseRun


class Lazy:
    """What the Python path needs for the few people it evaluates, fetched on first use."""

    def __init__(self, ev, targets):
        self.ev, self._targets = ev, targets
        self._people = None

    def person(self, person_id: str):
        if self._people is None:
            self._people = {p.id: p for p in self.ev.people()}
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
    decimals = Decimals()
    ctx = {"calendar": run.calendar, "aggregates": aggregates, "traces": _traces, "rule": _rule, "steps": _steps_of,
           "lazy": lazy, "currency": ev.currency, "periods": {p.label: p for p in periods}}
    notes_cache: dict[tuple[str, int], list[str]] = {}
    ratio_cache: dict[tuple[int, int], Decimal] = {}
    made, match = {}, {}
    try:
        compiled = {role_ids.index(r): q for r, q in queries.items() if q is not None}
        # each role's people are made while the other queries run
        for index, cols in run.results(compiled):
            if index is None:
                match = cols
                continue
            role_id = role_ids[index]
            made[role_id] = _people(run, runtimes[role_id], RoleRows(decimals, queries[role_id], cols, ctx), periods,
                                    adjustments, notes_cache, ratio_cache)
    finally:
        run.drop()
    results, unmatched, inactive = [], [], 0
    for person_id, pidx, days, index in zip(match["__kp_id"], match["__kp_pidx"], match["__kp_days"], match["__kp_role"]):
        role_id = role_ids[index] if index >= 0 else None
        if persons is not None and person_id not in persons:
            continue
        if days == 0:
            inactive += 1
            continue
        if index == -2:
            raise Unsupported("people matching two roles: the Python path reports them")
        if role_id is None:
            unmatched.append(person_id)
            continue
        rt = runtimes[role_id]
        if rt is None:
            continue
        period = periods[pidx]
        key = (person_id, period.label)
        person_result = made[role_id].get((pidx, person_id)) if role_id in made else None
        if person_result is None:
            person = lazy.person(person_id)
            get = person.attributes(period.last_day)
            values, counts = aggregates.dicts()
            results.append(ev._evaluate_person(
                person, rt, period, get, _person_lookup(get), values.get(key, {}), counts.get(key, {}),
                lazy.targets(), adjustments.get(key, []), None,
            ))
            continue
        ev.scored_in_sql += 1
        results.append(person_result)
    return RunResult(
        scheme=ev.scheme.header.id, periods=[p.label for p in periods], period_reason=period_reason,
        # unmatched people in the people's order (ids that are numbers by value), as the Python path has them
        currency=ev.currency, people=results, unmatched_people=list(dict.fromkeys(unmatched)), inactive_people=inactive,
    )


def _numbers(decimals: Decimals, coefs: list, negs: list, exp: int) -> list:
    """A column of Decimals from coefficients at one exponent (None stays None)."""
    make, cache = decimals.make, decimals.cache.get
    out = [None if coef is None else cache((coef, exp)) for coef in coefs]
    for i, d in enumerate(out):
        if d is None and coefs[i] is not None or negs[i] and coefs[i] == 0:
            out[i] = make(coefs[i], exp, bool(negs[i]))
    return out


def _kinds(decimals: Decimals, field, kinds: list, coefs: list, negs: list) -> list:
    """A column of a kind-coded output: None, a computed Decimal, or one of the field's constants."""
    computed = _numbers(decimals, coefs, negs, field.exponent)
    consts = field.consts
    return [None if k == NONE else c if k == COMPUTED else consts[k - CONST] for k, c in zip(kinds, computed)]


class RoleRows:
    """A role query's rows; each decimal column is converted once, when first read."""

    def __init__(self, decimals: Decimals, query: RoleQuery, cols: Columns, ctx: dict):
        self.decimals, self.query, self.cols, self.ctx = decimals, query, cols, ctx
        self.rt = query.rt
        self._kpis = self._payout = None
        self._statics: dict[str, list[tuple]] = {}
        self.total = _numbers(decimals, cols["__kp_total"], [x < 0 for x in cols["__kp_total"]], -6)

    def kpi_columns(self) -> list[tuple]:
        if self._kpis is None:
            decimals, cols, query = self.decimals, self.cols, self.query
            false = [False] * len(cols["__kp_id"])
            self._kpis = []
            for ki, kr in enumerate(self.rt.kpis):
                k = f"__kp_k{ki}"
                self._kpis.append((
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
        return self._kpis

    def payout_columns(self) -> tuple:
        if self._payout is None:
            decimals, cols, query = self.decimals, self.cols, self.query
            f, exp = query.fields, query.payout["exponent"]
            self._payout = (
                _kinds(decimals, f["__kp_ti"], cols["__kp_ti_k"], cols["__kp_ti_c"], cols["__kp_ti_n"]),
                _kinds(decimals, f["__kp_f"], cols["__kp_f_k"], cols["__kp_f_c"], cols["__kp_f_n"]),
                _numbers(decimals, cols["__kp_inc"], cols["__kp_inc_n"], exp),
                [(self.rt.payout.payout.commissions[ci].kpi, cols[f"__kp_cm{ci}_in"],
                  _numbers(decimals, cols[f"__kp_cm{ci}"], cols[f"__kp_cm{ci}_n"], exp)) for ci in query.payout["commissions"]],
                cols["__kp_capped"], cols["__kp_zeroed"],
                _numbers(decimals, cols["__kp_pay"], [x < 0 for x in cols["__kp_pay"]], exp),
            )
        return self._payout

    def _static(self, period) -> list[tuple]:
        """Per KPI, what is the same for everyone in a period (computed once per period)."""
        found = self._statics.get(period.label)
        if found is None:
            calendar = self.ctx["calendar"]
            found = []
            for kr in self.rt.kpis:
                kpi = kr.kpi
                unit = kr.unit or calendar.unit
                kpi_period = period if unit == period.unit else calendar.period(unit, period.start)
                sources = [(rule, "per_person" if rule.per_person else "when" if rule.when is not None else "constant",
                            rule.span) for rule, _, _, _ in kr.targets]
                found.append((kr, kpi, unit, kpi_period, sources, kpi.weight if kpi.rank == "main" else None))
            self._statics[period.label] = found
        return found

    def details(self, j: int, period, total) -> tuple[list[KpiResult], PayoutResult | None]:
        """One person's KPI results and payout (the Python path's objects, traces lazy)."""
        ctx, rt, cols = self.ctx, self.rt, self.cols
        person_id = cols["__kp_id"][j]
        key = (person_id, period.label)
        traces, rule_of, aggregates = ctx["traces"], ctx["rule"], ctx["aggregates"]
        kpi_results = {}
        for (kr, kpi, unit, kpi_period, sources, weight), (statuses, values, targets, befores, rules, atts, scores,
                                                            contributions, floors, caps) in zip(self._static(period),
                                                                                                self.kpi_columns()):
            status, value, target, att = statuses[j], values[j], targets[j], atts[j]
            tr = rules[j]
            rule, source, span = sources[tr] if tr >= 0 else (None, "none", None)
            kpi_results[kpi.id] = KpiResult(
                kpi.id, kpi.label, kpi.kind, kpi.rank, status, kpi_period.label, value, kpi.value_type,
                kpi.direction, target, source, span, befores[j], att,
                scores[j] if status != "in_progress" else None, floors[j], caps[j],
                weight, contributions[j], kpi.span,
                partial(_trace_of, traces, kr, aggregates, key, kpi_period, period),
                partial(rule_of, kr, status, value, att, target, unit, kpi_period),
                _no_proration if befores[j] is None else partial(_proration_of, ctx["lazy"], person_id, kpi_period),
                partial(_worked_of, kr, aggregates, key),
                partial(_exact_of, kr, aggregates, key),
            )
        payout = None
        if self.query.payout is not None:
            tis, factors, incentives, commission_cols, capped, zeroed, pays = self.payout_columns()
            commissions = {}
            for kpi_id, present, amounts in commission_cols:
                if present[j]:  # several on one KPI: the sum of their rounded lines, as the Python path
                    commissions[kpi_id] = (CONTEXT.add(commissions[kpi_id], amounts[j]) if kpi_id in commissions
                                           else amounts[j])
            days, pdays = cols["__kp_days"][j], cols["__kp_pdays"][j]
            payout = PayoutResult(ctx["currency"], tis[j], factors[j], incentives[j], commissions, [], capped[j],
                                  zeroed[j], pays[j],
                                  _StepsOf(ctx["steps"], rt.payout, ctx["lazy"], person_id, period, kpi_results, total,
                                           (days, pdays), ctx["currency"]))
        return list(kpi_results.values()), payout


_KPIS, _PAYOUT = PersonResult.kpis, PersonResult.payout


class _SetwisePerson(PersonResult):
    """A person scored in SQL: the KPI and payout objects are made when first read.

    It is a PersonResult in every way that shows (fields, repr, equality, replace); only
    the making of its KPI and payout objects waits until someone reads them.
    """

    __slots__ = ("_rows", "_row")

    def _fill(self) -> None:
        kpis, payout = self._rows.details(self._row, self._period_obj(), self.total_score)
        _KPIS.__set__(self, kpis)
        _PAYOUT.__set__(self, payout)

    def _period_obj(self):
        return self._rows.ctx["periods"][self.period]

    @property
    def kpis(self) -> list[KpiResult]:
        try:
            return _KPIS.__get__(self, PersonResult)
        except AttributeError:
            self._fill()
            return _KPIS.__get__(self, PersonResult)

    @kpis.setter
    def kpis(self, value) -> None:
        _KPIS.__set__(self, value)

    @property
    def payout(self) -> PayoutResult | None:
        try:
            return _PAYOUT.__get__(self, PersonResult)
        except AttributeError:
            self._fill()
            return _PAYOUT.__get__(self, PersonResult)

    @payout.setter
    def payout(self, value) -> None:
        _PAYOUT.__set__(self, value)

    def __eq__(self, other):
        if not isinstance(other, PersonResult):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in dataclasses.fields(PersonResult))

    __hash__ = None


# shown as what it is to its readers: a PersonResult
_SetwisePerson.__name__ = _SetwisePerson.__qualname__ = "PersonResult"


def _people(run, rt, rr: RoleRows, periods, adjustments, notes_cache, ratio_cache) -> dict[tuple, PersonResult | None]:
    """A role's people scored in SQL by (period index, person id); None for those the Python
    path evaluates (marked by the query, or with manual adjustments)."""
    cols = rr.cols
    return {(pidx, person_id): None if python or (person_id, periods[pidx].label) in adjustments
            else _person(run, rt, rr, j, periods[pidx], pidx, notes_cache, ratio_cache)
            for j, (person_id, pidx, python) in enumerate(zip(cols["__kp_id"], cols["__kp_pidx"], cols["__kp_py"]))}


def _person(run, rt, rr: RoleRows, j, period, pidx, notes_cache, ratio_cache) -> PersonResult:
    cols = rr.cols
    person_id = cols["__kp_id"][j]
    name, team, manager = cols["__kp_name"][j], cols["__kp_team"][j], cols["__kp_manager"][j]
    manager = str(manager) if manager is not None else None
    days, pdays = cols["__kp_days"][j], cols["__kp_pdays"][j]
    grade_index = cols["__kp_grade"][j]
    notes = notes_cache.get((rt.role.id, pidx))
    if notes is None:
        notes = notes_cache[(rt.role.id, pidx)] = _notes(run, rt, pidx)
    ratio = ratio_cache.get((days, pdays)) if rt.proration else Decimal(1)  # as the Python path
    if ratio is None:
        ratio = ratio_cache[(days, pdays)] = quantize6(Decimal(days) / Decimal(pdays))
    role = rt.role
    p = _SetwisePerson.__new__(_SetwisePerson)
    p.person_id, p.name, p.role, p.role_label, p.team, p.manager = person_id, name, role.id, role.label, team, manager
    p.period, p.active_days, p.period_days, p.proration = period.label, days, pdays, ratio
    p.total_score = rr.total[j]
    p.grade = rt.role.grades.bands[grade_index].grade if grade_index >= 0 else None
    p.notes = list(notes)
    p._rows, p._row = rr, j
    return p


def _notes(run, rt, pidx) -> list[str]:
    """The Python path's notes on KPIs not scored in the period (`Evaluator._evaluate_person`)."""
    for p, scale in run.weight_scaling(rt):
        if p == pidx and scale is not None:
            wa, ws = scale
            return ["KPIs whose period has not closed are not scored in this run; the weights of the "
                    f"others are scaled by {pct(wa)} / {pct(ws)}"]
    period = run.periods[pidx]
    if any(kr.kpi.rank == "main" and kr.kpi.weight for kr in rt.kpis) and not any(
            kr.kpi.rank == "main" and kr.kpi.weight and run.closes(kr.unit, period) for kr in rt.kpis):
        closed = any(kr.kpi.rank == "main" and run.closes(kr.unit, period) for kr in rt.kpis)
        return [NO_WEIGHT_CLOSES if closed else NOTHING_CLOSES]
    return []


def _aggs_of(kr, aggregates, key) -> dict:
    """A KPI's aggregate results for one person and period (no rows: 0 for counts and sums)."""
    person_values = aggregates.dicts()[0].get(key, {})
    aggs = {}
    for index, _, additive in kr.aggregates:
        raw = person_values.get(index)
        aggs[index] = Decimal(0) if raw is None and additive else raw
    return aggs


def _trace_of(traces, kr, aggregates, key, kpi_period, period):
    """A KPI's aggregate traces, worked out when read (the Python path's `_traces`)."""
    return traces(kr, _aggs_of(kr, aggregates, key), aggregates.dicts()[1].get(key, {}), kpi_period, period)


def _exact_of(kr, aggregates, key):
    """The KPI's value before it was kept to 6 places, when read (`evaluate.exact_value`)."""
    from kpirules.engine.evaluate import exact_value

    return exact_value(kr, _aggs_of(kr, aggregates, key))


def _worked_of(kr, aggregates, key, missing: str):
    """The KPI's measure worked with this person's results, when read (`ir.worked`)."""
    return worked(kr.plan.value, _aggs_of(kr, aggregates, key), missing)


def _no_proration() -> None:
    return None


def _proration_of(lazy, person_id, kpi_period) -> TargetProration:
    """The days a prorated target was scaled by, counted when read (as the Python path counts them)."""
    return TargetProration(lazy.person(person_id).active_days(kpi_period), kpi_period.days)


class _StepsOf:
    """A payout's steps in words, from the Python path's payout rules with tracing on."""

    __slots__ = ("f", "plan", "lazy", "person_id", "period", "kpis", "total", "days", "currency", "steps")

    def __init__(self, f, plan, lazy, person_id, period, kpis, total, days, currency):
        self.f, self.plan, self.lazy, self.person_id, self.period = f, plan, lazy, person_id, period
        self.kpis, self.total, self.days, self.currency = kpis, total, days, currency
        self.steps = None

    def __call__(self):
        if self.steps is None:  # worked out when first read, then kept
            get = self.lazy.person(self.person_id).attributes(self.period.last_day)
            arguments = dict(person=get, kpis=self.kpis, total_score=self.total, days=self.days,
                             currency=self.currency, adjustments=[])
            self.steps = self.f(self.plan, arguments)()
        return self.steps
