"""Where each setting was written, so a change can point at its line.

The resolved scheme keeps the span of each KPI, target, tier, gate and commission, but
not of one-value settings such as `weight 30%` or `cap factor 1.8`. Those are found in
the parsed files: the statement in the role's own block, else in the role it extends
(an inherited setting was written there), else the enclosing block.
"""

from __future__ import annotations

from kpirules.lang import ast
from kpirules.lang.ast import Span
from kpirules.model.scheme import Scheme

#: the key a KPI statement is found under, for statements that are not `key value` settings
_KPI_STATEMENTS = {ast.Kind: "kind", ast.Serves: "serves", ast.Score: "score", ast.NoData: "no_data"}


class Positions:
    """The spans of the settings of one scheme, by (role, KPI, key), (role, key) and header key."""

    def __init__(self, files: list[ast.File], scheme: Scheme):
        self.scheme = scheme
        self._header: dict[str, Span] = {}
        self._role: dict[tuple[str, str], Span] = {}
        self._payout: dict[tuple[str, str], Span] = {}
        #: the roles that write a payout block (it replaces the one of a role they extend)
        self._payout_blocks: set[str] = set()
        self._kpi: dict[tuple[str, str, str], Span] = {}
        for file in files:
            for item in file.items:
                if isinstance(item, ast.SchemeDecl):
                    self._index_header(item)
                elif isinstance(item, ast.RoleDecl):
                    self._index_role(item)

    def _index_header(self, decl: ast.SchemeDecl) -> None:
        for stmt in decl.body:
            key = stmt.key if isinstance(stmt, ast.Setting) else stmt.node
            self._header.setdefault(key, stmt.span)

    def _index_role(self, decl: ast.RoleDecl) -> None:
        role = decl.id.name
        for stmt in decl.body:
            if isinstance(stmt, ast.Setting):
                self._role.setdefault((role, stmt.key), stmt.span)
            elif isinstance(stmt, ast.GradesUse):
                self._role.setdefault((role, "grades"), stmt.span)
            elif isinstance(stmt, ast.NoData):
                self._role.setdefault((role, "no_data"), stmt.span)
            elif isinstance(stmt, ast.PayoutDecl):
                self._payout_blocks.add(role)
                for inner in stmt.body:
                    key = inner.key if isinstance(inner, ast.Setting) else inner.node
                    self._payout.setdefault((role, key), inner.span)
            elif isinstance(stmt, ast.KpiDecl):
                for inner in stmt.body:
                    if isinstance(inner, ast.Setting):
                        key = inner.key
                    elif isinstance(inner, ast.Target):
                        key = "target"
                    else:
                        key = _KPI_STATEMENTS[type(inner)]
                    self._kpi.setdefault((role, stmt.id.name, key), inner.span)

    def _lineage(self, role: str):
        """The role, then the role it extends, and so on."""
        seen = set()
        while role is not None and role not in seen and role in self.scheme.roles:
            seen.add(role)
            yield role
            role = self.scheme.roles[role].extends

    def header(self, key: str) -> Span:
        return self._header.get(key, self.scheme.header.span)

    def role(self, role: str, key: str) -> Span | None:
        found = next((self._role[(r, key)] for r in self._lineage(role) if (r, key) in self._role), None)
        return found or self._role_span(role)

    def payout(self, role: str, key: str) -> Span | None:
        found = self.payout_written(role, key)
        if found:
            return found
        payout = self.scheme.roles[role].payout if role in self.scheme.roles else None
        return payout.span if payout else self._role_span(role)

    def payout_written(self, role: str, key: str) -> Span | None:
        """Where the payout block the role uses writes `key`; None when it does not (a
        payout `rounding` left out is the scheme's)."""
        owner = next((r for r in self._lineage(role) if r in self._payout_blocks), None)
        return self._payout.get((owner, key))

    def kpi(self, role: str, kpi: str, key: str) -> Span | None:
        found = next((self._kpi[(r, kpi, key)] for r in self._lineage(role) if (r, kpi, key) in self._kpi), None)
        if found:
            return found
        model = self.scheme.roles[role].kpi(kpi) if role in self.scheme.roles else None
        return model.span if model else self._role_span(role)

    def _role_span(self, role: str) -> Span | None:
        return self.scheme.roles[role].span if role in self.scheme.roles else None
