"""kpirules-salesforce: the `salesforce_report` data source for kpirules."""

__version__ = "0.1.0"
