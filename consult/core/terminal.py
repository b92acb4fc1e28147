"""Printing to a person at a terminal: secrets (a one-time password) only where no log keeps them.

A foundation module (no Flask): the application's command line and every feature's commands
print through it, so that a feature need not import the application's CLI.
"""

from __future__ import annotations

import sys

import click


class Secret(str):
    """A line holding a secret (a password): shown in a terminal only, never into a file or
    pipe, where a log would keep it (see echo_lines)."""

    #: What is printed instead when the output is not a terminal.
    withheld: str = "(a secret not shown: this output is not a terminal and may be kept in a log)"

    def __new__(cls, text: str, withheld: str | None = None) -> Secret:
        line = super().__new__(cls, text)
        if withheld is not None:
            line.withheld = withheld
        return line


def is_terminal(err: bool = False) -> bool:
    """Tell whether standard output (or error) is a terminal a person reads, not a log."""
    stream = sys.stderr if err else sys.stdout
    return stream.isatty()


def echo_lines(lines: list[str], *, err: bool = False) -> None:
    """Print lines, each Secret only to a terminal (its ``withheld`` text elsewhere).

    Every command prints what init steps and account commands return through here, so that a
    password never reaches a log file, a CI transcript or a service manager's journal.
    """
    terminal = is_terminal(err)
    for line in lines:
        shown = line.withheld if isinstance(line, Secret) and not terminal else line
        click.echo(shown, err=err)
