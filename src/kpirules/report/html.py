"""`kpirules report` as HTML: one self-contained file, and one statement file per person.

A page carries its styles, charts (inline SVG) and its one small script inside it and
loads nothing: a Content-Security-Policy forbids every request, so a page that tried
would show it (the first script in <head> records script errors and blocked requests
in the `data-script-errors` attribute of <html>, which the browser test reads). The
script only adds a filter box; every figure is in the HTML without it.
"""

from __future__ import annotations

from collections import defaultdict

from kpirules.engine.results import PersonResult, RunResult
from kpirules.report.explain import UNKNOWN, Context, period_line
from kpirules.report.figures import esc, name_of, t
from kpirules.report.overview import overview
from kpirules.report.statement import person_names, statement

POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"

#: Set first, before anything can fail: every error and blocked request is written down.
RECORDER = """<script>
(function () {
  var root = document.documentElement;
  root.setAttribute("data-script-errors", "");
  function note(text) { root.setAttribute("data-script-errors", root.getAttribute("data-script-errors") + text + "\\n"); }
  window.addEventListener("error", function (e) {
    var what = e.target && e.target !== window ? (e.target.src || e.target.href || e.target.tagName) : "";
    note(e.message || ("failed to load " + what));
  }, true);
  window.addEventListener("unhandledrejection", function (e) { note("unhandled rejection: " + e.reason); });
  document.addEventListener("securitypolicyviolation", function (e) { note("blocked " + e.blockedURI); });
})();
</script>"""

#: The filter box: hidden in the HTML, shown (and working) only when scripts run.
FILTER = """<script>
(function () {
  var box = document.querySelector("input.filter");
  if (box) {
    box.hidden = false;
    box.addEventListener("input", function () {
      var words = box.value.trim().toLowerCase();
      document.querySelectorAll("table.people tbody tr").forEach(function (row) {
        row.hidden = words !== "" && row.textContent.toLowerCase().indexOf(words) < 0;
      });
    });
  }
  document.documentElement.setAttribute("data-ready", "1");
})();
</script>"""

STYLE = """<style>
:root { --ink: #1d1d1f; --muted: #666; --line: #ddd; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif;
       color: var(--ink); margin: 24px auto; max-width: 1180px; padding: 0 16px; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid var(--ink); padding-bottom: 4px; }
.meta, .note, small, .active { color: var(--muted); }
table { border-collapse: collapse; margin: 8px 0 20px; font-size: 0.92em; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: middle; }
thead th { background: #f5f5f5; } td.num { text-align: right; white-space: nowrap; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 16px; min-width: 140px; }
.card .figure { font-size: 1.5em; font-weight: bold; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; } figure { margin: 0; } figcaption { font-weight: bold; }
svg text { font-size: 12px; fill: var(--ink); } svg text.tick { fill: #444; } svg text.small { font-size: 10px; }
table.heat td.cell { text-align: center; min-width: 64px; white-space: nowrap; }
table.heat td.floor { outline: 2px solid #7f0000; outline-offset: -3px; font-weight: bold; }
table.heat caption { text-align: left; font-weight: bold; padding: 4px 0; }
.statement { margin-top: 36px; } dl.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 8px 0; }
dl.facts dt { color: var(--muted); font-size: 0.85em; } dl.facts dd { margin: 0; font-weight: bold; }
.tag { display: inline-block; margin-left: 6px; padding: 0 5px; border-radius: 3px; background: #eee; font-size: 0.8em; }
td.rule { font-size: 0.85em; color: #333; max-width: 320px; }
/* a statement fits an A4 page (794 px): the bars shrink, long cells wrap instead of overflowing */
table.kpis { width: 100%; } table.kpis svg { max-width: 100%; height: auto; display: block; }
table.kpis td.num { white-space: normal; } table.kpis td.rule { max-width: none; overflow-wrap: anywhere; }
.total p { margin: 2px 0; } details.steps pre { font-size: 0.82em; white-space: pre-wrap; background: #f7f7f7; padding: 8px; } ol.payout-steps li { margin: 2px 0; }
input.filter { padding: 4px 8px; width: 280px; margin-bottom: 6px; }
@media print {
  body { max-width: none; margin: 0; }
  input.filter { display: none; }
  .statement { break-before: page; margin-top: 0; }
  table, figure, tr { break-inside: avoid; }
  table.kpis { font-size: 0.78em; } table.kpis th, table.kpis td { padding: 3px 5px; }
}
</style>"""


def page(title: str, body: str, lang: str) -> str:
    """A whole HTML document around body."""
    return (
        f'<!DOCTYPE html>\n<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n{RECORDER}\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n{STYLE}\n</head>\n<body>\n{body}\n{FILTER}\n</body>\n</html>\n"
    )


def _heading(result: RunResult, lang: str, scheme_label: str | None) -> str:
    scheme = f"{scheme_label} ({result.scheme})" if scheme_label else result.scheme
    periods = ", ".join(result.periods)
    return t(lang, "title", f"KPI report: {scheme}, {periods}", scheme=scheme, periods=periods)


def render_report(result: RunResult, lang: str = "en", payouts: bool = True, scheme_label: str | None = None,
                  context: Context = UNKNOWN) -> str:
    """The team overview and every person's statement in one page.

    With payouts=False neither the overview nor the statements show any amount of money
    (the statements keep their KPIs, scores and grades). The `context` (the scheme's roles
    and the roster) lets the statements say all that `kpirules explain` says.
    """
    title = _heading(result, lang, scheme_label)
    reason = _reason(result, lang)
    if not payouts:
        reason += f'<p class="meta">{esc(t(lang, "payouts_left_out", "Payouts are left out of this report."))}</p>'
    names = person_names(p.person_id for p in result.people)
    statements = "\n".join(statement(p, result.currency, lang, payouts, context, names) for p in result.people)
    body = (f"<h1>{esc(title)}</h1>{reason}\n{overview(result, lang, payouts, names=names)}\n"
            f'<h2 class="statements">{esc(t(lang, "statements", "Statements"))}</h2>\n{statements}')
    return page(title, body, lang)


def _reason(result: RunResult, lang: str) -> str:
    """Which period was evaluated and why, as `kpirules explain` heads its output."""
    return f'<p class="meta">{esc(period_line(result, lang))}</p>' if result.period_reason else ""


def statement_files(result: RunResult) -> dict[str, list[PersonResult]]:
    """File name -> the person's results (one per period), one file per person, named
    `person_names` gives the person in the run's order: `a_b.html`, `a_b~2.html`."""
    by_person: dict[str, list[PersonResult]] = defaultdict(list)
    for p in result.people:
        by_person[p.person_id].append(p)
    named = person_names(by_person)
    return {f"{named[person_id]}.html": results for person_id, results in by_person.items()}


def render_statement_file(results: list[PersonResult], result: RunResult, lang: str = "en",
                          scheme_label: str | None = None, context: Context = UNKNOWN) -> str:
    """One person's own page: their statements, with their payout, and nothing about anyone else."""
    scheme = f"{scheme_label} ({result.scheme})" if scheme_label else result.scheme
    periods = ", ".join(p.period for p in results)
    heading = t(lang, "statement_title", f"Statement: {scheme}, {periods}", scheme=scheme, periods=periods)
    title = f"{name_of(results[0])}: {heading}"
    names = person_names(p.person_id for p in result.people)  # the ids of the whole report's page
    statements = "\n".join(statement(p, result.currency, lang, True, context, names) for p in results)
    body = f"<h1>{esc(heading)}</h1>{_reason(result, lang)}\n{statements}"
    return page(title, body, lang)
