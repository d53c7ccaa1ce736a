"""The `sample` command: write the sample company's data."""

from __future__ import annotations

from pathlib import Path

import click

from kpirules import i18n
from kpirules.cli.common import FilePath, cannot_write, current_lang, handle_errors, lang_option
from kpirules.sample import DEFAULT_OUT, DEFAULT_SEED, generate


@click.command()
@click.option(
    "--out", default=DEFAULT_OUT, show_default=True, type=FilePath(file_okay=False),
    help="Folder to write the files into (created if missing).",
)
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=int, help="Seed of the generator.")
@click.option("--force", is_flag=True, help="Overwrite sample files that already exist.")
@lang_option
@handle_errors
def sample(out: str, seed: int, force: bool) -> None:
    """Write a year of sample data for a small sales company, one file per dataset.

    About 60 people (telesales, key-account, customer-success and sales managers)
    with calls, leads, contracts, invoices, payments, visits, milestones, surveys and
    renewals for January to December 2026, matching the datasets of
    rulesets/common.kpi. The same seed always gives the same files. Files are
    CSV; calls is written as Parquet when the CSV files would pass 2 MiB. Existing
    files are kept unless --force is given; --force also removes a dataset's file in
    the other format (an older calls.csv when calls.parquet is written).

    The files are written as a set: each goes first to a temporary file beside it, and
    only when all of them are written are they renamed into place. When one cannot be
    written (no permission, a full disk, a folder with its name), nothing is changed,
    a folder --out created is removed again, and the command stops with E007 (exit 2).

    \b
    Examples:
      kpirules sample                         # writes data/sample/*
      kpirules sample --out /tmp/demo --seed 7
      kpirules sample --force                 # regenerate the shipped sample
    """
    try:
        written = generate(Path(out), seed, force=force)
    except OSError as exc:
        raise cannot_write(exc.filename or out, exc, "choose another folder with --out, or make this one "
                           "writable (a folder named like a sample file must be moved away first)") from None
    lang = current_lang()
    for path in written:
        size = f"{path.stat().st_size:,}"
        click.echo(i18n.ui(lang, "sample.wrote", f"wrote {path} ({size} bytes)", path=path, bytes=size))
    total = f"{sum(path.stat().st_size for path in written):,}"
    click.echo(i18n.ui(lang, "sample.summary", f"{len(written)} files, {total} bytes, seed {seed}",
                       n=len(written), bytes=total, seed=seed))
