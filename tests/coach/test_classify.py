"""The classifier on worked examples, with the cue that decided, and its properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okrs.coach.classify import DELIVERABLE, OUTCOME, classify, normalise
from okrs.coach.rewrite import outcome_rewrite


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Complete the Kubernetes migration", "complete"),
        ("Launch the new onboarding", "launch"),
        ("Hold 5 customer interviews", "hold"),
        ("Roll out canary deployments", "roll out"),
        ("Kubernetes migration done", "done"),
        ("Achieve SOC 2 compliance", "achieve"),
        ("We will publish 3 blog posts per week.", "publish"),
    ],
)
def test_deliverables_are_flagged_with_the_cue_that_decided(text: str, cue: str) -> None:
    verdict = classify(text)
    assert verdict.label == DELIVERABLE
    assert verdict.cue == cue
    assert cue in verdict.reason


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Reduce infrastructure cost per customer by 25% through containerisation", "reduce"),
        ("Cut P95 checkout latency from 900 ms to 300 ms", "cut"),
        ("Churn below 2% per month", "below 2%"),
        ("Release 80% of committed roadmap items within their quarter (from 55%)", "(from 55%"),
        ("Deliver 99.9% uptime", "99.9% uptime"),
        ("Reach 10,000 paying customers", "reach … 10,000"),
    ],
)
def test_outcomes_pass_with_the_cue_that_decided(text: str, cue: str) -> None:
    verdict = classify(text)
    assert verdict.label == OUTCOME
    assert verdict.cue == cue


def test_a_counted_activity_is_still_an_activity() -> None:
    verdict = classify("Hold 5 customer interviews")
    assert "counts the activity" in verdict.reason


def test_a_constraint_does_not_turn_work_into_an_outcome() -> None:
    assert classify("Migrate the database with no more than 5 minutes of downtime").label == (
        DELIVERABLE
    )
    assert classify("Launch the referral programme without increasing churn").label == DELIVERABLE


def test_the_rewrite_keeps_the_subject_and_moves_the_work_to_an_initiative() -> None:
    verdict = classify("Complete the Kubernetes migration")
    suggestion = outcome_rewrite("Complete the Kubernetes migration", verdict.subject)
    assert "the Kubernetes migration" in suggestion
    assert "Reduce infrastructure cost per customer from <baseline> to <target>" in suggestion
    assert "Move “Complete the Kubernetes migration” to an initiative" in suggestion


@pytest.mark.parametrize(
    ("text", "metric"),
    [
        ("Launch the new onboarding", "activation rate"),
        ("Hold 5 customer interviews", "validated with customer evidence"),
        ("Write the incident response runbook", "MTTR"),
        ("Organise a team offsite", "roadmap items delivered"),
    ],
)
def test_the_rewrite_proposes_the_measure_the_work_usually_serves(text: str, metric: str) -> None:
    assert metric in outcome_rewrite(text, classify(text).subject)


CORPUS_SAMPLES = [
    "Complete the Kubernetes migration",
    "Hold 5 customer interviews",
    "Reduce monthly churn from 3% to 2%",
    "p95 API latency under 200 ms",
    "Keep uptime at or above 99.9%",
    "Kubernetes migration done",
    "Grow weekly active users",
    "Ship the new pricing page",
]


@given(
    text=st.sampled_from(CORPUS_SAMPLES),
    flips=st.lists(st.booleans(), min_size=40, max_size=40),
    trailing=st.sampled_from(["", " ", ".", "!", "  .", ";", "\t", "...", "?"]),
)
def test_case_and_trailing_punctuation_never_change_the_verdict(
    text: str, flips: list[bool], trailing: str
) -> None:
    shouted = "".join(
        char.upper() if flip else char.lower() for char, flip in zip(text, flips * 3, strict=False)
    )
    assert classify(shouted + trailing).label == classify(text).label


OUTCOMES = [
    "Reduce monthly churn",
    "Raise trial-to-paid conversion",
    "Keep checkout availability at or above 99.95%",
    "Churn below 2% per month",
    "Reach 10,000 paying customers",
    "Release 80% of committed roadmap items within their quarter (from 55%)",
    "Cut the infrastructure bill through rightsizing",
    "Increase the share of revenue from annual plans",
]


@given(text=st.sampled_from(OUTCOMES), amount=st.integers(min_value=1, max_value=95))
def test_adding_an_amount_never_turns_an_outcome_into_a_deliverable(text: str, amount: int) -> None:
    assert classify(text).label == OUTCOME
    assert classify(f"{text} by {amount}%").label == OUTCOME


@given(text=st.text(max_size=200))
def test_any_text_gets_a_verdict_and_a_reason(text: str) -> None:
    verdict = classify(text)
    assert verdict.label in (OUTCOME, DELIVERABLE)
    assert verdict.reason
    assert normalise(normalise(text)) == normalise(text)


def test_a_huge_text_is_judged_by_its_start() -> None:
    # Titles are at most 500 characters where they are stored; a file or API body may hold
    # more, and the verdict must not depend on (or wait for) the rest.
    assert classify("Complete the migration " + "from 1 " * 200_000).label == DELIVERABLE


# The kinds of failure seen on published key results, in sentences of our own.
@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # terse outcome states, with no metric verb
        ("2,000 paying teams by March", "2,000"),
        ("Error budget intact all quarter", "intact"),
        # outcomes that open with a work-like verb
        ("Deliver every page in under a second", "in under a second"),
        # nouns read as verbs
        ("Review-to-merge time under 4 hours", "under 4 hours"),
        ("Hiring managers report that 75% of new starters felt ready", "report that"),
        ("Onboarding completion rate of 80%", "80%"),
        # placeholders for private figures stand where a number would
        ("Land N2 large enterprise customers", "land … n2 … customers"),
    ],
)
def test_outcomes_in_the_shapes_published_key_results_take(text: str, cue: str) -> None:
    verdict = classify(text)
    assert verdict.label == OUTCOME, verdict.reason
    assert verdict.cue == cue


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # deliverables dressed in outcome grammar
        ("Increase the number of dashboards built from 3 to 10", "number of dashboards built"),
        ("At least three engineers hired", "hired"),
        ("Improve reliability by rewriting the scheduler", "improve … by rewriting"),
        ("The billing rewrite is 80% complete", "80% complete"),
        # a delivered state
        ("The SSO integration is documented and released", "documented"),
    ],
)
def test_deliverables_dressed_as_outcomes_are_flagged(text: str, cue: str) -> None:
    verdict = classify(text)
    assert verdict.label == DELIVERABLE, verdict.reason
    assert verdict.cue == cue


# Rules added on the 600 published key results of the first corpus (docs/coach.md), each in
# sentences of our own.
@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # a verb holding a state
        ("Retain our place in the top three app store rankings", "retain"),
        # the perfect, and money won named without its figure
        ("We've generated new pipeline from the partner channel", "generated … pipeline"),
        ("Achieve qualified pipeline in EMEA by May", "achieve … pipeline"),
        # a gerund with a determiner after it is a verb, not a noun
        ("Increasing the share of teams on annual plans", "increasing"),
        # people reporting after a verb of work is still measured
        ("Run workshops so that engineers report that the API is clear", "report that"),
        # a share of work done without trouble is how well it works
        ("95% of releases are shipped without any manual step", "95% of releases are shipped"),
        # a measure moving, named by a gerund inside a noun phrase
        ("Search improvements around reducing query latency", "reducing … latency"),
        # bettering a quality is an outcome even without a figure
        ("Improve checkout reliability", "improve"),
        # a number of others moved to a state
        ("Get 20 design partners to weekly use of the beta", "get 20 design partners to weekly"),
        # a thing produced is the subject of what happened, not the key result
        ("Our community programs have helped win 5 new logos", "5 … logos"),
    ],
)
def test_outcomes_the_published_corpus_taught(text: str, cue: str) -> None:
    verdict = classify(text)
    assert verdict.label == OUTCOME, verdict.reason
    assert verdict.cue.startswith(cue), verdict.cue


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # "understand" as the purpose of the work, not as what people report
        ("Run workshops to help engineers understand the new API", "run"),
        # work under way
        ("The platform team is working on faster builds", "is working on"),
        # bettering a thing, with no quality or measure named
        ("Improve the billing admin screens", "improve the billing admin screens"),
        # a share of the organisation's own people, whom the work is for
        ("100% of team members have a career plan", "have a"),
        ("The API reference is publicly available", "is publicly available"),
        # the head of the noun phrase names a thing produced, whatever it counts
        ("Quarterly customer summit with at least 50 attendees", "summit"),
    ],
)
def test_deliverables_the_published_corpus_taught(text: str, cue: str) -> None:
    verdict = classify(text)
    assert verdict.label == DELIVERABLE, verdict.reason
    assert verdict.cue == cue, verdict.cue


# Rules added after the fresh held-out part (tests/coach/corpus, `held_out_2`) had been scored
# and its misses read, each in sentences of our own.
@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # a number others give
        ("Get 300 webinar registrations from partners", "get 300"),
        ("Receive 40 pull requests from outside contributors", "receive 40"),
        # the count right after a verb that only names a level
        ("Reach 500 posts on the community forum", "reach … 500"),
        ("Achieve our new-logo targets in every region", "achieve … targets"),
        # others writing about us
        ("Be featured in 3 industry newsletters", "be featured in 3"),
        # a count opening a sentence without a verb, of what others do or have
        ("40 new community meetups in Europe", "40 new community meetups"),
        # work measured by what it brings from others
        ("Host 2 hackathons generating at least 50 submissions", "generating at least 50"),
        # a level of redundancy is a measure
        ("Have 3x replication for every stored file", "3x … replication"),
    ],
)
def test_outcomes_the_fresh_held_out_part_taught(text: str, cue: str) -> None:
    verdict = classify(text)
    assert verdict.label == OUTCOME, verdict.reason
    assert verdict.cue.startswith(cue), verdict.cue


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # a comparator counting the work's own object is not a level to hold
        ("Interview at least 25 customers about pricing", "interview"),
        # a rate of changes the team produces is output
        ("Raise the MR rate from 8 to 10 per engineer", "mr rate"),
        ("Double down on the partner channel", "double down"),
    ],
)
def test_deliverables_the_fresh_held_out_part_taught(text: str, cue: str) -> None:
    verdict = classify(text)
    assert verdict.label == DELIVERABLE, verdict.reason
    assert verdict.cue == cue, verdict.cue


def test_a_year_opening_a_sentence_is_not_a_count() -> None:
    assert classify("2021 planning updates our roadmap by March").label == DELIVERABLE
    # while a level still holds: "Deploy to production at least 5 times a day"
    assert classify("Deploy to production at least 5 times a day").label == OUTCOME


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # A level stated with "has a": not a thing that now exists.
        ("Nightly builds have a 98% success rate", "have a 98% success rate"),
        ("Every new service has a faster start-up time than the one it replaced", "has a faster"),
        # None of something bad, whatever follows.
        ("No customer waits more than a day for a refund", "no customer"),
        ("No regression stays in production for more than a day", "no regression"),
        # Changes stated as a comparison.
        ("The API serves twice as many requests per server as last year", "twice as many"),
        ("Reported burnout is 5 points lower than a year ago", "5 points lower"),
        ("Refunds are approved faster by 30%", "faster by 30%"),
        # A measure named before its level.
        ("Employee engagement score of 4.2", "score of 4.2"),
        ("Security maturity level 3+", "level 3+"),
        ("Unanswered escalations older than a week is <5", "is <5"),
        # A tier of a measure, reached; use by others; being featured.
        ("Our teams hit the elite tier (as defined by DORA) on lead time", "hit the elite tier"),
        ("Five or more partner teams have adopted the SDK", "have adopted"),
        ("Get featured by Google Play", "get featured by"),
        ("Low checkout abandonment on mobile", "low checkout abandonment"),
        ("Our apps measure and improve the satisfaction of their users", "improve … satisfaction"),
        # A deadline before the statement is set aside.
        ("By 30 June 2027, reduce median build time from 12 to 6 minutes", "reduce"),
    ],
)
def test_outcomes_stated_without_a_leading_outcome_verb(text: str, cue: str) -> None:
    verdict = classify(text)
    assert (verdict.label, verdict.cue) == (OUTCOME, cue)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("6 meetups attended this quarter", "attended"),
        ("3 speaking engagements at regional conferences", "it names no measure"),
        ("10 streams with guests from the community", "it names no measure"),
        ("All 4 importers coded, with full test coverage", "coded"),
        ("100% of high-severity findings are remediated", "remediated"),
        ("All services are monitoring their error budgets", "are monitoring"),
        ("Every team maintains a ranked list of its top risks", "maintains a ranked list"),
        ("Identify 5 services that can be retired", "identify"),
        ("Map 100% of our support processes", "map"),
    ],
)
def test_work_stated_as_a_count_a_share_or_a_state(text: str, cue: str) -> None:
    verdict = classify(text)
    assert verdict.label == DELIVERABLE
    assert cue in (verdict.cue, verdict.reason) or verdict.reason.startswith(cue)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # Holding a measure is not keeping a page, a backlog or a list.
        ("Maintain the page load time under 2 seconds", OUTCOME),
        ("Maintain the support backlog below 100 open tickets", OUTCOME),
        ("Maintain the home page conversion rate above 3%", OUTCOME),
        # "has a" with no level is a thing that now exists.
        ("Every customer account has a health score", DELIVERABLE),
        ("Each critical service has a service level objective", DELIVERABLE),
        # A share of others doing something is adoption; a level held is a level.
        ("80% of product teams are building on the new platform", OUTCOME),
        ("Our support team is monitoring 100% of alerts within 5 minutes", OUTCOME),
        # Visited or attended by people is reach.
        ("Website visited by 10,000 unique users per month", OUTCOME),
        ("Annual conference attended by 500 customers", OUTCOME),
        # A constraint on work is not "none of something".
        ("No new features until the migration is done", DELIVERABLE),
        # "map" as a noun.
        ("Map usage grows 20% month over month", OUTCOME),
    ],
)
def test_the_rules_of_the_fourth_round_leave_common_shapes_alone(text: str, label: str) -> None:
    assert classify(text).label == label


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # Verbs of analysis and collection are work, counted or not.
        ("Analyse 500 support conversations from last quarter", "analyse"),
        ("Collect ≥300 crash reports from at least 2 platforms", "collect"),
        ("Examine at least 4 onboarding flows for drop-off causes", "examine"),
        ("Fix the top 5 flaky tests", "fix"),
        ("Get feedback on the new editor from 8 customers", "get feedback"),
        # A share of the work's own object.
        ("Label ≥85% of the ingested documents with their owner", "label ≥85% of"),
        # Things the team produces or earns, counted after a verb naming a level.
        ("Add at least 4 alerting rules: disk, memory and queue depth", "add … 4 … rules"),
        ("Achieve 3 cloud certifications", "achieve … 3 … certifications"),
        ("Provide ≥2 recommendations for the storage tier", "provide … 2 … recommendations"),
        ("4 experiments have validated the pricing hypotheses", "it names no measure"),
        # A level that is a bar for the thing made, not a result the work brings.
        ("Ship a status dashboard where on-call can see every alert in <5 seconds", "dashboard"),
        ("Build 2 ranking models, each achieving ≥70% precision on the test set", "2 … models"),
    ],
)
def test_deliverables_the_fifth_held_out_part_taught(text: str, cue: str) -> None:
    verdict = classify(text)
    assert verdict.label == DELIVERABLE, verdict.reason
    assert cue in (verdict.cue, verdict.reason) or verdict.reason.startswith(cue)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # A later comparator is the level when the first is a threshold.
        ("Deploy a ranking where top hits (score ≥0.5) are clicked ≥40% of the time", "≥40%"),
        # An outcome clause after a comma.
        ("Benchmark the checkout service, improve its p95 by 20%", "improve its p95 by 20%"),
        # A count with its comparator after it, and partners won.
        ("Secure 15+ customer references", "secure … 15+"),
        ("Partner with 4 regional resellers", "partner … 4"),
        ("The community is engaging 120 new contributors", "120 … contributors"),
        # A named level with a placeholder, a measure opening the sentence held at a level.
        ("Quarterly surveys show an average CSAT of X for support", "csat of x"),
        ("NPS from customers who completed setup ≥40", "nps from customers who completed setup ≥4"),
        # Bettering a thing in order to reach a measured level.
        ("Improve the signup page to reach 3000 subscriptions a month", "improve"),
        # A comparison with what was before.
        ("Operators finish a failover in less time than with the old runbook", "less time"),
    ],
)
def test_outcomes_the_fifth_held_out_part_taught(text: str, cue: str) -> None:
    verdict = classify(text)
    assert verdict.label == OUTCOME, verdict.reason
    assert cue in verdict.cue, verdict.cue


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # Work with a rate or a service level to hold is still an outcome.
        ("Resolve 90% of support tickets within 2 days", OUTCOME),
        ("Deploy to production at least 5 times a day", OUTCOME),
        # Adding customers or reaching a count of users is a gain, not a product.
        ("Add 1,500 paying teams", OUTCOME),
        ("Achieve 10,000 weekly active users", OUTCOME),
        # A dashboard with no level, and one whose level is not in a clause about it.
        ("Ship a dashboard of deploy frequency", DELIVERABLE),
        ("Improve the onboarding flow", DELIVERABLE),
        # Partnering without a count is work.
        ("Partner with the data team on the warehouse migration", DELIVERABLE),
    ],
)
def test_the_rules_of_the_fifth_round_leave_common_shapes_alone(text: str, label: str) -> None:
    assert classify(text).label == label, classify(text).reason


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # Learning and practice are work, counted or not.
        ("Practice incident drills weekly for at least two months", "practice"),
        ("Read at least three books on distributed systems", "read"),
        # A sentence that opens with the work it is done by states that work.
        ("By running at least 4 game days we are ready for failovers", "by running"),
        ("By shipping 3 internal tools the team feels productive", "by shipping"),
        # A verb whose last consonant doubles before its ending is still that verb.
        ("By planning 3 team offsites we know each other better", "by planning"),
        # A thing made, with what it should bring.
        ("Provide dashboards that cut triage time by 30%", "provide … dashboards"),
    ],
)
def test_deliverables_the_sixth_held_out_part_taught(text: str, cue: str) -> None:
    verdict = classify(text)
    assert verdict.label == DELIVERABLE, verdict.reason
    assert verdict.cue == cue


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Strive to cut paging noise by a third", "cut"),
        ("Hold the line on checkout latency", "hold the line"),
        ("Streamline release effort by reducing manual approval steps", "streamline"),
    ],
)
def test_outcomes_the_sixth_held_out_part_taught(text: str, cue: str) -> None:
    verdict = classify(text)
    assert verdict.label == OUTCOME, verdict.reason
    assert verdict.cue == cue


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # Bettering a thing with no measure is still work.
        ("Streamline the release process", DELIVERABLE),
        # "By" with a measured change keeps the outcome.
        ("By automating rollbacks, cut MTTR from 2 hours to 20 minutes", OUTCOME),
        # Providing a level is not providing a thing.
        ("Provide 99.9% availability for the public API", OUTCOME),
        # People understanding is still reported experience when it is what is measured.
        ("80% of new hires say that they understand our architecture", OUTCOME),
    ],
)
def test_the_rules_of_the_sixth_round_leave_common_shapes_alone(text: str, label: str) -> None:
    assert classify(text).label == label, classify(text).reason
