"""`kpirules run --as-of DATE`: pacing during the period (docs/pacing.md).

`run` hands over to `run_as_of` when `--as-of` is given; the work is in
`kpirules.report.pacing` (cutting the data to the day, pace, projection) and
`kpirules.report.pacing_output` (the table, CSV, JSON and JSON Lines).
"""

from __future__ import annotations

import datetime as dt

from kpirules import i18n
from kpirules.cli.common import check_not_input, current_lang, echo_err, emit
from kpirules.cli.run import (_left_out_by_role, _persons_not_evaluated, _warnings, check_persons, check_roles,
                              manifest, prepare, status)
from kpirules.errors import ConfigError, Diagnostic


def run_as_of(paths, period_label, env, config_path, roles, persons, fmt_, output, bad_rows, rejects,
              as_of: dt.date) -> None:
    from kpirules.report import pacing_output
    from kpirules.report.pacing import run_pacing

    if fmt_ not in pacing_output.FORMATS:  # checked before any data is read
        raise ConfigError(Diagnostic(
            "E882", f"--as-of writes {', '.join(pacing_output.FORMATS)}; not {fmt_}",
            help="choose one of those with --format, or leave --as-of out",
        ))
    prepared = prepare(paths, period_label, env, config_path, bad_rows, rejects, as_of=as_of)
    if output:  # the inputs are known once they are read, still before the work (E006)
        check_not_input(output)
    if not period_label:
        prepared.period_reason = f"the {prepared.periods[0].unit} that contains the as-of day ({as_of.isoformat()})"
    check_roles(prepared.scheme, roles)
    check_persons(prepared, persons)
    # what was read, fingerprinted as loaded: pacing then cuts the data at the as-of day
    read = manifest(prepared) if fmt_ == "json" else None
    with status("pacing"):
        result = run_pacing(prepared.scheme, prepared.con, prepared.periods[0], as_of,
                            roles=list(roles) or None, persons=list(persons) or None, loads=prepared.load_report)
    result.warnings.extend(_warnings(prepared, result, list(roles) or None, stale=False))
    if persons:  # a --person not active in the period, or in no role, is said to be (as run says it)
        left_out = _left_out_by_role(prepared, result, roles, persons, [result.period]) if roles else {}
        result.warnings.extend(left_out.values())
        result.warnings.extend(_persons_not_evaluated(prepared, result, persons, left_out, [result.period]))
    lang = current_lang()
    if fmt_ == "table":
        text = pacing_output.render_table(result, lang=lang)
    else:
        text = {
            "csv": lambda: pacing_output.render_csv(result),
            "json": lambda: pacing_output.render_json(result, read),
            "jsonl": lambda: pacing_output.render_jsonl(result),
        }[fmt_]()
        echo_err(pacing_output.heading(result, lang))  # which period and day, beside the data
        for warning in result.warnings:
            echo_err(i18n.labelled(lang, "warning", i18n.phrase(warning, "warning", lang)))
    emit(text.rstrip("\n"), output)
