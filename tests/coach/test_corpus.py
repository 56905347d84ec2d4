"""The deliverable-vs-outcome classifier on a labelled corpus of key results as people write them.

corpus.yaml was written before the rules; its `held_out` part was never used to tune them.
Precision and recall are for the "deliverable" class: precision is how often a flag is right,
recall how many of the deliverables get flagged. `pytest -s` shows the numbers.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from okrs.coach.classify import DELIVERABLE, classify

CORPUS = yaml.safe_load((Path(__file__).parent / "corpus.yaml").read_text(encoding="utf-8"))
FLOOR = 0.95


def _scores(rows: list[list[str]]) -> tuple[float, float, list[str]]:
    true_pos = false_pos = false_neg = 0
    wrong = []
    for label, text in rows:
        verdict = classify(text)
        if verdict.label == DELIVERABLE and label == DELIVERABLE:
            true_pos += 1
        elif verdict.label == DELIVERABLE:
            false_pos += 1
            wrong.append(f"flagged an outcome: {text!r} ({verdict.reason})")
        elif label == DELIVERABLE:
            false_neg += 1
            wrong.append(f"missed a deliverable: {text!r} ({verdict.reason})")
    precision = true_pos / (true_pos + false_pos) if true_pos + false_pos else 0.0
    recall = true_pos / (true_pos + false_neg) if true_pos + false_neg else 0.0
    return precision, recall, wrong


def test_the_corpus_is_big_enough_and_has_a_held_out_part() -> None:
    everything = CORPUS["tune"] + CORPUS["held_out"]
    assert len(everything) >= 200
    assert len(CORPUS["held_out"]) >= 0.25 * len(everything)
    labels = {label for label, _ in everything}
    assert labels == {"deliverable", "outcome"}
    texts = [text.lower() for _, text in everything]
    assert len(texts) == len(set(texts)), "a key result is in the corpus twice"


def test_precision_and_recall_on_the_corpus() -> None:
    everything = CORPUS["tune"] + CORPUS["held_out"]
    precision, recall, wrong = _scores(everything)
    held_precision, held_recall, _ = _scores(CORPUS["held_out"])
    print(
        f"\ncoach corpus ({len(everything)} key results): deliverable precision "
        f"{precision:.3f}, recall {recall:.3f}"
    )
    print(
        f"held out ({len(CORPUS['held_out'])}, never tuned on): precision "
        f"{held_precision:.3f}, recall {held_recall:.3f}"
    )
    for line in wrong:
        print("  " + line)
    assert precision >= FLOOR, wrong
    assert recall >= FLOOR, wrong
