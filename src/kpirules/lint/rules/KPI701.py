from __future__ import annotations

from kpirules.lint.rule import Rule


class MissingLabel(Rule):
    """The {kind} {name} has no label that people can read.

    Statements, dashboards and `kpirules explain` show labels to salespeople and
    managers; an identifier such as `lead_conv_m` means nothing to them (不透明). Write the
    label after the identifier, in the language people use: `kpi lead_conversion "线索转化率"`.
    A label that only repeats the identifier, underscores and all (`"lead_conv_m"`), counts as none;
    an identifier written in Chinese (`kpi 外呼量`) is readable as it is.

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales {
      kpi outbound_calls {
        process main
        measure count(calls)
        target >= 200
        weight 100%
      }
    }
    ```

    Good:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi outbound_calls "外呼量" {
        process main
        measure count(calls)
        target >= 200
        weight 100%
      }
    }
    ```
    """

    code = "KPI701"
    slug = "missing-label"
    severity = "warning"
    pitfall = "opaque (不透明)"
    help = "write a quoted label after the name: {kind} {name} \"...\""

    def check_role(self, ctx, role):
        if not _readable(role.label, role.id):
            yield self.finding(ctx.role_span(role), kind="role", name=role.id)
        for kpi in role.kpis:
            decls = ctx.kpi_decls(role, kpi.id)
            if _readable(kpi.label, kpi.id) or not decls or decls[-1][1] != role.id:
                continue
            yield self.finding(ctx.kpi_span(role, kpi), kind="kpi", name=kpi.id)


def _readable(label: str | None, name: str) -> bool:
    """Whether there is a label other than the identifier written again, underscores and all
    (`kpi lead_conv_m "lead_conv_m"`); `kpi outbound_calls "Outbound calls"` has one. An
    identifier in Chinese (`kpi 外呼量`) is a name people read: it needs no label (a name's
    only characters beyond ASCII are CJK ideographs, the grammar's NAME)."""
    if not name.isascii():
        return True
    text = (label or "").strip()
    return bool(text) and not ("_" in text and text.lower() == name.lower())

