"""Presenting results to people: diagnostics, tables, statements."""
