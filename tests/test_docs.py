"""The documentation's examples work exactly as shown, and its error table is complete.

Every fenced block in docs/*.md tagged `kpi` must load with `kpirules.model.load_scheme`;
every block tagged `kpi-error` must be refused with exactly the error codes its first line
names (`# error: E202` or `# error: E250, E251`). A block is checked as `example.kpi` in a
scratch folder next to a copy of docs/examples/common.kpi (the prelude the docs describe),
unless it declares its own `scheme` header, in which case it is checked alone. The lint
rule examples of docs/rules.md that `import "prelude.kpi"` get their own prelude,
docs/rules-prelude.kpi, instead.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from kpirules.errors import SchemeError
from kpirules.model import load_scheme
from kpirules.report.diagnostics import render_all

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
LANGUAGE = DOCS / "language.md"
PRELUDE = DOCS / "examples" / "common.kpi"
#: Examples that import one of these names are checked next to that file instead of PRELUDE.
OTHER_PRELUDES = {"prelude.kpi": DOCS / "rules-prelude.kpi"}
SOURCE = REPO / "src" / "kpirules"
GRAMMAR = SOURCE / "lang" / "kpi.lark"

EXAMPLE_TAGS = ("kpi", "kpi-error")
FENCE = re.compile(r"^(?P<indent> {0,3})```(?P<info>[^`]*)$")
EXPECTED_CODES = re.compile(r"^#\s*error:\s*(?P<codes>E\d{3}(?:\s*,\s*E\d{3})*)\s*$")
IMPORT = re.compile(r'^\s*import\s+"([^"]+)"', re.MULTILINE)
DECLARES_SCHEME = re.compile(r"^\s*scheme\s+[^\s{]", re.MULTILINE)
CODE_LITERAL = re.compile(r"""["'](E\d{3})["']""")
TABLE_CODE = re.compile(r"^\|\s*`?(E\d{3})`?\s*\|", re.MULTILINE)


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int  # line of the opening fence, 1-based
    tag: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.doc.name}:{self.line}"


def fenced_blocks(doc: Path) -> list[Block]:
    """Every fenced code block of a Markdown file, with its info string and first line."""
    blocks: list[Block] = []
    opened: tuple[int, str] | None = None
    body: list[str] = []
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), start=1):
        match = FENCE.match(line)
        if opened is None:
            if match:
                opened, body = (number, match["info"].strip()), []
        elif match and not match["info"].strip():
            blocks.append(Block(doc, opened[0], opened[1], "\n".join(body) + "\n"))
            opened = None
        else:
            body.append(line)
    if opened is not None:
        raise AssertionError(f"{doc.name}:{opened[0]}: code block is never closed")
    return blocks


def example_blocks() -> list[Block]:
    return [
        block
        for doc in sorted(DOCS.glob("*.md"))
        for block in fenced_blocks(doc)
        if block.tag in EXAMPLE_TAGS
    ]


def load_example(block: Block, folder: Path):
    """Load a block as the docs promise: next to the prelude unless it declares a scheme."""
    imported = set(IMPORT.findall(block.text))
    others = {name: path for name, path in OTHER_PRELUDES.items() if name in imported}
    for name, path in others.items():
        shutil.copy(path, folder / name)
    if not others and not DECLARES_SCHEME.search(block.text):
        shutil.copy(PRELUDE, folder / "common.kpi")
    (folder / "example.kpi").write_text(block.text, encoding="utf-8")
    return load_scheme([folder])


EXAMPLES = example_blocks()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scratch folder that is also the working directory, so messages name `example.kpi`."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("block", [b for b in EXAMPLES if b.tag == "kpi"], ids=lambda b: b.id)
def test_kpi_example_is_a_valid_scheme(block: Block, workdir: Path) -> None:
    try:
        load_example(block, workdir)
    except SchemeError as exc:
        pytest.fail(f"{block.id}: the example does not load:\n{render_all(exc.diagnostics)}")


@pytest.mark.parametrize("block", [b for b in EXAMPLES if b.tag == "kpi-error"], ids=lambda b: b.id)
def test_kpi_error_example_fails_with_the_codes_it_names(block: Block, workdir: Path) -> None:
    first_line = block.text.splitlines()[0] if block.text.strip() else ""
    named = EXPECTED_CODES.match(first_line)
    assert named, f"{block.id}: a kpi-error block starts with `# error: E...`, not {first_line!r}"
    expected = {code.strip() for code in named["codes"].split(",")}
    with pytest.raises(SchemeError) as raised:
        load_example(block, workdir)
    found = {d.code for d in raised.value.diagnostics}
    assert found == expected, (
        f"{block.id}: expected {sorted(expected)}, got:\n{render_all(raised.value.diagnostics)}"
    )
    # the contract of every error: where, what, and what to do instead
    silent = [d for d in raised.value.diagnostics if not d.help]
    assert not silent, f"{block.id}: no help line:\n{render_all(silent)}"


def test_every_code_fence_that_looks_like_an_example_is_checked() -> None:
    # a misspelt tag (`kpi-err`, `KPI`) would silently skip the example
    for doc in sorted(DOCS.glob("*.md")):
        for block in fenced_blocks(doc):
            if block.tag.lower().startswith("kpi"):
                assert block.tag in EXAMPLE_TAGS, f"{block.id}: unknown example tag {block.tag!r}"


def test_the_language_reference_has_examples_of_both_kinds() -> None:
    # guards the block extraction itself: the reference has dozens of each
    tags = [b.tag for b in EXAMPLES if b.doc == LANGUAGE]
    assert tags.count("kpi") >= 15
    assert tags.count("kpi-error") >= 30


def test_the_prelude_loads_on_its_own() -> None:
    scheme = load_scheme([PRELUDE])
    assert scheme.header.currency == "CNY"
    assert scheme.header.period == "month"
    roster = scheme.roster
    assert roster is not None and {"hire_date", "manager"} <= roster.bindings.keys()
    assert roster.columns["target_incentive"].type == "money"
    assert any(d.kind == "targets" for d in scheme.datasets.values())


def _codes_in_source() -> set[str]:
    return {
        code
        for path in SOURCE.rglob("*.py")
        for code in CODE_LITERAL.findall(path.read_text(encoding="utf-8"))
    }


def test_every_error_code_in_the_source_is_in_the_error_table() -> None:
    table = set(TABLE_CODE.findall(LANGUAGE.read_text(encoding="utf-8")))
    missing = sorted(_codes_in_source() - table)
    assert not missing, f"add these codes to the error table of docs/language.md: {missing}"


def test_every_code_in_the_error_table_exists_in_the_source() -> None:
    table = set(TABLE_CODE.findall(LANGUAGE.read_text(encoding="utf-8")))
    stale = sorted(table - _codes_in_source())
    assert not stale, f"the error table of docs/language.md lists codes nothing raises: {stale}"


def test_every_keyword_of_the_grammar_is_documented() -> None:
    keywords = re.findall(r'^[A-Z_]+(?:\.\d+)?:\s*"([a-z_]+)"\s*$', GRAMMAR.read_text(encoding="utf-8"), re.MULTILINE)
    assert len(keywords) > 50, "the grammar's keyword terminals were not found"
    text = LANGUAGE.read_text(encoding="utf-8")
    quoted = set(re.findall(r"`([a-z_]+)`", text))
    missing = sorted(set(keywords) - quoted)
    assert not missing, f"keywords of kpi.lark not documented in docs/language.md: {missing}"


def test_links_inside_the_language_reference_resolve() -> None:
    text = LANGUAGE.read_text(encoding="utf-8")
    for target, anchor in re.findall(r"\]\(([^)#\s]*)(?:#([^)\s]+))?\)", text):
        doc = (LANGUAGE.parent / target) if target else LANGUAGE
        assert doc.exists(), f"docs/language.md links to a missing file: {target}"
        if anchor and doc.suffix == ".md":
            assert anchor in _anchors(doc), f"docs/language.md links to a missing section: {target}#{anchor}"


def _anchors(doc: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    anchors = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*$", doc.read_text(encoding="utf-8"), re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


def test_the_pacing_json_keys_are_all_documented() -> None:
    # docs/pacing.md §8 lists the keys of `kpirules run --as-of ... --format json`: the top
    # level, each person's and each KPI's; the sample company is read as the docs' example is
    import json

    from click.testing import CliRunner

    from kpirules.cli import cli

    result = CliRunner().invoke(cli, ["run", "--config", str(REPO / "kpirules.toml"), "--as-of", "2026-12-10",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    person = data["people"][0]
    keys = set(data) | set(person) | set(person["kpis"][0])
    section = (DOCS / "pacing.md").read_text(encoding="utf-8").split("## 8. Output")[1].split("## 9.")[0]
    json_part = section.split("**json**")[1].split("**csv**")[0]
    documented = set(re.findall(r"`(\w+)`", json_part)) | {"manifest"}  # "the run manifest" in words
    assert sorted(keys - documented) == []


def _documented_keys(section: str) -> set[str]:
    """The names in the first cell of each row of a section's tables."""
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`(\w+)`", line.split("|")[1]))
    return names


def test_every_key_and_column_of_the_run_output_is_documented() -> None:
    # docs/output.md has a table for each level of `kpirules run --format json` (the run, each
    # person, each KPI, the payout) and for the CSV's columns; a key the program writes and
    # the tables do not name (or the other way round) fails here
    import csv
    import io
    import json

    from click.testing import CliRunner

    from kpirules.cli import cli

    config = str(REPO / "kpirules.toml")
    doc = (DOCS / "output.md").read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["run", "--config", config, "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    person = data["people"][0]
    paid = next(p for p in data["people"] if p["payout"])
    json_part = doc.split("## `json`")[1].split("## `jsonl`")[0]
    run_keys, person_keys, kpi_keys, payout_keys = (
        _documented_keys(part) for part in re.split(r"\nEach item of `people`:|\nEach item of `kpis`:|\n`payout`:",
                                                    json_part))
    assert set(data) == run_keys
    assert set(person) == person_keys
    assert set(person["kpis"][0]) == kpi_keys
    assert set(paid["payout"]) == payout_keys
    result = CliRunner().invoke(cli, ["run", "--config", config, "--format", "csv"])
    header = next(csv.reader(io.StringIO(result.stdout)))
    assert set(header) == _documented_keys(doc.split("## `csv`")[1].split("## `json`")[0])
