"""Output formats come through the register_output_formats hook, built-in and third-party alike."""

from __future__ import annotations

import json
import sys
import types

import pytest
from click.testing import CliRunner

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


def test_a_plugin_registering_a_taken_name_is_a_configuration_error():
    module = types.ModuleType("kpirules_clash_test")

    @hookimpl
    def register_output_formats(register):
        register(OutputFormat("csv", "another csv", lambda r, m: ""))

    module.register_output_formats = register_output_formats
    plugins.pm.register(module, name=module.__name__)
    try:
        result = CliRunner().invoke(cli, ["run", "--format", "csv"])
    finally:
        plugins.pm.unregister(name=module.__name__)
    assert result.exit_code == 2
    assert ("error[E626]: plugin kpirules_clash_test registers output format 'csv', which is a built-in format"
            in result.output)


def test_two_plugins_registering_one_format_are_both_named():
    modules = [types.ModuleType(f"kpirules_clash{n}_test") for n in (1, 2)]
    for module in modules:
        @hookimpl
        def register_output_formats(register):
            register(OutputFormat("payroll", "payroll import", lambda r, m: ""))

        module.register_output_formats = register_output_formats
        plugins.pm.register(module, name=module.__name__)
    try:
        result = CliRunner().invoke(cli, ["run", "--format", "csv"])
    finally:
        for module in modules:
            plugins.pm.unregister(name=module.__name__)
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
    module = types.ModuleType("kpirules_broken_test")

    @hookimpl
    def register_output_formats(register):
        register(OutputFormat("broken", "a format that fails", render))

    module.register_output_formats = register_output_formats
    plugins.pm.register(module, name=module.__name__)
    try:
        out = tmp_path / "out.txt"
        result = CliRunner().invoke(cli, ["run", "--period", "2026-03", "--format", "broken", "-o", str(out)])
    finally:
        plugins.pm.unregister(name=module.__name__)
    assert result.exit_code == 2
    assert message in result.output and "internal error" not in result.output
    assert not out.exists()


def test_a_plugin_that_raises_while_registering_formats_is_the_plugins_error(tmp_path):
    # plugins.md: a plugin that raised in a hook is E620 naming the plugin, not an internal error
    module = types.ModuleType("kpirules_raising_test")

    @hookimpl
    def register_output_formats(register):
        raise RuntimeError("no licence")

    module.register_output_formats = register_output_formats
    plugins.pm.register(module, name=module.__name__)
    try:
        result = CliRunner().invoke(cli, ["run", "--period", "2026-03"])
    finally:
        plugins.pm.unregister(name=module.__name__)
    assert result.exit_code == 2
    assert ("error[E620]: plugin kpirules_raising_test raised while registering output formats: "
            "RuntimeError: no licence") in result.output
    assert "internal error" not in result.output


def test_a_text_format_returning_bytes_without_output_is_the_plugins_error():
    module = types.ModuleType("kpirules_bytes_test")

    @hookimpl
    def register_output_formats(register):
        register(OutputFormat("txtbytes", "text that comes as bytes", lambda r, m: b"x"))

    module.register_output_formats = register_output_formats
    plugins.pm.register(module, name=module.__name__)
    try:
        result = CliRunner().invoke(cli, ["run", "--period", "2026-03", "--format", "txtbytes"])
    finally:
        plugins.pm.unregister(name=module.__name__)
    assert result.exit_code == 2
    assert ("error[E627]: output format 'txtbytes' of plugin kpirules_bytes_test returned bytes but is not "
            "declared binary") in result.output
    assert "declares binary=True" in result.output and "internal error" not in result.output
