"""Rate-limit counters shared by every worker and host: a limits storage in the database."""
