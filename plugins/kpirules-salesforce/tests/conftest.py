"""Fixtures for the salesforce_report tests: a project, and a local stand-in for Salesforce."""

from __future__ import annotations

from pathlib import Path

import pytest
from salesforce_kit import DEALS, FakeSalesforce, serving

from kpirules.testing import SourceProject, make_project


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def deals_project(workdir: Path):
    """deals_project(options, declaration=DEALS): a project binding `deals` to salesforce_report."""

    def make(options: dict, declaration: str = DEALS) -> SourceProject:
        # the fixture org's currency is USD: its amounts are summed as the scheme's only in a USD scheme
        return make_project(workdir, declaration, {"deals": {"source": "salesforce_report", **options}},
                            timezone="Asia/Shanghai", currency="USD")

    return make


@pytest.fixture
def salesforce():
    """A FakeSalesforce on 127.0.0.1, shut down after the test."""
    with serving(FakeSalesforce()) as fake:
        yield fake
