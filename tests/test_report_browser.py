"""`kpirules report` opened in a real headless Chromium: it renders, runs its script without
errors, shows every person's name, score and payout, and its screenshot is not blank.

Debian's `chromium` (and `fonts-noto-cjk` for the Chinese labels) are installed by
`.ci/run`. Without a browser the tests skip, except under CI (CI=true), where they fail:
a CI machine without the browser would otherwise pass without testing anything.
The expected figures come from `kpirules run --format json` of the same period.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from kpirules.cli import cli
from kpirules.report.html import page
from report_dom import parse

REPO = Path(__file__).resolve().parent.parent
CONFIG = str(REPO / "kpirules.toml")
PERIOD = "2026-03"


def find_chromium() -> str | None:
    """KPIRULES_TEST_CHROMIUM (set by .ci/run), Debian's chromium on the PATH, or where Debian puts it."""
    named = os.environ.get("KPIRULES_TEST_CHROMIUM")
    for candidate in ([named] if named else [shutil.which("chromium"), "/usr/bin/chromium"]):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        named = os.environ.get("KPIRULES_TEST_CHROMIUM")
        reason = (f"KPIRULES_TEST_CHROMIUM={named} is not an executable" if named else
                  "no headless browser: install Debian's chromium and fonts-noto-cjk (.ci/run does)")
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run the browser tests")
        pytest.skip(reason)
    return found


def browse(chromium: str, tmp_path: Path, url: str, *extra: str) -> subprocess.CompletedProcess:
    """Run the browser once, headless, with its own profile (nothing is fetched: the pages are files)."""
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--hide-scrollbars", "--force-device-scale-factor=1", f"--user-data-dir={profile}", *extra, url],
        capture_output=True, text=True, timeout=180, check=False,
    )


def dump_dom(chromium: str, tmp_path: Path, html_file: Path):
    """The DOM after the page's scripts ran, parsed."""
    done = browse(chromium, tmp_path, html_file.as_uri(), "--dump-dom")
    assert done.returncode == 0 and "<html" in done.stdout, done.stderr[-2000:]
    return parse(done.stdout)


def screenshot(chromium: str, tmp_path: Path, html_file: Path, name: str, size: str = "1280,2400") -> Path:
    shot = tmp_path / name
    done = browse(chromium, tmp_path, html_file.as_uri(), f"--screenshot={shot}", f"--window-size={size}")
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    return shot


def is_blank(png: Path) -> bool:
    """A screenshot with almost no colours or no variation shows nothing."""
    from PIL import Image, ImageStat

    with Image.open(png) as image:
        rgb = image.convert("RGB")
        colours = rgb.getcolors(maxcolors=1 << 20) or []
        spread = max(ImageStat.Stat(rgb).stddev)
    return len(colours) < 50 or spread < 10


def invoke(*args: str):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def people() -> list[dict]:
    return json.loads(invoke("run", "--config", CONFIG, "--period", PERIOD, "--format", "json").stdout)["people"]


def test_the_report_renders_with_everyone_and_no_script_errors(chromium, tmp_path, people):
    out = tmp_path / "report.html"
    invoke("report", "--config", CONFIG, "--period", PERIOD, "-o", str(out))
    dom = dump_dom(chromium, tmp_path, out)
    root = dom.one("html")
    assert root.attrs.get("data-script-errors") == "", root.attrs.get("data-script-errors")
    assert root.attrs.get("data-ready") == "1"  # the page's script ran to its end
    assert not dom.one("input", cls="filter").attrs.get("hidden", None)  # ... and showed the filter box
    assert len(people) == 58
    for p in people:
        section = dom.one("section", cls="statement", data_person=p["person_id"])
        assert section.one(cls="name").text == p["name"]
        assert section.one(cls="score").text == p["total_score"]
        assert section.one(cls="payout").text == f"{format(Decimal(p['payout']['total']), ',f')} CNY"
    shot = screenshot(chromium, tmp_path, out, "report.png")
    assert not is_blank(shot), f"the screenshot {shot} is blank"


def test_a_chinese_statement_renders(chromium, tmp_path):
    if shutil.which("fc-list"):
        fonts = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
        assert fonts.strip(), "no font covers Chinese: install fonts-noto-cjk, or the labels render as boxes"
    invoke("report", "--config", CONFIG, "--period", PERIOD, "--lang", "zh", "-o", str(tmp_path / "r.html"),
           "--per-person", str(tmp_path / "st"))
    statement = tmp_path / "st" / "P043.html"
    dom = dump_dom(chromium, tmp_path, statement)
    assert dom.one("html").attrs.get("data-script-errors") == ""
    assert "新签大客户数" in dom.one("table", cls="kpis").text  # the scheme's label as written
    assert not is_blank(screenshot(chromium, tmp_path, statement, "zh.png", "1280,1000"))


def test_the_checks_can_fail(chromium, tmp_path):
    # a page that breaks (a script error, a request the policy blocks) is caught, and a
    # blank page's screenshot is blank: the assertions above are not vacuous
    broken = tmp_path / "broken.html"
    broken.write_text(page("broken", '<script>undefinedFunction();</script><img src="https://example.com/x.png">', "en"),
                      encoding="utf-8")
    errors = dump_dom(chromium, tmp_path, broken).one("html").attrs.get("data-script-errors", "")
    assert "undefinedFunction" in errors
    assert "example.com" in errors
    blank = tmp_path / "blank.html"
    blank.write_text("<!DOCTYPE html><html><body></body></html>", encoding="utf-8")
    assert is_blank(screenshot(chromium, tmp_path, blank, "blank.png", "800,600"))


#: Added by the test below after the page's own scripts: how far the statement's KPI table
#: reaches past the window's right edge (0 when it fits), and the page's horizontal overflow.
MEASURE = """<script>
var table = document.querySelector("table.kpis"), root = document.documentElement;
root.setAttribute("data-table-overflow", Math.max(0, Math.ceil(table.getBoundingClientRect().right - root.clientWidth)));
root.setAttribute("data-page-overflow", root.scrollWidth - root.clientWidth);
</script>"""


def test_a_statement_fits_an_a4_page_width(chromium, tmp_path):
    # 794 px is an A4 page's width at 96 dpi; P043 (key-account manager, June 2026) has the
    # widest KPI table of the sample: long "Points" sums and score rules (found by looking)
    invoke("report", "--config", CONFIG, "--period", "2026-06", "-o", str(tmp_path / "r.html"),
           "--per-person", str(tmp_path / "st"))
    measured = tmp_path / "P043.html"
    html = (tmp_path / "st" / "P043.html").read_text(encoding="utf-8")
    measured.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    done = browse(chromium, tmp_path, measured.as_uri(), "--dump-dom", "--window-size=794,1400")
    assert done.returncode == 0, done.stderr[-2000:]
    root = parse(done.stdout).one("html")
    assert root.attrs.get("data-script-errors") == "", root.attrs.get("data-script-errors")
    assert root.attrs["data-table-overflow"] == "0" and root.attrs["data-page-overflow"] == "0"
    assert not is_blank(screenshot(chromium, tmp_path, tmp_path / "st" / "P043.html", "a4.png", "794,1400"))
