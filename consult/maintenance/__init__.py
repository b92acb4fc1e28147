"""Keeping the data safe: backups, restores, moving a database between SQLite and PostgreSQL."""
