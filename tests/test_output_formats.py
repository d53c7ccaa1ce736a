"""Output formats come through the register_output_formats hook, built-in and third-party alike."""

from __future__ import annotations

import json
import sys
import types

import pytest
from click.testing import CliRunner, Result

from kpirules import plugins
from kpirules.cli import cli
from kpirules.hookspecs import hookimpl
from kpirules.report.formats import OutputFormat, output_formats


@pytest.fixture
def payroll_plugin():
    """A third-party plugin adding a `payroll` format: person id and payout, one per line."""
    module = types.ModuleType("kpirules_payroll_test")

    def render(result, manifest):
        lines = [f"{p.person_id};{p.payout.total if p.payout else ''}" for p in result.people]
        return "\n".join(lines) + f"\n# {manifest['kpirules_version']}"

    @hookimpl
    def register_output_formats(register):
        register(OutputFormat("payroll", "payroll import: person;amount", render))

    module.register_output_formats = register_output_formats
    sys.modules[module.__name__] = module
    plugins.pm.register(module, name=module.__name__)
    yield module
    plugins.pm.unregister(name=module.__name__)
    del sys.modules[module.__name__]


def test_builtin_formats_are_registered_through_the_hook():
    assert list(output_formats()) == ["table", "csv", "json", "jsonl", "xlsx"]
    assert output_formats()["xlsx"].binary


def test_a_plugin_format_is_usable_from_run(payroll_plugin):
    result = CliRunner().invoke(cli, ["run", "--period", "2026-03", "--role", "telesales", "--format", "payroll"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if ";" in line]
    # the same people and payouts as the JSON output of the same run
    data = json.loads(CliRunner().invoke(cli, ["run", "--period", "2026-03", "--role", "telesales", "--format", "json"]).stdout)
    assert lines == [f"{p['person_id']};{p['payout']['total']}" for p in data["people"]]


def run_with(args: list[str], **hooks) -> Result:
    """`kpirules ARGS` with a plugin per keyword: its name, and its register_output_formats."""
    for name, hook in hooks.items():
        plugins.pm.register(types.SimpleNamespace(register_output_formats=hookimpl(hook)), name=name)
    try:
        return CliRunner().invoke(cli, args)
    finally:
        for name in hooks:
            plugins.pm.unregister(name=name)


def registering(*formats: OutputFormat):
    """A register_output_formats hook registering formats."""
    def register_output_formats(register):
        for fmt in formats:
            register(fmt)
    return register_output_formats


def test_a_plugin_registering_a_taken_name_is_a_configuration_error():
    result = run_with(["run", "--format", "csv"],
                      kpirules_clash_test=registering(OutputFormat("csv", "another csv", lambda r, m: "")))
    assert result.exit_code == 2
    assert ("error[E626]: plugin kpirules_clash_test registers output format 'csv', which is a built-in format"
            in result.output)


def test_two_plugins_registering_one_format_are_both_named():
    payroll = OutputFormat("payroll", "payroll import", lambda r, m: "")
    result = run_with(["run", "--format", "csv"], kpirules_clash1_test=registering(payroll),
                      kpirules_clash2_test=registering(payroll))
    assert result.exit_code == 2
    assert ("error[E626]: output format 'payroll' is registered by two plugins: kpirules_clash1_test and "
            "kpirules_clash2_test") in result.output


def test_unknown_format_suggests_the_close_one():
    result = CliRunner().invoke(cli, ["run", "--format", "jsn"])
    assert result.exit_code == 2
    assert "error[E005]: unknown output format 'jsn'" in result.output
    assert "did you mean 'json'?" in result.output


@pytest.mark.parametrize(("render", "message"), [
    (lambda r, m: 1 / 0, "error[E627]: output format 'broken' of plugin kpirules_broken_test failed: "
                         "ZeroDivisionError: division by zero"),
    (lambda r, m: 42, "error[E627]: output format 'broken' of plugin kpirules_broken_test returned int, "
                      "not text or bytes"),
    # bytes belong to a format declared binary (plugins.md), with -o or without it
    (lambda r, m: b"x", "error[E627]: output format 'broken' of plugin kpirules_broken_test returned bytes "
                        "but is not declared binary"),
])
def test_a_plugin_format_that_fails_is_the_plugins_error_not_kpirules(tmp_path, render, message):
    # plugins.md: plugin problems are configuration errors (exit 2) naming the plugin
    out = tmp_path / "out.txt"
    result = run_with(["run", "--period", "2026-03", "--format", "broken", "-o", str(out)],
                      kpirules_broken_test=registering(OutputFormat("broken", "a format that fails", render)))
    assert result.exit_code == 2
    assert message in result.output and "internal error" not in result.output
    assert not out.exists()


def test_a_plugin_that_raises_while_registering_formats_is_the_plugins_error():
    # plugins.md: a plugin that raised in a hook is E620 naming the plugin, not an internal error
    def register_output_formats(register):
        raise RuntimeError("no licence")

    result = run_with(["run", "--period", "2026-03"], kpirules_raising_test=register_output_formats)
    assert result.exit_code == 2
    assert ("error[E620]: plugin kpirules_raising_test raised while registering output formats: "
            "RuntimeError: no licence") in result.output
    assert "internal error" not in result.output


def test_a_text_format_returning_bytes_without_output_is_the_plugins_error():
    txtbytes = OutputFormat("txtbytes", "text that comes as bytes", lambda r, m: b"x")
    result = run_with(["run", "--period", "2026-03", "--format", "txtbytes"], kpirules_bytes_test=registering(txtbytes))
    assert result.exit_code == 2
    assert ("error[E627]: output format 'txtbytes' of plugin kpirules_bytes_test returned bytes but is not "
            "declared binary") in result.output
    assert "declares binary=True" in result.output and "internal error" not in result.output
