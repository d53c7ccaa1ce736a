"""The `kpirules` command line: thin commands over the library.

Each command parses its arguments, calls one library function and formats the result.
Errors the user can cause arrive as `KpiError`s and leave as messages with exit code 1
(problems in the inputs) or 2 (usage, configuration or internal errors); nothing else
prints a traceback unless KPIRULES_DEBUG=1.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

#: a Ctrl-C while the `kpirules` command imports this module, before `main` installs its
#: handler: the interpreter's own would print a traceback from inside an import; `main` says
#: it as an interrupt. Only in the command's own process: a program or a test run importing
#: the module keeps its Ctrl-C.
_EARLY_INTERRUPT: list[int] = []
#: this process is the `kpirules` command (not a program or a test importing the module)
_CONSOLE = os.path.basename(sys.argv[0] if sys.argv else "") in ("kpirules", "kpirules.exe")
if (_CONSOLE
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
    signal.signal(signal.SIGINT, lambda signum, frame: _EARLY_INTERRUPT.append(signum))

import errno  # noqa: E402 - after the handler above, which must come first
import gc  # noqa: E402

import click  # noqa: E402

from kpirules import __version__, i18n
from kpirules.cli.common import echo_err, global_lang_option

#: Commands whose module is imported only when the command runs (or help lists it), so
#: `kpirules lint`, run by pre-commit and CI on every change, does not pay for importing
#: the evaluator and DuckDB. Add a command here as "name": "module:function".
LAZY_COMMANDS = {
    "check": "kpirules.cli.scheme:check",
    "fmt": "kpirules.cli.scheme:fmt",
    "export": "kpirules.cli.scheme:export",
    "schema": "kpirules.cli.scheme:schema",
    "sample": "kpirules.cli.sample:sample",
    "run": "kpirules.cli.run:run",
    "explain": "kpirules.cli.run:explain",
    "lint": "kpirules.cli.lint:lint",
    "rule": "kpirules.cli.lint:rule",
    "rules": "kpirules.cli.lint:rules",
    "plugins": "kpirules.cli.sources:plugins_command",
    "sources": "kpirules.cli.sources:sources",
    "init": "kpirules.cli.sources:init",
    "report": "kpirules.cli.report:report",
    "diff": "kpirules.cli.diff:diff",
    "verify": "kpirules.cli.verify:verify",
    "test": "kpirules.cli.schemetest:test",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module the first time the command is needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands and name in LAZY_COMMANDS:
            import importlib

            module, _, attr = LAZY_COMMANDS[name].partition(":")
            collecting = gc.isenabled()
            gc.disable()  # the import makes long-lived objects only: classes, schemas, tables
            try:
                command = getattr(importlib.import_module(module), attr)
            finally:
                if collecting:
                    if _freeze_after_import:
                        gc.freeze()  # later collections skip them: about 10% of a cold `check`
                    gc.enable()
            self.add_command(command, name)
        return super().get_command(ctx, name)


#: Set by `main()`, the console command: a process that runs one command and exits can
#: keep what start-up built out of the collector's way. Tests invoking `cli` do not.
_freeze_after_import = False


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="kpirules")
@global_lang_option
def cli() -> None:
    """kpirules: sales KPI schemes as code.

    Write one .kpi file per sales role, check and lint it in CI, and evaluate it on
    your data: per person and period, each KPI's value, attainment, score, the weighted
    total, grade and payout, with an explanation a salesperson can check.

    \b
    Examples:
      kpirules check rulesets
      kpirules fmt --check rulesets
      kpirules lint rulesets
      kpirules export --format json rulesets
      kpirules --lang zh check rulesets      # messages in Chinese
    """
    from kpirules.io import forget_inputs

    forget_inputs()  # several commands may run in one process (tests, the library's callers)




def _on_interrupt(signum, frame) -> None:
    """Ctrl-C: remember it (DuckDB may turn it into an error of its own), then stop as Python does."""
    from kpirules.cli import common

    common.INTERRUPTED = True
    raise KeyboardInterrupt


def _on_unraisable(unraisable) -> None:
    """A Ctrl-C that landed where Python cannot raise it (inside a check a compiled library
    makes, such as pydantic-core's isinstance of a sequence): the library prints it as
    "Exception ignored in ..." with a traceback and goes on as if nothing happened. Say
    nothing, and deliver it again a moment later, when Python code can stop; without a
    timer (Windows) the outputs are still not written (`common.stop_if_interrupted`)."""
    if not issubclass(unraisable.exc_type, KeyboardInterrupt):
        _PREVIOUS_UNRAISABLE(unraisable)
        return
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        _REDELIVERING.append(True)
        signal.signal(signal.SIGALRM, _on_interrupt)
        signal.setitimer(signal.ITIMER_REAL, 0.02)  # last: the hook returns before it fires


_PREVIOUS_UNRAISABLE = sys.unraisablehook
#: set when `_on_unraisable` has armed the timer that delivers a Ctrl-C again
_REDELIVERING: list[bool] = []


#: the errors of a write to a full disk or quota
_FULL = {errno.ENOSPC, errno.EDQUOT}


def _usage_lang(argv: list[str] | None) -> str:
    """The language of a usage error, which click raises before a command has read --lang:
    --lang on the command line (the last one), else KPIRULES_LANG, else the configuration's."""
    args = list(sys.argv[1:] if argv is None else argv)
    named = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--lang"]
    named += [a.split("=", 1)[1] for a in args if a.startswith("--lang=")]
    chosen = named[-1] if named else os.environ.get(i18n.ENV_VAR)
    if chosen is None:
        from pathlib import Path

        from kpirules.lint.config import find_config_file

        configs = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--config"]
        configs += [a.split("=", 1)[1] for a in args if a.startswith("--config=")]
        try:
            return i18n.configured_lang(Path(configs[-1]) if configs else find_config_file())
        except Exception:  # noqa: BLE001 - a configuration that does not read is reported elsewhere
            return i18n.DEFAULT_LANG
    return chosen.lower() if chosen.lower() in i18n.LANGS else i18n.DEFAULT_LANG


def _show_usage_error(exc: click.ClickException, lang: str) -> None:
    """click's usage error as click writes it (usage line, hint, `Error: ...`), in lang."""
    if lang == i18n.DEFAULT_LANG or not isinstance(exc, click.UsageError):
        exc.show()
        return
    ctx = exc.ctx
    lines = []
    if ctx is not None:
        usage = ctx.get_usage()
        lines.append(i18n.ui(lang, "usage.line", usage, usage=usage.removeprefix("Usage: ")))
        if ctx.command.get_help_option(ctx) is not None:
            option = max(ctx.command.get_help_option_names(ctx), key=len)
            command = ctx.command_path
            lines.append(i18n.ui(lang, "usage.try", f"Try '{command} {option}' for help.", command=command,
                                 option=option))
        lines.append("")
    message = exc.format_message()
    lines.append(i18n.ui(lang, "usage.error", f"Error: {message}", message=i18n.phrase(message, "usage", lang)))
    echo_err("\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; map unexpected exceptions to exit code 2 without a traceback."""
    try:
        _main(argv)
    finally:
        # the work is done and said: a Ctrl-C while the command's process shuts down (a few
        # tenths of a second with DuckDB and Arrow loaded, after Python has put back the
        # default handler) would end it by the signal, exit code -2, over a finished run
        if _CONSOLE and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            if _REDELIVERING:  # a Ctrl-C delivered again (`_on_unraisable`) is not due any more
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, signal.SIG_IGN)


def _main(argv: list[str] | None) -> None:
    global _freeze_after_import
    _freeze_after_import = True
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_interrupt)
        sys.unraisablehook = _on_unraisable
    if _EARLY_INTERRUPT:  # Ctrl-C while kpirules was still starting
        from kpirules.cli import common

        common.INTERRUPTED = True
        sys.exit(common.report_interrupt())
    try:
        # click's own handling, but for Ctrl-C: its "Aborted!" exits 1, the code of problems in
        # the inputs, when the interrupt lands before a command handles it (while click reads
        # the options or imports the command's module)
        code = cli.main(args=argv, prog_name="kpirules", standalone_mode=False)
    except SystemExit:
        raise
    except click.exceptions.Abort:
        from kpirules.cli import common

        sys.exit(common.report_interrupt())
    except click.ClickException as exc:  # a usage error: said as click says it (in Chinese too), exit 2
        _show_usage_error(exc, _usage_lang(argv))
        sys.exit(exc.exit_code)
    except OSError as exc:
        if exc.errno not in _FULL or os.environ.get("KPIRULES_DEBUG"):
            raise
        # standard output on a full disk (`> /dev/full`): the output could not be written,
        # as E007 says of an -o file; not a bug
        from kpirules.cli import common
        from kpirules.errors import Diagnostic

        diagnostic = Diagnostic("E007", f"cannot write the output: {exc.strerror or exc}",
                                help="free some space, or write the output elsewhere (-o FILE)")
        echo_err(common.render_all([diagnostic], lang=common.LAST_LANG))
        sys.exit(2)
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        if os.environ.get("KPIRULES_DEBUG"):
            raise
        from kpirules.cli import common

        if common.INTERRUPTED:  # Ctrl-C, surfacing where no command's handler saw it
            sys.exit(common.report_interrupt())
        error = f"{type(exc).__name__}: {exc}"
        english = (f"internal error: {error}\n"
                   "This is a bug in kpirules; please report it (set KPIRULES_DEBUG=1 for a traceback).")
        try:
            message = i18n.ui(common.LAST_LANG, "internal_error", english, error=error)
        except Exception:  # noqa: BLE001 - the catalog itself may be what failed
            message = english
        echo_err(message)
        sys.exit(2)
    # a command that returns has succeeded; click's own exits (--help, --version) give their code
    if isinstance(code, int) and not isinstance(code, bool) and code:
        sys.exit(code)
