"""The kpirules plugin: registers the `jiandaoyun` source and its messages in Chinese."""

from __future__ import annotations

from pathlib import Path

from kpirules.hookspecs import hookimpl

from kpirules_jiandaoyun.source import JiandaoyunSource


@hookimpl
def register_sources(register):
    register(JiandaoyunSource)


@hookimpl
def register_catalogs(register):
    """Its messages in Chinese, for `kpirules --lang zh`."""
    register("zh", Path(__file__).with_name("i18n_zh.toml"))
