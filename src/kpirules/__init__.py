"""kpirules: sales KPI schemes as code: a language, a linter and an evaluator."""

__version__ = "0.1.0"
