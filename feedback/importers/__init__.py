"""File imports of feedback: row-level responses from CSV/XLSX, and NHS England's published FFT workbooks.

The parsers (`mapping`, `rows`, `nhse`, and the shared `insight_hub.imports.tabular`) are pure functions
of files and values, so they can be property-tested
without a database; `writers` and `services` do the database work.
"""
