"""A deterministic sample company: a year of sales data for the reference rulesets.

`generate(out_dir, seed)` writes one file per dataset declared in `rulesets/common.kpi`
(`<dataset id>.csv`, or `calls.parquet` when the CSV files together would pass 2 MiB). The
same seed gives byte-identical CSV files on every run and machine: all randomness comes
from one `random.Random(seed)` drawn in a fixed order, only through integer and
`triangular` draws (no `gauss`, whose libm-based result may differ across platforms), and
money is carried as integer cents.

The company, its notable people and the cases they exercise are described in
`data/sample/README.md`; the people and their behaviour are in `kpirules.sample_company`.
"""

from __future__ import annotations

import io
import random
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from kpirules.errors import ConfigError, Diagnostic
from kpirules.io import write_files_atomic
from kpirules.sample_company import (
    ADJUSTMENTS, EXPORTED_ON, UNKNOWN_PERSON, Person, build_roster, quarterly_targets,
)
from kpirules.sample_facts import Facts, generate_facts

DEFAULT_SEED = 2026
DEFAULT_OUT = "data/sample"
MAX_SAMPLE_BYTES = 2 * 1024 * 1024
# When the CSV files together pass MAX_SAMPLE_BYTES, this, the largest fact dataset,
# is written as Parquet instead.
LARGEST_FACT_DATASET = "calls"

# The datasets of rulesets/common.kpi, their columns and column types, in declared order.
# tests/test_sample.py checks this against the loaded scheme.
DATASETS: dict[str, tuple[tuple[str, str], ...]] = {
    "people": (
        ("person_id", "string"), ("name", "string"), ("role", "string"), ("team", "string"),
        ("manager_id", "string"), ("level", "string"), ("region", "string"),
        ("hired_on", "date"), ("left_on", "date"), ("target_incentive", "money"),
    ),
    "quarterly_targets": (("person_id", "string"), ("period", "string"), ("contract_amount", "money")),
    "calls": (
        ("call_id", "string"), ("agent_id", "string"), ("called_at", "timestamp"),
        ("duration_s", "integer"),
    ),
    "leads": (
        ("lead_id", "string"), ("owner_id", "string"), ("created_at", "date"),
        ("converted_at", "date"), ("status", "string"),
    ),
    "contracts": (
        ("contract_id", "string"), ("owner_id", "string"), ("customer_id", "string"),
        ("signed_on", "date"), ("amount", "money"),
    ),
    "invoices": (("invoice_id", "string"), ("owner_id", "string"), ("invoiced_on", "date"), ("amount", "money")),
    "payments": (("payment_id", "string"), ("owner_id", "string"), ("paid_on", "date"), ("amount", "money")),
    "visits": (
        ("visit_id", "string"), ("owner_id", "string"), ("customer_id", "string"),
        ("visited_on", "date"), ("new_customer", "boolean"),
    ),
    "milestones": (
        ("milestone_id", "string"), ("owner_id", "string"), ("due_on", "date"), ("completed_on", "date"),
    ),
    "surveys": (
        ("survey_id", "string"), ("owner_id", "string"), ("customer_id", "string"),
        ("answered_on", "date"), ("score", "integer"),
    ),
    "renewals": (
        ("renewal_id", "string"), ("owner_id", "string"), ("customer_id", "string"),
        ("due_on", "date"), ("renewed", "boolean"),
    ),
    "payout_adjustments": (
        ("person_id", "string"), ("period", "string"), ("amount", "money"), ("reason", "string"),
        ("approved_by", "string"),
    ),
}

ARROW_TYPES = {
    "string": pa.string(),
    "integer": pa.int64(),
    "money": pa.decimal128(14, 2),
    "date": pa.date32(),
    "timestamp": pa.timestamp("s"),
    "boolean": pa.bool_(),
}

# Record id prefix and digits per fact dataset; ids are given in date order.
RECORD_IDS = {
    "calls": ("CL", 7), "leads": ("LD", 6), "contracts": ("CT", 5), "invoices": ("INV", 6),
    "payments": ("PAY", 6), "visits": ("VS", 6), "milestones": ("MS", 5), "surveys": ("SV", 6),
    "renewals": ("RN", 5),
}


def money(cents: int | None) -> Decimal | None:
    """Integer cents as an exact two-decimal amount."""
    return None if cents is None else Decimal(cents).scaleb(-2)


def table(dataset: str, rows: list[tuple]) -> pa.Table:
    """Rows (in the dataset's column order) as an Arrow table with the declared types."""
    columns = DATASETS[dataset]
    values = list(zip(*rows)) if rows else [()] * len(columns)
    arrays = {}
    for (name, kind), column in zip(columns, values):
        if kind == "money":
            column = [money(v) for v in column]
        arrays[name] = pa.array(column, type=ARROW_TYPES[kind])
    return pa.table(arrays)


def with_record_ids(dataset: str, rows: list[tuple]) -> list[tuple]:
    """Sort fact rows by date, then person, and number them; the id goes first.

    The sort is stable and every row was produced in a fixed order, so the result
    depends only on the seed.
    """
    prefix, digits = RECORD_IDS[dataset]
    date_at = 2 if dataset in ("contracts", "visits", "surveys", "renewals") else 1
    ordered = sorted(rows, key=lambda r: (r[date_at], r[0]))
    return [(f"{prefix}{n:0{digits}d}", *row) for n, row in enumerate(ordered, start=1)]


def build_tables(seed: int = DEFAULT_SEED) -> dict[str, pa.Table]:
    """The whole sample company as Arrow tables, one per dataset, in declared order."""
    rng = random.Random(seed)
    people = build_roster(rng)
    facts: Facts = generate_facts(rng, people)
    tables = {
        "people": table("people", [roster_row(p) for p in people]),
        "quarterly_targets": table("quarterly_targets", quarterly_targets(rng, people)),
    }
    for dataset in RECORD_IDS:
        tables[dataset] = table(dataset, with_record_ids(dataset, facts.rows[dataset]))
    tables["payout_adjustments"] = table("payout_adjustments", list(ADJUSTMENTS))
    return {name: tables[name] for name in DATASETS}


def roster_row(person: Person) -> tuple:
    return (
        person.person_id, person.name, person.role, person.team, person.manager_id,
        person.level, person.region, person.hired_on, person.left_on, person.target_incentive,
    )


def csv_bytes(data: pa.Table) -> bytes:
    """UTF-8 CSV with a plain header, `\\n` line endings and no quoting.

    Sample values never contain commas, quotes or line breaks; pyarrow refuses to write
    one if a change ever introduces it, rather than writing a broken file.
    """
    sink = io.BytesIO()
    sink.write((",".join(data.column_names) + "\n").encode("utf-8"))
    options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
    pa_csv.write_csv(data, sink, options)
    return sink.getvalue()


def parquet_bytes(data: pa.Table) -> bytes:
    """Parquet with zstd; the record ids and timestamps (both in date order) delta-encoded.

    Delta encoding of the sorted columns more than halves the calls file.
    """
    delta = {data.column_names[0]: "DELTA_BYTE_ARRAY"}
    delta.update({f.name: "DELTA_BINARY_PACKED" for f in data.schema if pa.types.is_timestamp(f.type)})
    sink = pa.BufferOutputStream()
    pq.write_table(
        data, sink, compression="zstd", compression_level=19,
        use_dictionary=[name for name in data.column_names if name not in delta],
        column_encoding=delta,
    )
    return sink.getvalue().to_pybytes()


def sample_files(tables: dict[str, pa.Table]) -> dict[str, bytes]:
    """File name -> content for every dataset: CSV, or Parquet for calls when CSV is too big."""
    files = {f"{name}.csv": csv_bytes(data) for name, data in tables.items()}
    if sum(len(content) for content in files.values()) > MAX_SAMPLE_BYTES:
        del files[f"{LARGEST_FACT_DATASET}.csv"]
        files[f"{LARGEST_FACT_DATASET}.parquet"] = parquet_bytes(tables[LARGEST_FACT_DATASET])
    return {name: files[name] for name in sorted(files, key=lambda n: list(DATASETS).index(n.split(".")[0]))}


def existing_sample_files(out_dir: Path) -> list[Path]:
    """Files in out_dir a sample run would overwrite (either format of every dataset)."""
    return [
        out_dir / f"{name}.{suffix}"
        for name in DATASETS
        for suffix in ("csv", "parquet")
        if (out_dir / f"{name}.{suffix}").exists()
    ]


def generate(out_dir: Path, seed: int = DEFAULT_SEED, *, force: bool = False) -> list[Path]:
    """Write the sample company's datasets into out_dir; return the files written.

    Refuses (ConfigError) to overwrite existing sample files unless force is true; with
    force, a dataset's file in the other format (calls.csv when calls.parquet is written)
    is removed once the new files are in place. The files are written as a set
    (`write_files_atomic`): when one cannot be written, none is changed and the folders
    this call created are removed again; OSError names it.
    """
    out_dir = Path(out_dir)
    existing = existing_sample_files(out_dir)
    if existing and not force:
        shown = ", ".join(str(p) for p in existing[:3]) + (" ..." if len(existing) > 3 else "")
        message = (f"1 sample file already exists: {shown}" if len(existing) == 1
                   else f"{len(existing)} sample files already exist: {shown}")
        raise ConfigError(Diagnostic(
            "E090", message, help="pass --force to overwrite it, or choose another folder with --out" if len(existing) == 1
            else "pass --force to overwrite them, or choose another folder with --out",
        ))
    files = {out_dir / name: content for name, content in sample_files(build_tables(seed)).items()}
    created = [folder for folder in (out_dir, *out_dir.parents) if not folder.exists()]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        write_files_atomic(files)
    except OSError:
        for folder in created:  # deepest first; a folder someone else filled meanwhile stays
            try:
                folder.rmdir()
            except OSError:
                break
        raise
    # a dataset written in the other format by an earlier run (calls.csv beside the new
    # calls.parquet) would be read instead of the new file by a binding that names it
    for stale in existing:
        if stale not in files:
            stale.unlink(missing_ok=True)
    return list(files)


__all__ = [
    "DATASETS", "DEFAULT_OUT", "DEFAULT_SEED", "EXPORTED_ON", "MAX_SAMPLE_BYTES", "UNKNOWN_PERSON",
    "build_tables", "csv_bytes", "existing_sample_files", "generate", "sample_files",
]
