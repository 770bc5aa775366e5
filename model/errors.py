"""Errors that tell a planner exactly where their input is wrong."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DataError", "ErrorLocation", "ScenarioError", "raise_all"]


@dataclass(frozen=True)
class ErrorLocation:
    """Where a bad value sits: file, 1-based data row (header excluded), column."""

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
    Several problems can be reported at once: ``problems`` keeps each line.
    """

    def __init__(self, problems: list[str] | str):
        if isinstance(problems, str):
            problems = [problems]
        self.problems = list(problems)
        head = f"{len(self.problems)} problem(s) in the input data:\n" if len(self.problems) > 1 else ""
        super().__init__(head + "\n".join(self.problems))

    @staticmethod
    def describe(where: ErrorLocation, value: object, expected: str) -> str:
        """Format one problem line."""
        return f"{where}: got {value!r}; expected {expected}"


class ScenarioError(ValueError):
    """A scenario file names an unknown key, a wrong type or an out-of-range value."""


def raise_all(problems: list[str], limit: int = 50) -> None:
    """Raise one :class:`DataError` listing every problem (first ``limit`` shown)."""
    if not problems:
        return
    shown = problems[:limit]
    if len(problems) > limit:
        shown.append(f"... and {len(problems) - limit} more problem(s)")
    raise DataError(shown)
