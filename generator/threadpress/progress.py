"""Progress for long runs (builds, imports): a bar on a terminal, then a one-line summary."""

from __future__ import annotations

import sys

WIDTH = 30


class Progress:
    """Items done / total as a bar on standard error when it is a terminal, and a summary line.

    The bar is for people watching; the summary line is for logs too (CI), so it is printed
    whether or not standard error is a terminal. `quiet` silences both.
    """

    def __init__(self, total: int, quiet: bool = False, unit: str = "threads") -> None:
        self.total, self.n, self.unit = total, 0, unit
        self.quiet = quiet
        self.tty = not quiet and sys.stderr.isatty()

    def step(self) -> None:
        self.n += 1
        if self.tty:
            filled = WIDTH * self.n // max(self.total, 1)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (WIDTH - filled)}] "
                             f"{self.n}/{self.total} {self.unit}")
            sys.stderr.flush()

    def clear(self) -> None:
        """Remove the bar (before printing something else, or when a later stage takes over)."""
        if self.tty and self.n:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

    def done(self, line: str) -> None:
        self.clear()
        if not self.quiet:
            print(line, file=sys.stderr)
