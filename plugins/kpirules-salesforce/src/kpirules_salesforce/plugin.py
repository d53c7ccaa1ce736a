"""The kpirules plugin: registers the `salesforce_report` source, as the built-in sources register theirs."""

from __future__ import annotations

from kpirules.hookspecs import hookimpl

from kpirules_salesforce.source import SalesforceReportSource


@hookimpl
def register_sources(register):
    register(SalesforceReportSource)
