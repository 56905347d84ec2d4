"""How well the deliverable-vs-outcome classifier does on the corpus of published key results.

    python -m okrs.coach.evaluate                 # the figures of every part
    python -m okrs.coach.evaluate --misses dev    # and every miss of the development part

The corpus (tests/coach/corpus/key_results.csv) holds key results that organisations and OKR
libraries published, each with its source and a label; its README says how it was collected
and labelled. Of the first 600, a row's part (`dev` or `held_out`) is fixed by a hash of its
text, so nobody chose which key results the rules are judged on; "all" is those 600, which the
rules may be built on now that the first held-out figures have been reported. `held_out_2` was
collected later, from other sources, `held_out_3` after `held_out_2` had been scored and
looked at, from another source again, and `held_out_4` after that, from thirteen more. The
figures are for flagging deliverables: precision is how often a flag is right, recall how many
deliverables are flagged, and the outcome flag rate how many outcomes are wrongly flagged.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from okrs.coach.classify import DELIVERABLE, OUTCOME, classify

CORPUS = Path(__file__).resolve().parents[2] / "tests" / "coach" / "corpus" / "key_results.csv"
DEV = "dev"
HELD_OUT = "held_out"
# Collected after the first held-out figures were reported, from other sources; not hashed.
HELD_OUT_2 = "held_out_2"
# Collected after the second one's figures were reported, from another source again.
HELD_OUT_3 = "held_out_3"
# Collected after the third one's figures were reported, from thirteen other sources.
HELD_OUT_4 = "held_out_4"
# Collected after the fourth one's figures were reported, from seventeen other sources.
HELD_OUT_5 = "held_out_5"
# Collected after the fifth one's figures were reported, from sources none of the others come from.
HELD_OUT_6 = "held_out_6"
# Collected after the sixth one was committed, from sources none of the others come from.
HELD_OUT_7 = "held_out_7"
# One row in four is held out: the hash of its text, not a person, decides which.
HELD_OUT_EVERY = 4


@dataclass(frozen=True)
class Example:
    text: str
    source: str
    label: str
    split: str


@dataclass(frozen=True)
class Scores:
    size: int
    deliverables: int
    outcomes: int
    true_flags: int  # deliverables flagged
    false_flags: int  # outcomes flagged
    misses: tuple[str, ...]  # one line per wrong verdict, with the reason given

    @property
    def precision(self) -> float:
        flagged = self.true_flags + self.false_flags
        return self.true_flags / flagged if flagged else 0.0

    @property
    def recall(self) -> float:
        return self.true_flags / self.deliverables if self.deliverables else 0.0

    @property
    def outcome_flag_rate(self) -> float:
        return self.false_flags / self.outcomes if self.outcomes else 0.0


def split_of(text: str) -> str:
    """The part a key result belongs to, from its text alone (case and spacing ignored)."""
    key = " ".join(text.lower().split()).encode("utf-8")
    digest = int(hashlib.sha256(key).hexdigest(), 16)
    return HELD_OUT if digest % HELD_OUT_EVERY == 0 else DEV


def load(path: Path = CORPUS) -> list[Example]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [Example(**row) for row in csv.DictReader(handle)]


def score(examples: Iterable[Example]) -> Scores:
    size = deliverables = outcomes = true_flags = false_flags = 0
    misses = []
    for example in examples:
        size += 1
        verdict = classify(example.text)
        flagged = verdict.label == DELIVERABLE
        if example.label == DELIVERABLE:
            deliverables += 1
            true_flags += flagged
            if not flagged:
                misses.append(f"missed a deliverable: {example.text!r} ({verdict.reason})")
        else:
            outcomes += 1
            false_flags += flagged
            if flagged:
                misses.append(f"flagged an outcome: {example.text!r} ({verdict.reason})")
    return Scores(size, deliverables, outcomes, true_flags, false_flags, tuple(misses))


def report(examples: Sequence[Example]) -> dict[str, Scores]:
    return {
        "all": score(e for e in examples if e.split in (DEV, HELD_OUT)),
        DEV: score(e for e in examples if e.split == DEV),
        HELD_OUT: score(e for e in examples if e.split == HELD_OUT),
        HELD_OUT_2: score(e for e in examples if e.split == HELD_OUT_2),
        HELD_OUT_3: score(e for e in examples if e.split == HELD_OUT_3),
        HELD_OUT_4: score(e for e in examples if e.split == HELD_OUT_4),
        HELD_OUT_5: score(e for e in examples if e.split == HELD_OUT_5),
        HELD_OUT_6: score(e for e in examples if e.split == HELD_OUT_6),
        HELD_OUT_7: score(e for e in examples if e.split == HELD_OUT_7),
    }


def _line(name: str, scores: Scores) -> str:
    return (
        f"{name:<10} {scores.size:>4} key results ({scores.deliverables} deliverables, "
        f"{scores.outcomes} outcomes): precision {scores.precision:.3f}, recall "
        f"{scores.recall:.3f}, outcomes flagged {scores.outcome_flag_rate:.1%} "
        f"({scores.false_flags} of {scores.outcomes})"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m okrs.coach.evaluate", description=__doc__)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument(
        "--misses",
        choices=(
            DEV,
            HELD_OUT,
            HELD_OUT_2,
            HELD_OUT_3,
            HELD_OUT_4,
            HELD_OUT_5,
            HELD_OUT_6,
            HELD_OUT_7,
        ),
        help="also list the wrong verdicts of this part",
    )
    args = parser.parse_args(argv)
    examples = load(args.corpus)
    figures = report(examples)
    for name, scores in figures.items():
        print(_line(name, scores))
    if args.misses:
        for line in figures[args.misses].misses:
            print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "DELIVERABLE",
    "HELD_OUT_2",
    "HELD_OUT_3",
    "HELD_OUT_4",
    "HELD_OUT_5",
    "HELD_OUT_6",
    "HELD_OUT_7",
    "OUTCOME",
    "Example",
    "Scores",
    "load",
    "report",
    "score",
    "split_of",
]
