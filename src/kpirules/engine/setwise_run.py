"""A run scored set-based: the per-person table, one query per role, results read back.

`SetwiseRun` builds the table every role query starts from (roster x run periods, with
active days, the aggregates and the per-person targets joined), matches people to roles
in SQL, scores each role with `kpirules.engine.setwise.RoleQuery`, and turns the rows into
the same result objects the Python path makes, in the same order. The table lives in an
in-memory database attached for the run, so that the role queries can run side by side on
cursors of their own (one after another inside the caller's open transaction, which other
cursors cannot see into, or with one DuckDB thread). People the query marks,
people with manual adjustments and roles it cannot compile go through the Python path
(`Evaluator._evaluate_person`), which stays the reference and writes every trace.
"""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from decimal import Decimal

import duckdb

from kpirules.engine.aggregates import INTEGER_TYPES, arrow, scale_of
from kpirules.engine.exact_sql import MICRO, Num, Unsupported
from kpirules.engine.setwise import RoleQuery
from kpirules.engine.setwise_expr import ExprSQL, Typed
from kpirules.engine.sql import literal, quote

_tables = itertools.count()
ID_TYPES = INTEGER_TYPES | {"VARCHAR"}


class Decimals:
    """Decimals from (coefficient, exponent, negative) with the objects shared."""

    def __init__(self):
        self.cache: dict[tuple[int, int], Decimal] = {}

    def make(self, coef: int, exp: int, neg: bool) -> Decimal:
        if coef == 0 and neg:
            return Decimal(0).scaleb(exp).copy_negate()
        key = (coef, exp)
        d = self.cache.get(key)
        if d is None:
            d = self.cache[key] = Decimal(coef).scaleb(exp)
        return d


class Columns:
    """A role query's rows: each column becomes a Python list when first read.

    A run reads a few columns of everyone (ids, totals, grades) and the rest only for the
    people whose KPIs or payout someone reads; lists made up front also cost the garbage
    collector a walk over every value once the run is over.
    """

    def __init__(self, table):
        self._table = table
        self._lists: dict[str, list] = {}

    def __getitem__(self, name: str) -> list:
        found = self._lists.get(name)
        if found is None:
            found = self._lists[name] = self._table.column(name).to_pylist()
        return found


class SetwiseRun:
    """The context a role query compiles against, and the run that reads its rows back."""

    def __init__(self, ev, plan, runtimes, periods, aggregates):
        self.ev, self.plan, self.runtimes, self.periods = ev, plan, runtimes, periods
        self.con, self.calendar, self.scheme = ev.con, ev.calendar, ev.scheme
        self.roster = ev.roster
        self.aggregates = aggregates
        self._scratch = f"__kpirules_run_{next(_tables)}"  # the database attached for the run
        self._base = f"{self._scratch}.base"
        self._select = ""  # the SELECT that fills the per-person table
        self._empty: bool | None = None  # None: the table is not made (or dropped)
        self.units = sorted({kr.unit or self.calendar.unit for rt in runtimes.values() if rt for kr in rt.kpis}
                            | {self.calendar.unit})
        self.roster_types = self._types(self.roster.id)
        b = self.roster.bindings
        if self.roster_types.get(b["id"], "").upper() not in ID_TYPES:
            raise Unsupported("a roster id that is not text or an integer")
        for query, _ in aggregates.queries:
            ds = self.scheme.datasets[query.dataset]
            if not query.team and ds.columns[ds.person_column].type not in ("string", "integer"):
                # the aggregates are keyed by the person as text, which must read as the roster id does
                raise Unsupported("a person column that is neither text nor an integer")
        self.target_joins: dict[tuple[str, str], str] = {}
        self.target_reads: dict[tuple[str, str], set[str]] = {}  # (dataset, unit) -> the columns read
        self.target_types: dict[str, dict[str, str]] = {}

    def _types(self, table: str) -> dict[str, str]:
        rows = self.con.execute(f"DESCRIBE SELECT * FROM {quote(table)}").fetchall()
        return {r[0]: r[1] for r in rows}

    # ------------------------------------------------------------- what role queries ask

    def aggregate_scale(self, index: int) -> tuple[int, bool]:
        agg = self.plan.aggregates[index]
        additive = agg.function in ("count", "count_distinct", "sum")
        if not additive:
            raise Unsupported("min, max and median aggregates")
        scale = self.aggregates.scale(index)
        if scale is None:
            raise Unsupported("an aggregate that is not an exact number")
        return scale, additive

    def _scaled_aggregate(self, index: int, col: str) -> str:
        """An aggregate as the integer count of its smallest unit (no rows: 0 for counts and sums)."""
        agg = self.plan.aggregates[index]
        scale = self.aggregates.scale(index)
        if scale is None or agg.function not in ("count", "count_distinct", "sum"):
            return col
        return Num.column(f"COALESCE({col}, 0)", scale).n

    def target_column(self, dataset: str, unit: str | None, column: str) -> str:
        ds = self.scheme.datasets[dataset]
        if ds.columns[ds.bindings["period"]].type in ("date", "timestamp"):
            raise Unsupported("dated per-person targets")
        unit = unit or self.calendar.unit
        alias = self.target_joins.setdefault((dataset, unit), f"__kp_tj{len(self.target_joins)}")
        self.target_reads.setdefault((dataset, unit), set()).add(column)
        return f"__kp_{alias}_{column}"

    def column_scale(self, dataset: str, column: str) -> int:
        types = self.target_types.setdefault(dataset, self._types(dataset))
        scale = scale_of(types.get(column, ""))
        if scale is None:
            raise Unsupported("a per-person target column that is not an exact number")
        return scale

    def kpi_days(self, unit: str) -> str:
        return f"__kp_{unit}_active"

    def closes_column(self, unit: str) -> str:
        return f"__kp_{unit}_closes"

    def kpi_index(self, rt, kpi_id: str) -> int | None:
        for i, kr in enumerate(rt.kpis):
            if kr.kpi.id == kpi_id:
                return i
        return None

    def weight_scaling(self, rt):
        out = []
        for pidx, period in enumerate(self.periods):
            wa = ws = Decimal(0)
            for kr in rt.kpis:
                if kr.kpi.rank != "main":
                    continue
                w = kr.kpi.weight or Decimal(0)
                wa += w
                if self.closes(kr.unit, period):
                    ws += w
            out.append((pidx, (wa, ws) if ws and ws != wa else None))
        return out

    def closes(self, unit: str | None, period) -> bool:
        unit = unit or self.calendar.unit
        kpi_period = period if unit == period.unit else self.calendar.period(unit, period.start)
        return kpi_period.end == period.end

    def person_number(self, name: str) -> tuple[Num, int]:
        t = self.roster_types.get(name)
        scale = scale_of(t or "")
        if scale is None:
            raise Unsupported("a person attribute that is not an exact number")
        return Num.column(quote(name), scale), scale

    def person_resolver(self):
        def resolve(parts: tuple[str, ...]) -> Typed:
            if parts[0] != "person" or len(parts) != 2:
                raise Unsupported(f"{'.'.join(parts)} in a person condition")
            return self.person_attribute(parts[1])
        return resolve

    def person_attribute(self, name: str) -> Typed:
        b = self.roster.bindings
        if name in self.roster_types:
            t = self.roster_types[name].upper()
            col = quote(name)
            if t == "VARCHAR":
                return Typed("str", col)
            if t == "BOOLEAN":
                return Typed("bool", col)
            if t == "DATE":
                return Typed("date", col)
            scale = scale_of(t)
            if scale is None:
                raise Unsupported(f"person.{name} of type {t}")
            return Typed("num", Num.column(col, scale))
        if name in ("tenure_months", "tenure_days") and "hire_date" in b:
            hired, e = f"CAST({quote(b['hire_date'])} AS DATE)", "__kp_plast"
            if name == "tenure_days":
                months = f"date_diff('day', {hired}, {e})"
            else:
                months = (f"((year({e}) - year({hired})) * 12 + month({e}) - month({hired}) - CASE WHEN "
                          f"day({e}) < day({hired}) AND day({e} + 1) <> 1 THEN 1 ELSE 0 END)")
            return Typed("num", Num(f"CAST(CASE WHEN {hired} IS NULL THEN NULL ELSE {months} END AS HUGEINT)"))
        raise Unsupported(f"person.{name}")

    def payout_resolver(self, rt, query: RoleQuery):
        person = self.person_resolver()

        def resolve(parts: tuple[str, ...]) -> Typed:
            if parts[0] == "person":
                return person(parts)
            if parts == ("total_score",):
                return Typed("num", Num.micro("__kp_total"))
            if len(parts) != 2:
                raise Unsupported(".".join(parts))
            ki = self.kpi_index(rt, parts[0])
            if ki is None:
                return Typed("num", Num("CAST(NULL AS HUGEINT)"))
            k, fieldname = f"__kp_k{ki}", parts[1]
            if fieldname == "value":
                return Typed("num", Num(f"{k}_v", MICRO, f"{k}_vn"))
            if fieldname == "target":
                return Typed("num", Num.micro(f"{k}_t"))
            if fieldname == "attainment":
                return Typed("num", Num(f"{k}_ax", MICRO, f"{k}_a_n"))
            if fieldname == "contribution":
                return Typed("num", Num(f"{k}_c", MICRO, f"{k}_cn"))
            raise Unsupported(f"the KPI field {fieldname} in a payout rule")
        return resolve

    # ------------------------------------------------------------- SQL

    def base_sql(self) -> str:
        b = self.roster.bindings
        cols = ["__kp_pidx", "__kp_plabel", "__kp_pstart", "__kp_plast", "__kp_pdays"]
        for u in self.units:
            cols += [f"__kp_{u}_label", f"__kp_{u}_start", f"__kp_{u}_last", f"__kp_{u}_days", f"__kp_{u}_closes"]
        rows = []
        for i, p in enumerate(self.periods):
            values = [str(i), literal(p.label), literal(p.start), literal(p.last_day), str(p.days)]
            for u in self.units:
                kp = p if u == p.unit else self.calendar.period(u, p.start)
                values += [literal(kp.label), literal(kp.start), literal(kp.last_day), str(kp.days),
                           "TRUE" if kp.end == p.end else "FALSE"]
            rows.append("(" + ", ".join(values) + ")")
        hired = f"CAST(r.{quote(b['hire_date'])} AS DATE)" if "hire_date" in b else None
        left = f"CAST(r.{quote(b['leave_date'])} AS DATE)" if "leave_date" in b else None

        def active(start: str, last: str) -> str:
            s = f"(CASE WHEN {hired} IS NOT NULL THEN greatest({start}, {hired}) ELSE {start} END)" if hired else start
            e = f"(CASE WHEN {left} IS NOT NULL THEN least({last}, {left}) ELSE {last} END)" if left else last
            return f"greatest(date_diff('day', {s}, {e}) + 1, 0)"

        pid = f"CAST(r.{quote(b['id'])} AS VARCHAR)"
        selects = ["r.*", "pr.*", f"{active('pr.__kp_pstart', 'pr.__kp_plast')} AS __kp_days", f"{pid} AS __kp_id"]
        for u in self.units:
            selects.append(f"{active(f'pr.__kp_{u}_start', f'pr.__kp_{u}_last')} AS __kp_{u}_active")
        joins = []
        combined = self.aggregates.name
        if combined is not None:
            joins.append(f"LEFT JOIN {combined} __kp_a ON __kp_a.person = {pid} AND __kp_a.period = pr.__kp_plabel")
            for index in range(len(self.plan.aggregates)):
                selects.append(f"{self._scaled_aggregate(index, f'__kp_a.v{index}')} AS __kp_v{index}")
        for (dataset, unit), alias in self.target_joins.items():
            # one row per person and label: rows that leave a column empty do not count there, and
            # two rows giving one column a value were refused (E510) before the run
            ds = self.scheme.datasets[dataset]
            person, period = ds.bindings["person"], ds.bindings["period"]
            columns = [c for c in ds.columns if c in self.target_reads[(dataset, unit)]]
            merged = ", ".join(f"max({quote(c)}) AS {quote(c)}" for c in columns)
            joins.append(f"LEFT JOIN (SELECT CAST({quote(person)} AS VARCHAR) AS __kp_person, CAST({quote(period)} AS "
                         f"VARCHAR) AS __kp_label, {merged} FROM {quote(dataset)} GROUP BY ALL) {alias} "
                         f"ON {alias}.__kp_person = {pid} AND {alias}.__kp_label = pr.__kp_{unit}_label")
            for column in columns:
                selects.append(f"{alias}.{quote(column)} AS __kp_{alias}_{column}")
        return (f"WITH pr({', '.join(cols)}) AS (VALUES {', '.join(rows)})\n"
                f"SELECT {', '.join(selects)}\nFROM {quote(self.roster.id)} r CROSS JOIN pr\n" + "\n".join(joins))

    # ------------------------------------------------------------- run

    def role_index_sql(self) -> str:
        """Per person and period, the index of the one role (in the scheme's order) whose
        condition they match: -1 for none, -2 for several."""
        b = self.roster.bindings
        conditions = []
        for role_id, role in self.scheme.roles.items():
            if role.applies_to is not None:
                conditions.append(ExprSQL(self.person_resolver()).condition(role.applies_to))
            elif "role" in b:
                conditions.append(f"COALESCE(CAST({quote(b['role'])} AS VARCHAR) = {literal(role_id)}, FALSE)")
            else:
                conditions.append("FALSE")
        matches = " + ".join(f"(CASE WHEN {c} THEN 1 ELSE 0 END)" for c in conditions) or "0"
        first = " ".join(f"WHEN {c} THEN {i}" for i, c in enumerate(conditions))
        return f"(CASE WHEN {matches} > 1 THEN -2 {first} ELSE -1 END)"

    def match_sql(self) -> str:
        """Per person and period, in the Python path's order: active days and the role matched."""
        return (f"SELECT __kp_pidx, __kp_id, __kp_days, __kp_role\nFROM {self.base_table()}\n"
                f"ORDER BY __kp_pidx, {quote(self.roster.bindings['id'])}")

    def base_table(self, filled: bool = True, columns: set[str] | None = None) -> str:
        """The per-person table, made once per run (after the role queries named their joins),
        with the role each person matches (`__kp_role`) and, given `columns` (names as the
        role queries write them), only those of its columns besides the ones the match query
        reads; empty, with its columns, when the caller fills it (`fill`) while the role
        queries are planned.

        It lives in an in-memory database attached for the run, which every cursor of the
        connection sees (a temporary table is seen by its own connection only), so the role
        queries can run side by side; attaching works on a read-only database too.
        """
        if self._empty is None:
            self.con.execute(f"ATTACH ':memory:' AS {self._scratch} (READ_WRITE)").fetchall()
            kept = "*"
            if columns is not None:
                matched = ["__kp_pidx", "__kp_id", "__kp_days", quote(self.roster.bindings["id"])]
                kept = ", ".join(dict.fromkeys(matched + sorted(columns - {"__kp_role"})))
            self._select = f"SELECT {kept}, {self.role_index_sql()} AS __kp_role FROM (\n{self.base_sql()}\n)"
            self.con.execute(f"CREATE TABLE {self._base} AS {self._select}{'' if filled else ' LIMIT 0'}").fetchall()
            self._empty = not filled
        return self._base

    def fill(self) -> None:
        """Fill the table `base_table(filled=False)` made."""
        if self._empty:
            self.con.execute(f"INSERT INTO {self._base} {self._select}").fetchall()
            self._empty = False

    def drop(self) -> None:
        if self._empty is not None:
            self.con.execute(f"DETACH {self._scratch}").fetchall()
            self._empty = None

    def results(self, queries: dict[int, RoleQuery]):
        """(None, the match query's columns), then (role index, its role query's `Columns`) in
        the order they finish; as many role queries at a time as DuckDB has threads.

        Planning a role query is most of its cost and runs on one core; DuckDB plans queries of
        separate cursors side by side, and the caller reads each role's rows while the others
        run. They are planned while the per-person table fills (one core's work) and run once
        it is full. The queries are long chains of projections that the optimizer cannot
        improve: they are planned as written.
        """
        sqls = {i: self.role_sql(self._base, i, q) for i, q in queries.items()}
        base = self.base_table(filled=False, columns=set().union(*(q.L.reads for q in queries.values())))
        match = self.match_sql()
        # the longest queries first (their SQL's length stands for their cost), so that
        # the last to finish is a short one
        order = sorted(queries, key=lambda i: -len(sqls[i]))
        threads = int(self.con.execute("SELECT current_setting('threads')").fetchall()[0][0])
        if threads < 2 or not self._seen_by_cursors(base):
            self.fill()
            self.aggregates.release()
            yield from self._one_by_one(match, sqls, order)
            return
        filled = threading.Event()
        failed: list[bool] = []

        def rows(index):
            cursor = self.con.cursor()
            try:
                cursor.execute("SET enable_progress_bar = false")
                # planned while the table fills (which keeps one core busy), run once it is full
                cursor.execute("PRAGMA disable_optimizer")
                cursor.execute(f"PREPARE __kp_role AS {sqls[index]}")
                filled.wait()
                if failed:
                    return index, None
                return index, Columns(arrow(cursor, "EXECUTE __kp_role"))
            finally:
                cursor.close()

        with ThreadPoolExecutor(max_workers=max(1, min(threads, len(queries)))) as pool:
            futures = [pool.submit(rows, i) for i in order]
            try:
                self.fill()
            except BaseException:
                failed.append(True)
                raise
            finally:
                filled.set()
            # while the role queries run: the aggregates, for traces, and who matches which role
            self.aggregates.release()
            yield None, arrow(self.con, match).to_pydict()
            for done in as_completed(futures):
                yield done.result()

    def _seen_by_cursors(self, table: str) -> bool:
        """Whether other cursors see the table: not while the caller's transaction is open
        (the table is then part of it)."""
        cursor = self.con.cursor()
        try:
            cursor.execute(f"SELECT 1 FROM {table} LIMIT 0").fetchall()
            return True
        except duckdb.CatalogException:
            return False
        finally:
            cursor.close()

    def _one_by_one(self, match: str, sqls: dict[int, str], order: list[int]):
        """`results` on the caller's connection, one query after another."""
        yield None, arrow(self.con, match).to_pydict()
        optimizing = self.con.execute("SELECT current_setting('enable_optimizer')").fetchall()[0][0]
        self.con.execute("PRAGMA disable_optimizer").fetchall()
        try:
            for index in order:
                yield index, Columns(arrow(self.con, sqls[index]))
        finally:
            if optimizing:
                self.con.execute("PRAGMA enable_optimizer").fetchall()

    def role_sql(self, base_table: str, role_index: int, query: RoleQuery) -> str:
        """The role query: its columns, in no particular order (the caller finds people by key)."""
        b = self.roster.bindings
        about = [quote(b[k]) for k in ("name", "team", "manager") if k in b]
        wanted = ["__kp_pidx", "__kp_id", "__kp_days", "__kp_pdays", "__kp_py", "__kp_total", "__kp_grade"]
        for ki in range(len(query.rt.kpis)):
            k = f"__kp_k{ki}"
            wanted += [f"{k}_{c}" for c in ("v", "vn", "t", "tr", "b", "a_k", "a_c", "a_n", "s",
                                            "sc_k", "sc_c", "sc_n", "fl", "cp", "c", "cn")]
        if query.payout is not None:
            wanted += ["__kp_ti_k", "__kp_ti_c", "__kp_ti_n", "__kp_f_k", "__kp_f_c", "__kp_f_n",
                       "__kp_inc", "__kp_inc_n", "__kp_capped", "__kp_zeroed", "__kp_pay"]
            for ci in query.payout["commissions"]:
                wanted += [f"__kp_cm{ci}", f"__kp_cm{ci}_n", f"__kp_cm{ci}_in"]
        # 128-bit numbers come back as 64-bit integers (DuckDB raises if one does not fit)
        wide = ("_v", "_t", "_b", "_a_c", "_sc_c", "_c", "_total", "_ti_c", "_f_c", "_inc", "_pay")
        picks = ", ".join(f"CAST({c} AS BIGINT) AS {c}" if c.endswith(wide) or c[-1].isdigit() and "_cm" in c else c
                          for c in wanted)
        # the roster's name, team and manager, as the Python path reads them
        picks += ", " + ", ".join(f"{quote(b[k])} AS __kp_{k}" if k in b else f"NULL AS __kp_{k}"
                                  for k in ("name", "team", "manager"))
        where = f"__kp_role = {role_index} AND __kp_days > 0"
        return f"SELECT {picks}\nFROM ({query.L.sql(base_table, where, wanted + about)})"
