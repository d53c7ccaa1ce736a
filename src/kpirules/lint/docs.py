"""Rule documentation, generated from the rule modules' docstrings (docs/rules.md, `kpirules rule`)."""

from __future__ import annotations

import json

from kpirules.lint.rule import Rule

INTRO = """\
# Lint rules

`kpirules lint` finds the documented pitfalls of sales KPI schemes (see the domain brief:
too many or too few KPIs, unquantifiable or hand-entered KPIs, unbalanced weights,
unrealistic targets, no period or feedback, results only, revenue only, one size fits all,
disconnected from strategy or from incentives, opaque). This page is generated from the
rule modules (`src/kpirules/lint/rules/KPI*.py`) by `kpirules rules --markdown -o docs/rules.md`;
a test fails when it is out of date.

Each rule has a code, a slug, a default severity and a message (the first line of its
docstring; `{name}` marks a value filled in per finding). Examples that start with
`import "prelude.kpi"` read [rules-prelude.kpi](rules-prelude.kpi): a scheme header with
objectives `revenue` and `retention`, a roster with hire dates, and the datasets `calls`,
`visits`, `leads`, `contracts`, `surveys` and `self_reports` (origin manual). Every bad
example triggers its rule and every good one does not (tests/test_lint_rules.py).

Configure rules in `[lint]` of kpirules.toml or `[tool.kpirules.lint]` of pyproject.toml
(the nearest one, found from the working directory up, like the project configuration):

```toml
[lint]
select = ["ALL"]                  # codes, prefixes (KPI1) or slugs; the default is ALL
ignore = ["KPI702"]
fail-level = "error"              # exit 1 on findings at or above: error, warning or info
main-kpis = [3, 5]                # rule options, by name (each rule below lists its own)
max-weight-share = 0.5

[lint.severity]
KPI304 = "warning"

[lint.per-file-ignores]
"rulesets/pilot/*.kpi" = ["KPI105"]
```

`select`, `ignore`, the keys of `[lint.severity]` and the lists of `[lint.per-file-ignores]`
all take codes, prefixes (`KPI1`) or slugs (`weights-sum`), in any case; `--select` and
`--ignore` on the command line take the same, comma-separated, and may be repeated (they add
up); where several `[lint.severity]`
entries name one rule, the most specific wins (a code or slug over a prefix, a longer prefix
over a shorter, any over `ALL`). A wrong key, an unknown code, a misspelt table (`[lnit]`,
E602) or
a value of the wrong type stops the run with exit code 2 and names the key and the file.
In a .kpi file, suppressions take rule codes only (not prefixes or slugs), written as the
code is (`KPI101`; `kpi101` is KPI902); the marker itself is read in any case
(`# KPIRULES: IGNORE[KPI101]`):
`# kpirules: ignore[KPI101] reason` silences a finding on its own line (or, standing alone, on the next line that is not a comment, so a blank line in between ends it;
written after a block's closing `}`, anywhere in that block; after the last line of a statement written over several lines, anywhere in it), and
`# kpirules: ignore-file[KPI105] reason` a whole file; a suppression that hides nothing
(KPI901) or names an unknown code, a rule name or a prefix (KPI902) is reported.

Besides the rules, lint reports problems that stop a file from being linted: syntax and
import errors (`E1xx`, `E21x`) and scheme errors that `kpirules check` finds (`E2xx`,
`E3xx`, for example a gate on a KPI that is not in its role, E201), always as errors;
and `KPI000` when a rule crashes (a bug, reported for the file being checked while the
other rules still run).

A role that `extends` another and inherits a problem unchanged (the same weights, the same
number or kinds of main KPIs, no payout of its own) is not reported for it: the finding is
the parent's, at the parent's line, and fixing it there fixes both. This holds whether or
not the parent's file is among those linted, so linting the files a commit changes (a
pre-commit hook) and linting the whole folder (CI) say the same. A role that changes what
it inherits is judged on what it has.
"""


def rule_options(rule: type[Rule]) -> dict[str, object]:
    return {name: rule.option_default(name) for name in rule.options}


def rule_text(rule: type[Rule]) -> str:
    """What `kpirules rule CODE` prints."""
    lines = [f"{rule.code} {rule.slug} [{rule.severity}]", f"pitfall: {rule.pitfall}", ""]
    lines.append(rule.documentation())
    lines += ["", f"help: {rule.help}"]
    options = rule_options(rule)
    if options:
        lines.append("options: " + ", ".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in options.items()))
    if rule.needs_history:
        lines.append("runs only with `kpirules lint --history`")
    return "\n".join(lines)


def rules_table(rules: dict[str, type[Rule]], lang: str = "en") -> str:
    """`kpirules rules`: code, slug, severity and message, the message in `lang` where the
    catalog has the rule (the markdown reference stays English)."""
    from kpirules import i18n
    from kpirules.lint.localize import template_text

    def message(code: str, rule: type[Rule]) -> str:
        templates = i18n.lint_templates(code, lang)
        return template_text(templates[0]) if templates is not None else rule.message_template()

    width = max((len(r.slug) for r in rules.values()), default=10)
    return "\n".join(
        f"{code}  {rule.slug:<{width}}  {rule.severity:<7}  {message(code, rule)}" for code, rule in rules.items()
    )


def rules_markdown(rules: dict[str, type[Rule]]) -> str:
    out = [INTRO, "| code | slug | severity | pitfall |", "|---|---|---|---|"]
    for code, rule in rules.items():
        out.append(f"| [{code}](#{code.lower()}) | `{rule.slug}` | {rule.severity} | {rule.pitfall} |")
    for code, rule in rules.items():
        doc = rule.documentation()
        first, _, rest = doc.partition("\n")
        out += ["", f"## {code}", "", f"`{rule.slug}`, {rule.severity}{' (only with `--history`)' if rule.needs_history else ''}", ""]
        out += [f"> {first}", "", rest.strip(), "", f"Fix: {rule.help}"]
        options = rule_options(rule)
        if options:
            out += ["", "Options: " + ", ".join(f"`{k} = {json.dumps(v, ensure_ascii=False)}`" for k, v in options.items())]
    return "\n".join(out) + "\n"
