from __future__ import annotations

from kpirules.lint.rule import Rule


class UnusedSuppression(Rule):
    """This suppression comment hides nothing: no {codes} finding here.

    A suppression that no longer matches a finding (the pitfall was fixed, or the
    comment sits on the wrong line) would silently hide the next real one. A line
    suppression covers findings that start on its own line (after a block's closing `}`,
    anywhere in that block), or, when the comment stands alone, on the next line that is
    not a comment (so suppressions can be stacked above one line; a blank line is not a
    comment, so a suppression above a blank line covers nothing); `ignore-file[...]`
    covers the whole file. Suppressions of
    rules that did not run (not selected, or history rules without `--history`) are
    not reported.

    Bad:

    ```kpi
    import "prelude.kpi"

    role telesales "电话销售" {
      kpi outbound_calls "外呼量" {
        process main
        measure count(calls)
        target >= 200
        # kpirules: ignore[KPI102] calls are this role's whole job
        weight 40%
      }
      kpi lead_conversion "线索转化率" {
        outcome main
        measure count(leads where status == "converted") / count(leads)
        target >= 15%
        weight 60%
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
        # kpirules: ignore[KPI102] calls are this role's whole job
        weight 80%
      }
      kpi lead_conversion "线索转化率" {
        outcome main
        measure count(leads where status == "converted") / count(leads)
        target >= 15%
        weight 20%
      }
    }
    ```
    """

    code = "KPI901"
    slug = "unused-suppression"
    severity = "warning"
    pitfall = "suppression comments"
    help = "remove the comment, or move it onto (or just above) the line the finding points at"

    def check(self, ctx):
        return ()  # the engine reports it after applying suppressions
