"""Exports analysts can trust: CSV, XLSX and JSON writers, streaming, with a codebook.

Nothing here imports Flask: the command line, the workspace's background jobs and the tests call
the same functions with a database connection and a path.
"""
