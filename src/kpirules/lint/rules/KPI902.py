from __future__ import annotations

from kpirules.lint.rule import Rule


class InvalidSuppression(Rule):
    """This suppression comment cannot be used: {text}.

    A suppression names the rule codes it hides, in brackets, then says why (the reason is
    not checked, but a reviewer will ask for it):
    `# kpirules: ignore[KPI101] reason` for the line (or, when the comment stands alone,
    the next line that is not a comment), `# kpirules: ignore-file[KPI105] reason` for the whole file. A
    misspelt code or form would hide nothing, silently. Suppressions take rule codes only: a
    rule name (`dominant-weight`) is refused with the code to write (KPI102), and a prefix
    (`KPI1`) is refused with the codes it would cover, and a code in lower case (`kpi102`)
    with the code in capitals.

    Bad:

    ```kpi
    import "prelude.kpi"

    # kpirules: ignore[KPI999] not a rule
    role telesales "电话销售" {
      kpi outbound_calls "外呼量" {
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

    # kpirules: ignore[KPI105] a one-KPI pilot role, reviewed by sales ops
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

    code = "KPI902"
    slug = "invalid-suppression"
    severity = "error"
    pitfall = "suppression comments"
    help = "{problem}"

    def check(self, ctx):
        return ()  # the engine reports it while reading suppression comments
