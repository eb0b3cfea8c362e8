"""Storage: typed tables, engine and sessions, migrations, queries."""
