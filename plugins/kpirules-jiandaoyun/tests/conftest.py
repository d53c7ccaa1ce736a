"""Fixtures for the jiandaoyun tests: a project, and a local stand-in for the open API."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jiandaoyun_kit import CONTRACTS, FakeJiandaoyun, serving

from kpirules.testing import SourceProject, make_project


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def contracts_project(workdir: Path):
    """contracts_project(options, declaration=CONTRACTS): a project binding the declared dataset to jiandaoyun."""

    def make(options: dict, declaration: str = CONTRACTS) -> SourceProject:
        dataset = re.search(r"^dataset (\w+)", declaration, re.MULTILINE).group(1)
        return make_project(workdir, declaration, {dataset: {"source": "jiandaoyun", **options}},
                            timezone="Asia/Shanghai")

    return make


@pytest.fixture
def jiandaoyun():
    """A FakeJiandaoyun on 127.0.0.1, shut down after the test."""
    with serving(FakeJiandaoyun()) as fake:
        yield fake
