"""What is wrong with a plan file, located by line, in the `FILE:LINE: message` form."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One error in a plan file. Lines count from 1, as editors and CI annotations do."""

    line: int
    message: str

    def format(self, filename: str) -> str:
        return f"{filename}:{self.line}: {self.message}"


class PlanInvalid(Exception):
    """The plan was rejected whole; `problems` lists every error found, in file order."""

    def __init__(self, problems: Iterable[Problem], filename: str = "<plan>") -> None:
        # Stable sort: problems on one line keep the order they were found in.
        self.problems = sorted(problems, key=lambda problem: problem.line)
        self.filename = filename
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [problem.format(self.filename) for problem in self.problems]
