"""Errors that tell a planner exactly where their input is wrong."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DataError", "ErrorLocation", "ScenarioError", "OutputError", "UsageError", "raise_all"]


@dataclass(frozen=True)
class ErrorLocation:
    """Where a bad value sits: file, row, column.

    ``file`` names the file, and for an .xlsx also the sheet (``t.xlsx [sheet 月调度表]``).
    ``row`` is the row as an editor or Excel shows it: the header is row 1, and
    blank lines count, so the number can be typed into "go to line" or the Excel
    name box.
    """

    file: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)


class DataError(ValueError):
    """Bad input data.

    The message reads ``FILE, row R, column 'C': got 'V'; expected E``.
    Several problems can be reported at once: ``problems`` keeps each line shown,
    ``total`` the true number of problems (more than shown when the list was cut),
    ``hint`` an optional closing line that is not itself a problem.
    """

    def __init__(self, problems: list[str] | str, total: int | None = None, hint: str | None = None):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else total
        self.hint = hint
        head = f"{self.total} problem(s) in the input data:\n" if self.total > 1 else ""
        tail = f"\nhint: {hint}" if hint else ""
        super().__init__(head + "\n".join(self.problems) + tail)

    @staticmethod
    def describe(where: ErrorLocation, value: object, expected: str) -> str:
        """Format one problem line."""
        return f"{where}: got {value!r}; expected {expected}"


class ScenarioError(ValueError):
    """A scenario file names an unknown key, a wrong type or an out-of-range value."""


class OutputError(ValueError):
    """An output path that cannot be written safely (names the path and the reason)."""


class UsageError(ValueError):
    """A command-line flag whose value the command cannot use."""


def raise_all(problems: list[str], limit: int = 50, hint: str | None = None) -> None:
    """Raise one :class:`DataError` listing every problem (first ``limit`` shown).

    Parameters
    ----------
    problems : list of str
        One line per problem; nothing is raised when empty.
    limit : int
        At most this many lines are shown; the header still counts all of them.
    hint : str, optional
        A closing line (what to do), not counted as a problem.
    """
    if not problems:
        return
    shown = problems[:limit]
    if len(problems) > limit:
        shown.append(f"... and {len(problems) - limit} more problem(s)")
    raise DataError(shown, total=len(problems), hint=hint)
