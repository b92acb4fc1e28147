"""Reading stored responses as data frames: shared by outcomes, exports, the CLI and tests.

Nothing in this package imports Flask.
"""
