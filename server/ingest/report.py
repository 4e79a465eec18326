"""What an import tells the user on stderr: each problem, then one summary line per file."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

# Problems listed per file; the rest are counted (SPEC section 4).
PROBLEM_LIMIT = 50


@dataclass
class FileReport:
    name: str
    rows: int = 0  # valid rows
    changed: int = 0  # rows that were new or differed from the stored ones
    rejected: int = 0  # invalid rows
    seconds: float = 0.0
    written: bool = False
    unchanged: bool = False  # the same bytes as its last import: not read again
    rejects: Path | None = None
    problems: list[str] = field(default_factory=list)
    problem_count: int = 0

    def problem(self, line: int, column: str, message: str) -> None:
        self.problem_count += 1
        if len(self.problems) < PROBLEM_LIMIT:
            self.problems.append(f"{self.name}:{line}: {column}: {message}")

    def print(self) -> None:
        for line in self.problems:
            _say(line)
        hidden = self.problem_count - len(self.problems)
        if hidden:
            _say(f"{self.name}: … and {hidden:,} more problems")
        _say(self.summary())

    def summary(self) -> str:
        rate = (self.rows + self.rejected) / self.seconds if self.seconds else 0.0
        if not self.written:
            return (
                f"{self.name}: not imported: {_rows(self.rejected)} invalid "
                f"of {self.rows + self.rejected:,}"
            )
        rejected = f"{self.rejected:,} rejected"
        if self.rejects is not None and self.rejected:
            rejected += f" (see {self.rejects})"
        if self.unchanged:
            rejected += ", unchanged since its last import"
        return (
            f"{self.name}: {_rows(self.rows)} imported ({self.changed:,} new or changed), "
            f"{rejected}, {rate:,.0f} rows/s"
        )


def skipped(name: str, missing: str) -> None:
    _say(f"{name}: not imported: it refers to {missing}, which was not imported")


def ignored(name: str) -> None:
    _say(f"{name}: ignored: not one of the files rapport imports")


def _rows(count: int) -> str:
    return f"{count:,} row" if count == 1 else f"{count:,} rows"


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)
