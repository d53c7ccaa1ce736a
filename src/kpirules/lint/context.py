"""What a rule sees: the resolved scheme, the syntax trees it came from, and helpers.

The resolved model (`kpirules.model.scheme`) says what a scheme means; the syntax trees
say where each statement was written. Rules point their findings at the statement
concerned (a weight, a target, a gate), found here through the role's declaration and
the roles it extends.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kpirules.lang import ast
from kpirules.lang.ast import walk
from kpirules.model.scheme import Kpi, Role, Scheme


def refs(node: Any) -> list[str]:
    """The dotted names an expression reads: `person.tenure_months`, `calls.duration_s`."""
    return [n.dotted for n in walk(node) if isinstance(n, ast.Ref)]


@dataclass
class KpiStatement:
    """A statement of a KPI and the role whose declaration (kpi or override) holds it."""

    stmt: Any
    role: str


@dataclass
class LintContext:
    scheme: Scheme
    files: dict[str, ast.File]
    #: the files the user asked to lint; findings elsewhere are not reported
    linted: set[str]
    #: past periods' results for the history rules (`kpirules lint --history`), else None
    history: Any = None
    #: False when a .kpi file read did not parse or check: the scheme may lack its roles
    complete: bool = True
    _role_decls: dict[str, ast.RoleDecl] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for file in self.files.values():
            for item in file.items:
                if isinstance(item, ast.RoleDecl):
                    self._role_decls.setdefault(item.id.name, item)

    # ------------------------------------------------------------ roles

    def roles(self) -> list[Role]:
        """The roles declared in linted files, in declaration order."""
        return [r for r in self.scheme.roles.values() if r.span.path in self.linted]

    def role_decl(self, role: Role | str) -> ast.RoleDecl:
        return self._role_decls[role if isinstance(role, str) else role.id]

    def role_span(self, role: Role | str):
        """Where a role-level finding points: the role's name in its declaration."""
        return self.role_decl(role).id.span

    def same_as_parent(self, role: Role, same) -> bool:
        """Whether `same(parent)` holds for the role it extends: the problem is the parent's,
        reported where the parent is written, whether or not its file is linted (so that
        linting the files changed says what linting them all says)."""
        parent = self.scheme.roles.get(role.extends) if role.extends else None
        return parent is not None and bool(same(parent))

    def scheme_decl(self) -> ast.SchemeDecl:
        span = self.scheme.header.span
        file = self.files[span.path]
        return next(i for i in file.items if isinstance(i, ast.SchemeDecl) and i.span == span)

    def header_setting(self, key: str) -> ast.Setting | None:
        return next((s for s in self.scheme_decl().body if isinstance(s, ast.Setting) and s.key == key), None)

    def role_chain(self, role: Role) -> list[Role]:
        """The role, then the role it extends, and so on."""
        chain = [role]
        while chain[-1].extends and chain[-1].extends in self.scheme.roles and len(chain) < 50:
            chain.append(self.scheme.roles[chain[-1].extends])
        return chain

    def payout_decl(self, role: Role) -> tuple[ast.PayoutDecl | None, str | None]:
        """The payout block a role uses (its own or inherited) and the role that wrote it."""
        for owner in self.role_chain(role):
            decl = next((s for s in self.role_decl(owner).body if isinstance(s, ast.PayoutDecl)), None)
            if decl is not None:
                return decl, owner.id
        return None, None

    # ------------------------------------------------------------ KPIs

    def kpi_decls(self, role: Role, kpi_id: str) -> list[tuple[ast.KpiDecl, str]]:
        """The declarations a KPI is built from, the most specific (an override) first."""
        found = []
        for owner in self.role_chain(role):
            for stmt in self.role_decl(owner).body:
                if isinstance(stmt, ast.KpiDecl) and stmt.id.name == kpi_id:
                    found.append((stmt, owner.id))
        return found

    def kpi_span(self, role: Role, kpi: Kpi):
        """Where a KPI-level finding points: the KPI's name where it was declared."""
        decls = self.kpi_decls(role, kpi.id)
        return decls[-1][0].id.span if decls else kpi.span

    def owns(self, role: Role, kpi: Kpi) -> bool:
        """Whether role itself declares or overrides the KPI (so findings on it are the role's)."""
        return any(owner == role.id for _, owner in self.kpi_decls(role, kpi.id))

    def kpi_statement(self, role: Role, kpi: Kpi, node: str, key: str | None = None) -> KpiStatement | None:
        """The statement of a KPI that is in force: `node` is ast node kind, `key` a setting's key."""
        for decl, owner in self.kpi_decls(role, kpi.id):
            for stmt in decl.body:
                if stmt.node == node and (key is None or getattr(stmt, "key", None) == key):
                    return KpiStatement(stmt, owner)
        return None

    def main_kpis(self, role: Role) -> list[Kpi]:
        return role.main_kpis
