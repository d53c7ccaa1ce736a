"""Every command and subcommand of `kpirules` has help with an example, and `--help` works.

The group is walked recursively, so commands added later are covered without editing
this file.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kpirules.cli import cli


def walk(group: click.Group, path: tuple[str, ...] = ()):
    """(argv path, command) for the group itself and every command under it."""
    yield path, group
    ctx = click.Context(group, info_name="kpirules")
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if isinstance(command, click.Group):
            yield from walk(command, path + (name,))
        else:
            yield path + (name,), command


COMMANDS = list(walk(cli))


def example_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("kpirules ")]


def test_the_walk_finds_the_commands():
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"", "check", "fmt", "export", "schema"} <= names


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) or "kpirules" for p, _ in COMMANDS])
def test_help_has_an_example_and_exits_0(path, command):
    assert command.help, f"kpirules {' '.join(path)} has no help text"
    examples = example_lines(command.help)
    assert examples, f"the help of kpirules {' '.join(path)} shows no example (a line starting with `kpirules `)"
    for example in examples:
        assert example.split()[1 : 1 + len(path)] == list(path), f"example {example!r} runs another command"

    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="kpirules")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: kpirules {' '.join(path)}".rstrip())
    # the example survives click's re-wrapping of paragraphs
    assert example_lines(result.output) == examples


@pytest.mark.parametrize(("path", "command"), [(p, c) for p, c in COMMANDS if not isinstance(c, click.Group)],
                         ids=[" ".join(p) for p, c in COMMANDS if not isinstance(c, click.Group)])
def test_every_command_takes_lang_after_it(path, command):
    # README: `kpirules --lang zh COMMAND`, "also --lang zh after the command"; sample, export,
    # init, plugins, rule, rules, schema and test refused it (No such option)
    assert any("--lang" in param.opts for param in command.params), f"kpirules {' '.join(path)} has no --lang"


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_short_and_long_help_flags(flag):
    result = CliRunner().invoke(cli, [flag])
    assert result.exit_code == 0
    assert "Commands:" in result.output


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
@pytest.mark.parametrize("args", [("export",), ("--lang", "zh", "plugins", "--json")])
def test_standard_output_on_a_full_disk_is_e007_not_a_bug(args):
    # `kpirules export > /dev/full` was "internal error: OSError ... This is a bug in kpirules"
    kpirules = Path(sys.executable).with_name("kpirules")
    with open("/dev/full", "w") as full:
        done = subprocess.run([str(kpirules), *args], stdout=full, stderr=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 2
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    expected = "无法写入输出" if "zh" in args else "error[E007]: cannot write the output: No space left on device"
    assert expected in done.stderr


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGINT") or sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_is_said_as_an_interrupt_with_exit_2_and_no_output(tmp_path):
    # Ctrl-C during a run was "internal error: RuntimeError: Query interrupted ... a bug in
    # kpirules" (exit 2), or click's "Aborted!" (exit 1, the code of problems in the inputs)
    import signal
    import time

    kpirules = Path(sys.executable).with_name("kpirules")
    root = Path(__file__).resolve().parents[1]
    interrupted = 0
    # not sooner than 0.6 s: before `main` installs its handler (the interpreter starting and
    # importing kpirules.cli, slower on a loaded machine) Python's default handler applies
    for delay in (0.6, 0.9, 1.2, 1.5):
        out = tmp_path / f"out{delay}.json"
        proc = subprocess.Popen([str(kpirules), "run", "--format", "json", "-o", str(out)], cwd=root,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert "Traceback" not in err and "internal error" not in err and "Aborted!" not in err, err
        if proc.returncode == 0:  # it had finished
            continue
        assert proc.returncode == 2, err
        assert "interrupted: kpirules stopped before it finished; no output was written or changed" in err
        assert not out.exists() and list(tmp_path.glob(".out*")) == []
        interrupted += 1
    assert interrupted, "no run was interrupted: each finished before the signal"


@pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"), reason="POSIX timers")
def test_a_ctrl_c_a_library_swallows_is_delivered_again_without_a_traceback():
    # CI: a Ctrl-C landing inside pydantic-core's isinstance check of an AST node was printed
    # as "Exception ignored in: Setting(...)" with a traceback, and the run went on. A __del__
    # is such a place too: Python prints what it raises and carries on.
    script = textwrap.dedent("""
        import signal, sys, time
        from kpirules import cli
        signal.signal(signal.SIGINT, cli._on_interrupt)
        sys.unraisablehook = cli._on_unraisable
        class Swallowed:
            def __del__(self):
                raise KeyboardInterrupt
        Swallowed()
        try:
            time.sleep(5)
            print("went on")
        except KeyboardInterrupt:
            print("stopped")
        class Broken:
            def __del__(self):
                raise ValueError("other errors are still said")
        Broken()
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.stdout == "stopped\n", done.stdout + done.stderr
    assert "KeyboardInterrupt" not in done.stderr
    assert "ValueError: other errors are still said" in done.stderr


def test_a_swallowed_ctrl_c_writes_no_output(run_cli, sample_project, monkeypatch):
    # without a timer to deliver it again (Windows), the flag the handler set still keeps the
    # command from writing its outputs
    from kpirules.cli import common

    monkeypatch.setattr(common, "INTERRUPTED", True)
    out = sample_project / "out.json"
    result = run_cli("run", "--format", "json", "-o", str(out))
    assert result.exit_code == 2, result.output
    assert "interrupted: kpirules stopped before it finished; no output was written or changed" in result.output
    assert not out.exists()


def test_ctrl_c_before_a_command_runs_is_an_interrupt_too(monkeypatch, capsys):
    # an interrupt while click read the options or imported the command's module (a loaded
    # machine, Ctrl-C at once) was click's "Aborted!" with exit 1, the code of problems in inputs
    from kpirules import cli as cli_module

    def interrupted(self, ctx, name):
        raise KeyboardInterrupt

    import signal

    monkeypatch.setattr(cli_module.LazyGroup, "get_command", interrupted)
    previous = signal.getsignal(signal.SIGINT)  # main installs its own handler: pytest's comes back
    try:
        with pytest.raises(SystemExit) as stopped:
            cli_module.main(["run"])
    finally:
        signal.signal(signal.SIGINT, previous)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "interrupted: kpirules stopped before it finished; no output was written or changed" in err
    assert "Aborted!" not in err


@pytest.mark.skipif(not hasattr(__import__("signal"), "SIGINT") or sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_after_the_output_is_in_place_leaves_it_and_exits_0(tmp_path):
    # a Ctrl-C once the file was written (the command closing down) said "no output was
    # written" with exit 2, over a complete file; during the interpreter's shut-down, -2
    import json
    import signal
    import time

    kpirules = Path(sys.executable).with_name("kpirules")
    root = Path(__file__).resolve().parents[1]
    for attempt in range(3):
        out = tmp_path / f"out{attempt}.json"
        proc = subprocess.Popen([str(kpirules), "run", "--format", "json", "-o", str(out)], cwd=root,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while not out.exists() and proc.poll() is None:
            time.sleep(0.001)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert "no output was written" not in err and "Traceback" not in err
        assert json.loads(out.read_text(encoding="utf-8"))["people"]
