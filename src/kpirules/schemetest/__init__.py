"""Scheme tests: cases in `*.kpitest.toml` files, run through the real engine (docs/testing.md).

`kpirules test` (kpirules.cli.schemetest) and the pytest plugin (kpirules.pytest_plugin)
both use `kpirules.schemetest.suite`: read the files, run each case, work out coverage.
"""
