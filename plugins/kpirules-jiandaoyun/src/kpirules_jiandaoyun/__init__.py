"""kpirules-jiandaoyun: the `jiandaoyun` (简道云) data source for kpirules."""

__version__ = "0.1.0"
