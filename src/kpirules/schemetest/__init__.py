"""Scheme tests: cases in `*.kpitest.toml` files, run through the real engine (docs/testing.md).

`kpirules test` (kpirules.cli.schemetest) and the pytest plugin (kpirules.pytest_plugin)
both use `kpirules.schemetest.suite`: read the files, run each case, work out coverage.
This module stays free of imports so the pytest plugin costs nothing in other test suites.
"""

#: How a scheme test file's name ends.
SUFFIX = ".kpitest.toml"
