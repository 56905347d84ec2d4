"""The classifier on key results that organisations published (tests/coach/corpus/).

The rules were built on the first 600 rows ("all": `dev`, and `held_out` once its first figures
had been reported). `held_out_2` was collected later from other sources, committed before any
rule change and scored once after the rules were final; its misses were then read and the rules
improved on it, so it has been seen too. `held_out_3` was collected and committed before that
round of changes and scored once after it; `held_out_4` was collected and committed after
that, from thirteen other sources, and scored once with the rules unchanged since
(docs/coach.md has every figure); its misses were then read and the rules improved on them.
`held_out_5` was collected before that round from sources none of the others come from,
committed before the classifier was run on it, and scored once after the round; `held_out_6`
likewise before the round built on the fifth part's misses, and scored once after it, and
`held_out_7` before the round built on the sixth part's. Figures that
reach the targets (precision and recall 0.95, at most 5% of outcomes flagged) are held to the
targets; those that do not are held to what was measured, and the gap is stated, so a change
that makes the coach worse on key results it was not tuned on fails here.
"""

from __future__ import annotations

from okrs.coach.evaluate import (
    CORPUS,
    DEV,
    HELD_OUT,
    HELD_OUT_2,
    HELD_OUT_3,
    HELD_OUT_4,
    HELD_OUT_5,
    HELD_OUT_6,
    HELD_OUT_7,
    load,
    report,
    split_of,
)

EXAMPLES = load(CORPUS)
FIGURES = report(EXAMPLES)


def test_the_corpus_is_real_sized_sourced_and_split_by_the_hash_of_each_text() -> None:
    assert len(EXAMPLES) >= 500
    assert {example.label for example in EXAMPLES} == {"deliverable", "outcome"}
    assert all(example.source.startswith(("http://", "https://")) for example in EXAMPLES)
    texts = [" ".join(example.text.lower().split()) for example in EXAMPLES]
    assert len(texts) == len(set(texts)), "a key result is in the corpus twice"
    first = [example for example in EXAMPLES if example.split in (DEV, HELD_OUT)]
    # Nobody chose the first held-out rows: each row's part is the one its text hashes to.
    assert all(example.split == split_of(example.text) for example in first)
    held_out = sum(example.split == HELD_OUT for example in first)
    assert held_out >= 0.2 * len(first)
    # The fresh part, collected later from other sources (the corpus README).
    fresh = [example for example in EXAMPLES if example.split == HELD_OUT_2]
    assert len(fresh) >= 150
    assert {example.source for example in fresh}.isdisjoint(e.source for e in first)
    # And the third, collected once the second had been scored and looked at.
    third = [example for example in EXAMPLES if example.split == HELD_OUT_3]
    assert len(third) >= 100
    assert {example.source for example in third}.isdisjoint(e.source for e in first + fresh)
    fourth = [example for example in EXAMPLES if example.split == HELD_OUT_4]
    assert len(fourth) >= 150
    earlier = first + fresh + third
    assert {example.source for example in fourth}.isdisjoint(e.source for e in earlier)
    fifth = [example for example in EXAMPLES if example.split == HELD_OUT_5]
    assert len(fifth) >= 150
    earlier = earlier + fourth
    assert {example.source for example in fifth}.isdisjoint(e.source for e in earlier)
    assert {example.label for example in fifth} == {"deliverable", "outcome"}
    sixth = [example for example in EXAMPLES if example.split == HELD_OUT_6]
    assert len(sixth) >= 150
    earlier = earlier + fifth
    assert {example.source for example in sixth}.isdisjoint(e.source for e in earlier)
    assert {example.label for example in sixth} == {"deliverable", "outcome"}
    seventh = [example for example in EXAMPLES if example.split == HELD_OUT_7]
    assert len(seventh) >= 150
    earlier = earlier + sixth
    assert {example.source for example in seventh}.isdisjoint(e.source for e in earlier)
    assert {example.label for example in seventh} == {"deliverable", "outcome"}
    splits = {DEV, HELD_OUT, HELD_OUT_2, HELD_OUT_3, HELD_OUT_4, HELD_OUT_5, HELD_OUT_6, HELD_OUT_7}
    assert {example.split for example in EXAMPLES} == splits


def test_on_the_corpus_the_rules_were_built_on_flags_are_right_and_outcomes_left_alone() -> None:
    for part in ("all", DEV, HELD_OUT):
        scores = FIGURES[part]
        assert scores.precision >= 0.95, (part, scores.misses)
        assert scores.recall >= 0.95, (part, scores.misses)
        assert scores.outcome_flag_rate <= 0.05, (part, scores.misses)


def test_the_fresh_held_out_figures_do_not_drop_below_those_measured() -> None:
    fresh = FIGURES[HELD_OUT_2]
    assert (fresh.deliverables, fresh.outcomes) == (142, 66)
    # Scored once as held out (docs/coach.md): 133 of 167 flags right (0.796), 133 of 142
    # deliverables flagged (0.937), 34 of 66 outcomes flagged (51.5%). Its misses were then
    # read and the rules improved on them, so what is asserted now is a seen figure: 140 of 149
    # flags right (0.940), 140 of 142 found (0.986), 9 of 66 outcomes flagged (13.6%). Recall
    # reaches the target; precision and the outcome flag rate do not, and these floors record
    # that gap, not a pass.
    # The round built on the fourth part's misses took one more wrong flag away (8 of 66).
    assert fresh.true_flags >= 140, "fewer fresh held-out deliverables are flagged"
    assert fresh.false_flags <= 8, "more fresh held-out outcomes are flagged"


def test_the_third_held_out_figures_do_not_drop_below_those_measured() -> None:
    third = FIGURES[HELD_OUT_3]
    assert (third.deliverables, third.outcomes) == (91, 24)
    # Scored once, after the rules changed for the fresh part were final (docs/coach.md): 83 of
    # 89 flags right (precision 0.933), 83 of 91 deliverables flagged (recall 0.912), 6 of 24
    # outcomes flagged (25.0%). All three missed the targets. Its misses were read in the round
    # built on the fourth part's, so it is seen now: 88 of 91 found, 3 of 24 outcomes flagged.
    assert third.true_flags >= 88, "third held-out recall dropped"
    assert third.false_flags <= 3, "more third held-out outcomes are flagged"


def test_the_fourth_held_out_figures_do_not_drop_below_those_measured() -> None:
    fourth = FIGURES[HELD_OUT_4]
    assert (fourth.deliverables, fourth.outcomes) == (90, 79)
    # Scored once, with the rules as they were when the third part was scored (docs/coach.md):
    # 74 of 95 flags right (precision 0.779), 74 of 90 deliverables flagged (recall 0.822), 21
    # of 79 outcomes flagged (26.6%). All three missed the targets by far. Its misses were then
    # read and the rules improved on them, so it is seen now: 83 of 90 deliverables found
    # (0.922), 7 of 79 outcomes flagged (8.9%), still short of the targets.
    assert fourth.true_flags >= 83, "fourth held-out recall dropped"
    assert fourth.false_flags <= 7, "more fourth held-out outcomes are flagged"


def test_the_fifth_held_out_figures_do_not_drop_below_those_measured() -> None:
    fifth = FIGURES[HELD_OUT_5]
    assert (fifth.deliverables, fifth.outcomes) == (96, 78)
    # Scored once, after the round built on the fourth part's misses (docs/coach.md): 80 of 91
    # flags right (precision 0.879), 80 of 96 deliverables flagged (recall 0.833), 11 of 78
    # outcomes flagged (14.1%). The rules before that round scored 80 of 94, 80 of 96 and 14 of
    # 78 on it. All three missed the targets. Once the sixth part was committed, its misses were
    # read and a round of rules built on them, so it is seen now: 91 of 94 flags right, 91 of 96
    # found (0.948), 3 of 78 outcomes flagged (3.8%).
    assert fifth.true_flags >= 91, "fifth held-out recall dropped"
    assert fifth.false_flags <= 3, "more fifth held-out outcomes are flagged"


def test_the_sixth_held_out_figures_do_not_drop_below_those_measured() -> None:
    sixth = FIGURES[HELD_OUT_6]
    assert (sixth.deliverables, sixth.outcomes) == (141, 53)
    # Scored once, after the round built on the fifth part's misses (docs/coach.md): 124 of 132
    # flags right (precision 0.939), 124 of 141 deliverables flagged (recall 0.879), 8 of 53
    # outcomes flagged (15.1%). The rules before that round scored 121 of 130, 121 of 141 and 9
    # of 53 on it. All three missed the targets. Once the seventh part was committed, its misses
    # were read and a round of rules built on them, so it is seen now: 130 of 135 flags right,
    # 130 of 141 found (0.922), 5 of 53 outcomes flagged (9.4%).
    assert sixth.true_flags >= 130, "sixth held-out recall dropped"
    assert sixth.false_flags <= 5, "more sixth held-out outcomes are flagged"


def test_the_seventh_held_out_figures_do_not_drop_below_those_measured() -> None:
    seventh = FIGURES[HELD_OUT_7]
    assert (seventh.deliverables, seventh.outcomes) == (123, 39)
    # Scored once, after the round built on the sixth part's misses (docs/coach.md): 116 of 124
    # flags right (precision 0.935), 116 of 123 deliverables flagged (recall 0.943), 8 of 39
    # outcomes flagged (20.5%), the same as the rules before that round. All three miss the
    # targets; these floors record the gap.
    assert seventh.true_flags >= 116, "seventh held-out recall dropped"
    assert seventh.false_flags <= 8, "more seventh held-out outcomes are flagged"
