"""The classifier on key results that organisations published (tests/coach/corpus/).

The development part is what the rules were improved on; the held-out part was scored once,
after the rules were final (docs/coach.md). Its floors below are those figures, so a change
that makes the coach worse on key results it was never tuned on fails here.
"""

from __future__ import annotations

from okrs.coach.evaluate import CORPUS, DEV, HELD_OUT, HELD_OUT_2, load, report, split_of

EXAMPLES = load(CORPUS)
FIGURES = report(EXAMPLES)


def test_the_corpus_is_real_sized_sourced_and_split_by_the_hash_of_each_text() -> None:
    assert len(EXAMPLES) >= 500
    assert {example.label for example in EXAMPLES} == {"deliverable", "outcome"}
    assert all(example.source.startswith(("http://", "https://")) for example in EXAMPLES)
    texts = [" ".join(example.text.lower().split()) for example in EXAMPLES]
    assert len(texts) == len(set(texts)), "a key result is in the corpus twice"
    first = [example for example in EXAMPLES if example.split != HELD_OUT_2]
    # Nobody chose the first held-out rows: each row's part is the one its text hashes to.
    assert all(example.split == split_of(example.text) for example in first)
    held_out = sum(example.split == HELD_OUT for example in first)
    assert held_out >= 0.2 * len(first)
    # The fresh part, collected later from other sources (the corpus README).
    fresh = [example for example in EXAMPLES if example.split == HELD_OUT_2]
    assert len(fresh) >= 150
    assert {example.source for example in fresh}.isdisjoint(e.source for e in first)


def test_on_the_development_part_flags_are_right_and_outcomes_are_left_alone() -> None:
    dev = FIGURES[DEV]
    assert dev.precision >= 0.95, dev.misses
    assert dev.recall >= 0.95, dev.misses
    assert dev.outcome_flag_rate <= 0.05, dev.misses


def test_the_held_out_figures_do_not_drop_below_those_reported() -> None:
    held_out = FIGURES[HELD_OUT]
    # docs/coach.md: 93 of 98 flags right (precision 0.949), 93 of 99 deliverables flagged
    # (recall 0.939), 5 of 55 outcomes flagged (9.1%). Assert without printing the misses:
    # the held-out part is not for reading while the rules are changed.
    assert held_out.precision >= 93 / 98, "held-out precision dropped"
    assert held_out.recall >= 93 / 99, "held-out recall dropped"
    assert held_out.outcome_flag_rate <= 5 / 55, "more held-out outcomes are flagged"
