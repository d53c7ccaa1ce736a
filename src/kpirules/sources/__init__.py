"""Data sources: where a scheme's datasets come from, and how they are loaded into DuckDB.

`base` defines what a source is; each built-in source type is a module registered as a
default plugin (`kpirules.plugins.DEFAULT_PLUGINS`); `load` reads, converts and checks.
"""
