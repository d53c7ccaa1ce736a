"""The kpirules plugin: registers the `jiandaoyun` source, as the built-in sources register theirs."""

from __future__ import annotations

from kpirules.hookspecs import hookimpl

from kpirules_jiandaoyun.source import JiandaoyunSource


@hookimpl
def register_sources(register):
    register(JiandaoyunSource)
