"""DuckDB warehouse: migrations, connections (one writer, many readers), writes and the SQL surface.

Every SQL statement that writes lives in this package.
"""
