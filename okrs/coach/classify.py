"""Is a key result an outcome or a deliverable? A deterministic, explainable classifier.

No model and no network: a key result is read the way a coach reads it. First the "means" and
"constraint" clauses are set aside ("... through containerisation", "... by adopting X",
"... without increasing churn"): an outcome that names its means is still an outcome, and a
deliverable with a constraint is still a deliverable. Then the head is judged by its leading
verb:

- a verb that moves or holds a measure ("reduce", "raise", "keep") makes an outcome;
- a verb naming a level to reach ("achieve", "win", "close") makes an outcome only when a level
  follows ("Close $2M in new business", not "Close 30 tickets" or "Achieve SOC 2 compliance");
- a verb of work ("complete", "launch", "hold", "write") makes a deliverable, even when it
  counts the work ("Hold 5 interviews"), unless the text also states a change from a baseline
  ("(from 55%)", "8% -> 5%"), a level to hold ("at least 5 times a day") or a rate with a level
  as its object ("Deliver 99.9% uptime");
- without such a verb ("Churn below 2%", "Kubernetes migration done", "Ensure ..."), a measured
  level or change anywhere makes an outcome, and a completion word ("done", "live") or nothing
  measured makes a deliverable.

Published key results take shapes the leading verb misreads (terse states, "Hiring managers
report that ...", "Increase the number of dashboards built", "80% complete", "Improve Modelforge
according to requirements", "Customer Advisory Board event with at least 10 customers"), so a
few cues are read before it; see `_read_first`, `_thing_only` and `_state`.

Every answer carries the cue that decided it, so a person can see why and disagree.
docs/coach.md has the whole method and its figures on tests/coach/corpus.yaml and on the
published key results of tests/coach/corpus/ (`python -m okrs.coach.evaluate`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


MAX_TITLE = 500
OUTCOME = "outcome"
DELIVERABLE = "deliverable"

# Verbs that move or hold a measure.
OUTCOME_VERBS = _words(
    """
    reduce cut lower decrease drop shrink shorten halve minimise minimize trim slash limit
    cap increase raise grow improve lift boost double triple quadruple maximise maximize
    accelerate speed keep maintain sustain stay remain bring prevent avoid retain optimise
    optimize enhance strengthen streamline
    """
)
# Verbs that name a target level: an outcome when a level follows ("Reach 10,000 customers"),
# work otherwise ("Achieve SOC 2 compliance").
TARGET_VERBS = _words(
    """
    achieve reach hit attain exceed beat win sign close convert save resolve serve
    land acquire attract generate advance add onboard secure partner
    """
)
# What a target verb must be followed by, with a number, to be an outcome: customers won,
# revenue closed, hours saved ("Close 30 tickets" counts work; "Close $2M" is revenue).
GAIN_WORDS = _words(
    """
    customers customer logos deals partners accounts users teams revenue business arr mrr
    hours days seats subscribers sign-ups signups trials contracts renewals iarr mau dau wau
    clients applicants profiles opportunities leads pipeline mentions visits visitors views
    enterprises sales subscriptions
    """
)
# Verbs that only name a level ("Close 30 tickets" counts work; "Achieve the ratio" is a level).
_LEVEL_VERBS = _words("achieve reach hit attain exceed beat")
_TARGET_NOUNS = _words("target targets goal goals quota plan")
# A count as one word: "300", "1,000", "10k", "N2".
_COUNT = r"(?:\d[\d,.]*[kmx]?|n\d{1,2})"
# Money won: after a verb naming a level to reach, a measure even without a figure.
MONEY_WORDS = _words("revenue arr mrr iarr acv iacv pipeline bookings sales")
# Verbs of work: projects, launches, activities.
WORK_VERBS = _words(
    """
    do perform visit call meet complete finish finalise finalize migrate move launch
    implement ship build deliver release hold run conduct write publish create deploy
    introduce adopt upgrade decommission retire replace rewrite refactor redesign design
    develop integrate automate document define establish hire recruit train organise
    organize host attend interview pilot prototype evaluate investigate research explore
    test audit review install configure consolidate standardise standardize port
    containerise containerize sunset deprecate enable translate send start begin prepare
    execute undertake capture cover contribute revamp
    plan draft produce rebuild replatform restructure transition switch roll set kick go
    open schedule arrange delegate identify map analyze analyse examine collect gather
    preprocess annotate label compile summarise summarize fix benchmark assess survey
    practice practise read study learn
    """
)
# Two-word work verbs whose first word alone means little ("roll out", "set up").
WORK_PHRASES = (
    "roll out", "set up", "kick off", "go live", "move to", "switch to", "sign off", "reach out",
    "carry out", "sign up", "double down", "get feedback", "gather feedback", "collect feedback",
)  # fmt: skip
# Work verbs whose "from A to B" names versions or places, not a measure ("Upgrade React from
# 16 to 18"): for these only a from-to with a unit or a percentage is a measured change.
MOVE_VERBS = _words("upgrade update bump migrate move port switch transition replatform")
# Verbs that say nothing either way: what follows decides.
NEUTRAL_VERBS = _words(
    """
    ensure get make have be eliminate remove answer flag validate support provide see enable
    secure
    """
)

# Nouns of measures: a level of one of these is an outcome.
METRIC_WORDS = _words(
    """
    latency p50 p75 p90 p95 p99 time times uptime availability downtime durability rate
    rates ratio share percentage proportion cost costs spend bill margin revenue arr mrr gmv
    nps csat ces churn retention conversion conversions activation adoption engagement
    satisfaction score incidents incident escalations tickets bugs defects failures errors
    error signups sign-ups users customers accounts teams seats upgrades deploys deployments
    frequency throughput coverage recall precision accuracy backlog sessions mttr mttd mtbf
    cac ltv roi speed utilisation utilization velocity traffic visits leads pipeline
    bookings renewals nrr grr findings vulnerabilities complaints rating reviews budget load
    rollbacks outages regressions breaches alerts iarr mau dau wau pipeline opportunities
    mentions views upvotes subscribers visitors clients applicants growth logos replication
    subscriptions contributors participants attendees
    """
)
# Rates and levels: a percentage of one of these right after a work verb is an outcome
# ("Deliver 99.9% uptime").
RATE_WORDS = _words(
    """
    uptime availability durability rate ratio share nps csat churn retention conversion
    activation adoption satisfaction score margin coverage accuracy recall precision
    """
)
# Words saying a piece of work is finished: the mark of a deliverable stated as a noun phrase.
COMPLETION_WORDS = _words(
    """
    done live shipped launched released completed complete finished delivered available
    deployed certified migrated implemented installed rolled signed approved ready
    """
)

_PREFIXES = re.compile(
    r"^(?:(?:kr|key result)\s*\d*\s*[:.)-]\s*|\d+[.)]\s*|[-*•]\s*|"
    r"(?:we|i|the team)\s+(?:will|shall|want to|aim to|plan to|need to|must|should)\s+|"
    r"(?:we|i)'ll\s+|(?:we|i)\s+have\s+|(?:we|i)'ve\s+|(?:our\s+)?goal\s*(?:is\s+to|:)\s*|(?:aim|try|plan|strive)\s+to\s+|to\s+|"
    # A deadline before the statement: "By 31 March 2026, ...", "By the end of Q2, ...".
    r"by\s+(?:the\s+)?(?:end\s+of\s+)?(?:\d{1,2}(?:st|nd|rd|th)?\s+)?(?:jan|feb|mar|apr|may|jun|"
    r"jul|aug|sep|oct|nov|dec|q[1-4]|h[12]|fy|the quarter|the year|this quarter)[a-z]*"
    r"(?:\s+\d{1,2}(?:st|nd|rd|th)?)?(?:,?\s+(?:fy)?\d{2,4})?\s*,\s*)",
)
# "Means" and "constraint" clauses, set aside before the head is judged.
_ASIDE = re.compile(
    r"\s+(?:through|via|thanks to|using|with the help of|by means of|as a result of|"
    r"by\s+(?=[a-z]+ing\b)|without|while|with\s+(?:no|zero|less than|under|at most|minimal)\b|"
    r"and\s+(?:without|no)\b)\s.*$|\s*\(([^()]*)\)\s*$|,\s*where\s.*$"
)
# "N1", "X", "Y": the placeholders of published key results whose figures are private
# ("Land N2 large enterprise customers", "from X% to Y%") stand where a number would.
_PLACEHOLDER = r"(?:n\d{1,2}|xx?|y)\b"
_NUMBER = rf"(?:[£$€]?\d[\d,]*(?:\.\d+)?|[£$€]?{_PLACEHOLDER})\s*(?:%|[kmb]\b)?"
_FREQUENCY = r"(?:hourly|daily|weekly|fortnightly|monthly|quarterly|yearly|annually)"
FROM_TO = re.compile(
    rf"\bfrom\s+(?:{_NUMBER}|{_FREQUENCY}|one|two|three|four|five|six|seven|eight|nine|ten)"
    rf"[^()]*?\bto\s+(?:{_NUMBER}|{_FREQUENCY}|zero|one|two|three|under|below|less|half)"
)
BASELINE_NOTE = re.compile(rf"\(\s*(?:from|was|baseline:?|currently|vs\.?)\s+{_NUMBER}")
BY_AMOUNT = re.compile(
    rf"\bby\s+(?:half|a third|a quarter|(?!(?:19|20)\d\d\b){_NUMBER}\s*"
    r"(?:%|percent|x\b|times|percentage points?|pp\b|points?|minutes?|hours?|days?|ms\b|"
    r"seconds?|weeks?|k\b|m\b|[a-z]*))"
)
COMPARATOR = re.compile(
    r"\b(?:below|under|above|over|beyond|at least|at most|no more than|no less than|"
    r"fewer than|less than|more than|not exceed|within|at or (?:above|below))\s*(?:"
    + _NUMBER
    + r"|one|two|three|four|five|ten|a day|an hour)"
    # The symbols have no word boundary before them ("is < 30s", "<1 week", "≤45 days").
    r"|(?:>=|<=|≥|≤|<|>)\s*" + _NUMBER
)
# "4.5/5 or better", "92% or higher": the comparator after the number.
LEVEL_OR_BETTER = re.compile(
    _NUMBER + r"(?:\s*/\s*\d+)?\s*(?:\S+\s+)?or\s+(?:better|more|higher|above|greater|"
    r"less|lower|fewer|below|under|faster)\b"
)
# "8% -> 5%", "0.8 → 0.4": a change written as an arrow.
ARROW = re.compile(_NUMBER + r"\s*\S{0,12}\s*(?:->|→|=>|⇒)\s*" + _NUMBER)
PERCENT = re.compile(r"\d(?:[\d,.]*\d)?\s*(?:%|percent\b|per cent\b)")
ZERO_METRIC = re.compile(r"(?:^(?:no|0)|\bzero)\s+(?:[a-z0-9-]+\s+){0,3}?(?P<noun>[a-z-]+s)\b")
# "zero incidents", "no escalations": the plural of a measure, counted down to nothing.
_COUNTED_METRICS = frozenset(word if word.endswith("s") else word + "s" for word in METRIC_WORDS)
_WORD = re.compile(r"[£$€]?[a-z0-9](?:[a-z0-9'&+-]|[.,](?=\d))*%?")


@dataclass(frozen=True)
class Classification:
    """The verdict, the cue that decided it (words from the text), and why, in a sentence."""

    label: str  # OUTCOME or DELIVERABLE
    cue: str
    reason: str
    # For a deliverable: the work named ("the Kubernetes migration"), for the rewrite.
    subject: str = ""


def normalise(text: str) -> str:
    """Lowercase, one space between words, no bullets, "We will", or trailing punctuation."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"')
    text = " ".join(text.lower().split())
    text = text.strip(" \t.,;:!?\"'")
    for _ in range(3):  # "KR1: We will ..." has two prefixes
        stripped = _PREFIXES.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return text.strip(" .,;:!?\"'")


def _head(text: str) -> str:
    """The text without its means and constraint clauses."""
    head = text
    for _ in range(3):  # "X through Y without Z (from 3)"
        match = _ASIDE.search(head)
        if match is None or match.start() == 0:
            break
        head = head[: match.start()].strip(" ,;")
    return head


def measured(text: str) -> str | None:
    """The words that state a measured level or change, or None."""
    patterns = (
        _MAJORITY, _COMPARED, _NAMED_LEVEL,
        FROM_TO, ARROW, BASELINE_NOTE, BY_AMOUNT, COMPARATOR, LEVEL_OR_BETTER, _CHANGE_NOUN, _PLUS,
        PERCENT,
    )  # fmt: skip
    for pattern in patterns:
        match = pattern.search(text)
        if match and pattern is _PLUS:
            # "NPS of 50+" is a level; "2+ prototypes" counts things.
            before = _WORD.findall(text[: match.start()])[-4:]
            if not any(word in METRIC_WORDS for word in before):
                continue
        if match:
            return match.group(0).strip()
    zero = ZERO_METRIC.search(text)
    if zero and zero.group("noun") in _COUNTED_METRICS:
        return zero.group(0)
    return None


def _metric_with_number(words: list[str], nouns: frozenset[str]) -> str | None:
    """A sum of money, a number in thousands, or a number followed within three words by one of
    `nouns` ("10,000 paying customers", "15 new enterprise logos", "N1 IARR", "3x pipeline")."""
    for index, word in enumerate(words):
        if re.fullmatch(r"[£$€]?(?:\d[\d,.]*[kmbx]?|n\d{1,2})%?\+?", word) and not re.fullmatch(
            r"(19|20)\d\d", word
        ):
            if word[0] in "£$€" or word[-1] in "kmb" or "," in word:
                return word
            for follower in words[index + 1 : index + 5]:
                if follower in nouns:
                    return f"{word} … {follower}"
    return None


# Heads of noun phrases a gerund can open ("Hiring managers", "Onboarding flow").
_GERUND_NOUN_HEADS = _words("managers manager funnel flow experience completion plan plans")
_DETERMINERS = _words("the a an our their its this that these those every each")


# Words ending in -ly that are not adverbs before a verb ("Nightly builds have ...").
_NOT_ADVERBS = _words("only early nightly daily weekly monthly quarterly yearly family friendly")


def _leading_verb(words: list[str]) -> tuple[str, str, int]:
    """(kind, verb as written, index of the first word after it); kind is 'outcome',
    'target', 'work', 'neutral' or ''."""
    if not words:
        return "", "", 0
    start = 0
    # An adverb before the verb ("Significantly reduce", "Fully migrate").
    if words[0].endswith("ly") and len(words) > 1 and words[0] not in _NOT_ADVERBS:
        start = 1
    first = words[start]
    # "Onboarding completion rate", "Hiring managers report": a gerund naming a thing.
    # "Increasing the number of users" is still a verb: a determiner follows it.
    determined = _stem(first) in OUTCOME_VERBS and (words[start + 1 : start + 2] or [""])[0] in (
        _DETERMINERS
    )
    if (
        first.endswith("ing")
        and not determined
        and any(
            word in METRIC_WORDS or word in _GERUND_NOUN_HEADS
            for word in words[start + 1 : start + 4]
        )
    ):
        return "", "", start
    after_first = (words[start + 1 : start + 2] or [""])[0]
    if first == "map" and not (after_first in _DETERMINERS or re.match(r"\d|all\b", after_first)):
        return "", "", start  # "Map usage grows 20%": a noun
    if words[start : start + 3] == ["hold", "the", "line"]:
        return "outcome", "hold the line", start + 3  # keeping a level where it is
    pair = " ".join(words[start : start + 2])
    if pair in WORK_PHRASES:
        return "work", pair, start + 2
    # Verb forms people write: "migrating", "reduces", "launched".
    stem = _stem(first)
    if first in OUTCOME_VERBS or stem in OUTCOME_VERBS:
        return "outcome", first, start + 1
    if first in TARGET_VERBS or stem in TARGET_VERBS:
        return "target", first, start + 1
    if first in NEUTRAL_VERBS or stem in NEUTRAL_VERBS:
        return "neutral", first, start + 1
    if first in WORK_VERBS or stem in WORK_VERBS:
        return "work", first, start + 1
    return "", "", start


def _stem(word: str) -> str:
    for suffix, replacement in (
        ("ing", ""), ("ing", "e"), ("es", ""), ("s", ""), ("ed", ""), ("d", ""),
    ):  # fmt: skip
        if word.endswith(suffix):
            candidate = word[: -len(suffix)] + replacement
            if candidate in WORK_VERBS or candidate in OUTCOME_VERBS or candidate in TARGET_VERBS:
                return candidate
    # A doubled consonant before the ending: "running", "planned", "shipping".
    doubled = re.fullmatch(r"([a-z]*([b-df-hj-np-tv-z]))\2(?:ing|ed)", word)
    if doubled and doubled.group(1) in WORK_VERBS | OUTCOME_VERBS | TARGET_VERBS:
        return doubled.group(1)
    return word


# ---------------------------------------------------------------------------------------------
# Cues read before the leading verb, because the leading verb misleads on them: outcomes stated
# as a terse state or with the verb after the subject ("Week-1 retention grows", "Hiring managers
# report that ..."), and deliverables dressed in outcome grammar ("Increase the number of
# dashboards built", "The billing rewrite is 80% complete", "Improve reliability by rewriting
# the scheduler", "At least three engineers hired").

# Counts of what the team produced, even when they move from A to B.
# "1200 code reviews", "3 blog posts" with no verb before them: things produced.
_COUNTED_OUTPUT = re.compile(
    r"\b\d[\d,]*\s+(?:code reviews|blog posts|posts|articles|case studies|tutorials|webinars|"
    r"talks|training sessions)\b"
)
_OUTPUT_COUNT = re.compile(
    r"\bnumber of (?:[a-z-]+ ){0,3}?(?:built|created|shipped|written|published|launched|"
    r"delivered|released|completed|held|run|hired|migrated|closed|merged)\b"
)
# What makes a number after a comparator a rate: "at least 5 times a day", "at least 3 per week".
_RATE_AFTER = re.compile(
    r"\s*(?:%|percent\b|times\b|per\b|a (?:day|week|month)\b|each (?:day|week|month)\b|"
    r"(?:ms|s|h|hours?|days?|weeks?|minutes?|seconds?)\b|"
    r"(?:[a-z-]+\s+){0,2}(?:a|per|each|every) (?:day|week|month|quarter|sprint)\b)"
)
# "Raise MR rate from 8 to 10", "throughput (MRs/month)": a rate of changes the team produces.
_OUTPUT_RATE = re.compile(
    r"\b(?:mr|pr|merge request|pull request|commit)s?\s+rate\b|"
    r"\b(?:mrs|prs|merge requests|pull requests|commits)\s*/\s*(?:month|week|day|engineer)\b"
)
# "Get 500 listens", "Receive 50 applications": a number of what others give or do.
_RECEIVED = re.compile(
    r"(?:get|gets|receive|receives|gain|gains|earn|earns)\s+(?:at least |over |more than )?"
    r"(?:\d[\d,.]*[kmx]?|n\d{0,2}\b|x\b|\"\d[\d,]*)"
)
# "Label ≥90% of collected records": the share of its own object a verb of work gets through.
_SHARE_OF_WORK = re.compile(
    r"(?:≥|>=|at least\s+|over\s+)?\d+(?:\.\d+)?\s*%\s*(?:\([^()]*\)\s*)?of\b"
)
# "80% complete": progress through work.
_PERCENT_DONE = re.compile(
    r"\b\d+(?:\.\d+)?\s*%\s*(?:complete|completed|done|finished|migrated|implemented|built|"
    r"rolled out|delivered)\b"
)
# People saying how they experience something: an outcome whatever the sentence opens with.
_EXPERIENCE = re.compile(
    r"\b(?:report|reports|reported|say|says|said|indicate|indicates) that\b|"
    r"\b(?:feel|feels|felt|would recommend|understand|understands|recognise|recognize|"
    r"recognises|recognizes|are happy|is happy|happy and thriving)\b"
)
_GET_N_TO = re.compile(r"get\s+(?:\d[\d,]*\+?|n\d{1,2})\s+(?:[a-z-]+\s+){0,3}?to\s+[a-z-]+")
_MENTIONED = re.compile(
    r"(?:be|get|gets)\s+(?:included|featured|mentioned|cited|listed|quoted)\s+in\s+"
    r"(?:at least\s+|over\s+)?\d[\d,]*"
)
_WORKING = re.compile(
    r"\b(?:is|are|am)\s+(?:actively\s+)?working\s+(?:to|on|towards?)\b|"
    r"\b(?:is|are)\s+(?:now\s+)?(?:monitoring|documenting|implementing|building|developing)\b"
)
# Keeping a document: "100% of systems maintain a ranked list of user pain points".
_KEPT_ARTIFACT = re.compile(
    r"\bmaintains?\s+(?:a|an|the)\s+(?:[a-z-]+\s+){0,2}?(?:list|register|inventory|catalog|"
    r"catalogue|document|roadmap|backlog|runbook|page|record)\b"
)
# Being featured or recommended by others, with or without a number: "Get featured by Apple".
_FEATURED = re.compile(
    r"^(?:be|get|gets|getting)\s+(?:featured|recommended|highlighted|showcased)\s+(?:by|on|in)\b"
)
# A level named as a tier of a measure: "Our platforms hit the elite level on ...".
_TIER_REACHED = re.compile(
    r"\b(?:hits?|reach(?:es)?|achieves?|attains?)\s+(?:the\s+|an?\s+)?(?:[\"'a-z-]+\s+){0,2}?"
    r"(?:level|tier|rating|band)\b"
)
# None of something bad: "No transactions ... have a fatal error", "No one experiences ...".
_NONE_OF = re.compile(r"^no\s+(?!more\b|less\b|longer\b|later\b|fewer\b|than\b)[a-z-]+\b")
# A level stated with "has a" / "have an": "Engine tests have a 99% success rate".
_HAS_LEVEL = re.compile(
    r"\bha(?:s|ve)\s+(?:a|an)\s+(?P<level>(?:[a-z0-9.%-]+\s+){0,3}?(?:rate|time|score|level|"
    r"ratio|share|uptime|availability|latency|faster|lower|higher|shorter|better)\b)"
)
# Faster or cheaper by an amount: a change, whatever participle it is stated with.
_FASTER_BY = re.compile(
    r"\b(?:faster|quicker|sooner|cheaper)\b.*\bby\s+(?:\d+(?:\.\d+)?|x|y|n\d{1,2})\s*%"
)
# "in less time and effort compared to the CLI": a comparison with what was before.
_LESS_THAN_BEFORE = re.compile(
    r"\b(?:less|fewer|more)\s+(?:time|effort|steps|clicks|errors)\b.*?\b(?:compared (?:to|with)|"
    r"than)\b"
)
# "NPS from users who completed activation ≥8": a measure opening the sentence, held at a level.
_METRIC_AT_LEVEL = re.compile(
    r"^(?:nps|csat|ces|churn|retention|conversion|latency|uptime|availability|p9[59])\b"
    r"[^≥≤<>]{0,60}(?:>=|<=|≥|≤|<|>)\s*\d"
)
# Low or high levels of a measure, stated tersely: "Low dropoff when users ...".
_TERSE_LEVEL = re.compile(
    r"^(?:low|lower|high|higher|minimal|fast|faster)\s+(?:[a-z-]+\s+){0,2}?(?:dropoff|drop-off|"
    r"abandonment|bounce|churn|latency|error|errors|failure|failures|turnover|attrition|"
    r"satisfaction|retention|conversion|adoption|engagement)\b"
)
# Hiring counts people taken on, however it is phrased ("Final Q2 hiring is 85%+ of plan");
# "time-to-hire" is a measure.
_HIRING = re.compile(r"(?<![-\w])(?<!to )hir(?:e|es|ed|ing)\b(?!-| funnel)")
# "75% reduction in time spent": a change written as a noun.
_CHANGE_NOUN = re.compile(
    r"\d+(?:\.\d+)?\s*%\s+(?:reduction|increase|decrease|lift|improvement|drop|growth)\b"
)
_BY_PERCENT = re.compile(r"\bby\s+\d+(?:\.\d+)?\s*(?:%|percent\b|x\b|times\b|pp\b|points?\b)")
_MAJORITY = re.compile(r"\b(?:a|the) majority of\b")
_NAMED_LEVEL = re.compile(
    r"\b(?:score|level|rating|index|nps|csat|maturity)\s+(?:of\s+|at\s+)?"
    r"(?:\d+(?:\.\d+)?\+?(?!\s*[a-z])|(?:x|y|n\d{1,2})\b)"
)
# "Incidents not updated on all teams is <10": a count held under a level.
_IS_LEVEL = re.compile(
    r"\b(?:is|are|stays?|remains?)\s*(?:<=|>=|≤|≥|<|>|below|under|above|at most|at least|"
    r"less than|more than|fewer than)\s*\d"
)
# "twice as many interactions", "5 points lower than", "3x more": a change stated as a comparison.
_COMPARED = re.compile(
    r"\b(?:twice|half|(?:two|three|four|five|ten|\d+(?:\.\d+)?x?)\s+times)\s+as\s+"
    r"(?:many|much|fast|often|likely|quickly)\b|"
    r"\b\d+(?:\.\d+)?\s*(?:%|x|points?|pp|percentage points?)\s+(?:lower|higher|fewer|more|less|"
    r"faster|slower|better|shorter|longer)\b"
)
# "50+", "85%+", "4+": a level with its comparator after it.
_PLUS = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s*(?:%|[kmb])?\+")
# A measure moving, its verb after its subject ("Week-1 retention of users grows N7").
_MOVES = re.compile(
    r"\b(?:increases|increased|grows|grew|grown|rises|rose|drops|dropped|decreases|decreased|"
    r"improves|improved|falls|fell|doubles|doubled|halves|halved|reduced|reaches|reached|"
    r"up|down|lift|reduction|increase|growth)\b"
)
# Who acts when a count of them doing something is an outcome ("10 users tweet about it",
# "N9 companies auth private code", "One customer indexes all their repositories").
ACTORS = _words(
    """
    customer customers user users companies company developers devs projects logos clients
    subscribers visitors readers members enterprises
    """
)
# Verbs of work that, with a time to keep, describe what users get rather than what is built.
_SERVING_VERBS = _words("deliver serve load respond render return answer")
# Measures of an audience: "Successfully deploy to N4 MAU" is judged by its reach.
_AUDIENCE_METRICS = _words("mau dau wau iarr arr mrr")
# "3 customer stories" counts stories, not customers.
_NOT_ACTING = _words("stories story case references interviews calls meetings events")
# Use and reach by others: adoption is an outcome.
_USED = re.compile(
    r"\b(?:is|are|gets|get) used\b|\bused by\b|\buses\b|\bhits? top\b|"
    r"\bha(?:ve|s) (?:used|adopted)\b|"
    r"\b(?:visited|attended|used|read|watched|downloaded|installed|joined|opened)\s+by\s+"
    r"(?:over\s+|at least\s+|more than\s+)?\d[\d,]*[km]?|"
    r"\btop[- ]\d+ (?:post|in|on)\b|\breach(?:es|ed)\b|\bmedia (?:story|feature|coverage)\b"
)
# What a delivered state sounds like: a participle of work, or a thing that now exists.
DONE_WORDS = _words(
    """
    implemented documented published defined created adopted deployed provisioned built
    established finished completed hired onboarded designed merged triaged released finalized
    finalised listed scheduled announced shipped launched tracked collected reviewed proposed
    rebuilt decommissioned mirrored researched agreed extracted deprecated exposed refactored
    rewritten written drafted prepared analyzed analysed supported enabled ramped trained
    certified audited detailed solidified presented migrated developed installed configured
    integrated automated delivered approved signed set rolled done live ready identified
    benchmarked mapped built-out greeted updated edited revamped coded attended spoken
    assessed aligned visited remediated patched evaluated
    """
)
_DONE_PHRASES = re.compile(
    r"\b(?:is|are) in place\b|\bexists?\b|\bsupports\b|\bsupport for\b|\bis supported\b|"
    r"\bgo(?:es)? through\b|"
    r"\bparticipat(?:e|es|ion) in\b|\bhave access to\b|"
    r"\b(?:is|are) (?:[a-z]+ly )?available\b|\bhas (?:a|an)\b|\bhave (?:a|an)\b|"
    r"\bare (?:given|covered)\b|"
    r"\bis (?:private|audited)\b|\bruns on\b|\btraining sessions?\b|"
    r"\bcan (?!quickly|easily|efficiently|reliably|be\b|handle\b)"
    r"[a-z]+\b|\bin-progress\b"
)
# The service level a delivered state promises: "within 1 day", "below 24h", "takes <1 week".
_SERVICE_LEVEL = re.compile(
    r"(?:\b(?:within|under|below|less than|in under|in less than|takes?)\s*|[<≤]\s*)"
    r"(?:\d+(?:\.\d+)?|one|two|a|an)\s*(?:ms|s|h|hrs?|hours?|days?|workdays?|minutes?|mins?|"
    r"weeks?|seconds?)\b|\b(?:resolved|resolution) (?:in|within)\b"
)
# Qualities that are measured though they are not counted ("performance", "memory usage").
PROPERTY_WORDS = _words(
    """
    performance experience usage quality reliability security stability scalability efficiency
    usability visibility awareness diversity engagement bandwidth memory footprint size
    relevance consistency transparency health morale trust confidence sentiment loyalty safety
    """
)
# A share done without trouble: "90% of offer letters are completed without any manual editing".
_CLEAN_SHARE = re.compile(
    r"^\d+(?:\.\d+)?\s*%\s+of\b.*?\b(?:without|with no|with zero)\s+(?:any\s+)?"
    r"[a-z-]+(?:\s+[a-z-]+)?"
)
# How something works for the people using it: an outcome, not a thing made.
QUALITY_WORDS = _words(
    """
    always never quickly efficiently easily reliably successfully faster fast sound happy
    thriving comfortable sufficient simplified improved positive efficient diverse intact
    unbroken
    """
)
# What people do when a product works for them: an outcome when they are the subject
# ("Unfamiliar devs visit the site and convert").
BEHAVIOUR_VERBS = _words(
    """
    visit visits convert converts tweet tweets share shares adopt adopts return returns buy
    buys renew renews upgrade upgrades recommend recommends
    """
)
_QUALITY_PHRASES = re.compile(
    r"\bnot a single\b|\bcan handle\b|\bhandles correctly\b|"
    r"\bwithout (?:a |any )?(?:crash|crashes|failure|failures|error|errors|downtime)\b|"
    r"\bno longer\b|\bdoes not negatively\b|\bas efficient as\b|\bzero\b"
)


def _means_only(clean: str, head: str, verb: str) -> Classification | None:
    """ "Improve reliability by rewriting the scheduler": an outcome verb with no measure, whose
    only substance is the work that follows "by" or "through"."""
    match = re.search(r"\s(?:by|through|via)\s+([a-z]+ing)\b", head)
    if match is None:
        rest = clean[len(head) :]
        match = re.match(r"\s*(?:by|through|via)\s+([a-z]+ing)\b", rest)
    else:
        head = head[: match.start()]
    if match is None or measured(head) or _BY_PERCENT.search(clean) or FROM_TO.search(clean):
        return None
    gerund = match.group(1)
    if _stem(gerund) not in WORK_VERBS and gerund not in ("ensuring", "making", "having"):
        return None
    cue = f"{verb} … {match.group(0).strip()}"
    return Classification(
        DELIVERABLE,
        cue,
        f"“{verb}” states no measure; what it names is the work “{match.group(0).strip()}”",
    )


# Verbs that better something: their object must be a quality or a measure for an outcome.
_BETTERING_VERBS = _words("improve optimise optimize enhance strengthen streamline")
_OBJECT_ENDS = _words("according based per by through via using for to with")


def _thing_only(clean: str, words: list[str], verb: str, subject: str) -> Classification | None:
    """ "Improve Modelforge according to DevRel requirements": bettering a thing, with no quality
    or measure named, is work on that thing."""
    if _stem(verb) not in _BETTERING_VERBS or measured(clean):
        return None
    # "Streamline project effort by reducing the number of increments": a measure moving.
    means = re.search(r"\b(?:by|through)\s+([a-z]+ing)\b", clean)
    if means and _stem(means.group(1)) in OUTCOME_VERBS:
        return None
    aim = re.search(r"\bto (?:achieve|reach|hit|get)\b(.*)$", clean)
    if aim and _metric_with_number(_WORD.findall(aim.group(1)), GAIN_WORDS | METRIC_WORDS):
        return None  # the level it aims at is the measure
    start = words.index(verb) + 1 if verb in words else 0
    obj = []
    for word in words[start : start + 6]:
        if word in _OBJECT_ENDS:
            break
        obj.append(word)
    if not obj or any(_is_property(word) for word in obj):
        return None
    cue = f"{verb} {' '.join(obj)}"
    return Classification(
        DELIVERABLE, cue, f"“{cue}” names a thing to work on, not a quality or measure", subject
    )


def _read_first(
    clean: str, head: str, words: list[str], kind: str, verb: str, subject: str
) -> Classification | None:
    kept = _KEPT_ARTIFACT.search(clean)
    # "Maintain the page load time under 2 seconds" keeps a measure, not a page.
    after_kept = _WORD.findall(clean[kept.end() :])[:2] if kept else []
    if kept and (
        FROM_TO.search(clean)
        or ARROW.search(clean)
        or BY_AMOUNT.search(clean)
        or COMPARATOR.search(clean)
        or any(_is_property(word) for word in after_kept)
    ):
        kept = None
    if kept:
        cue = kept.group(0)
        return Classification(DELIVERABLE, cue, f"“{cue}” keeps a document, not a result", subject)
    output = (
        _OUTPUT_COUNT.search(clean) or _PERCENT_DONE.search(clean) or _OUTPUT_RATE.search(clean)
    )
    received = _RECEIVED.match(clean)
    if output is None and received and kind != "target" and not _GET_N_TO.match(clean):
        cue = received.group(0)
        return Classification(OUTCOME, cue, f"it counts what others give or do (“{cue}”)")
    # "Reach 1000 posts on the forum": what a verb naming a level counts is not work produced.
    if output is None and kind not in ("work", "target"):
        output = _COUNTED_OUTPUT.search(clean)
    if output:
        cue = output.group(0)
        return Classification(
            DELIVERABLE, cue, f"it counts work produced (“{cue}”), not a change it causes", subject
        )
    if kind == "outcome":
        return _means_only(clean, head, verb) or _thing_only(clean, words, verb, subject)
    # "By organizing at least 6 meetups I have impact": the work is what it states.
    by_work = re.match(r"by\s+([a-z]+ing)\b", clean)
    if (
        by_work
        and _stem(by_work.group(1)) in WORK_VERBS
        and not (FROM_TO.search(clean) or ARROW.search(clean) or BY_AMOUNT.search(clean))
    ):
        cue = by_work.group(0)
        return Classification(DELIVERABLE, cue, f"what it states is the work (“{cue}”)", subject)
    experience = _EXPERIENCE.search(clean)
    # After a verb of work, "understand" or "feel" is usually the purpose of the work ("Launch
    # manager training to help managers understand ..."); people reporting is still measured.
    if experience and kind == "work" and not experience.group(0).endswith(" that"):
        experience = None
    # "25 user-testing sessions to understand ...": the purpose of the work, not a report.
    if experience and re.search(r"\bto\s+(?:help\s+[a-z-]+\s+)?$", clean[: experience.start()]):
        experience = None
    if experience and experience.start() > 0:
        cue = experience.group(0)
        return Classification(OUTCOME, cue, f"it says how people experience something (“{cue}”)")
    hiring = _HIRING.search(clean)
    if hiring:
        cue = hiring.group(0)
        return Classification(
            DELIVERABLE, cue, f"“{cue}” counts people taken on, not what they change", subject
        )
    if kind in ("work", "target"):
        return None
    # "Get N2 to successful POC", "Get 20 teams to weekly use": moving a number of others.
    moved_others = _GET_N_TO.match(clean)
    if moved_others:
        cue = moved_others.group(0)
        return Classification(OUTCOME, cue, f"it moves a number of others (“{cue}”)")
    # "Be featured in 5 articles", "Get featured by Apple": others writing about us.
    mentioned = _MENTIONED.match(clean) or _FEATURED.match(clean)
    if mentioned:
        cue = mentioned.group(0)
        return Classification(OUTCOME, cue, f"it counts others mentioning us (“{cue}”)")
    # "Product is working to improve retention": the subject is doing work, and unless a change
    # is measured ("from 20% to 30%"), that work is what the key result states.
    working = _WORKING.search(clean)
    if (
        working
        and "working" not in working.group(0)
        and (re.match(r"\d", clean) or COMPARATOR.search(clean) or _SERVICE_LEVEL.search(clean))
    ):
        working = None  # "80% of product teams are building on the platform": adoption
    if working and not (FROM_TO.search(clean) or ARROW.search(clean) or BY_AMOUNT.search(clean)):
        cue = working.group(0)
        return Classification(DELIVERABLE, cue, f"“{cue}” states work under way, not a result")
    actor = next((word for word in words[:3] if word in ACTORS), None)
    behaviour = actor and next((word for word in words[1:] if word in BEHAVIOUR_VERBS), None)
    # "Users are able to visit" or "users can visit" is a capability built, not behaviour seen.
    if actor and behaviour and not re.search(r"\b(?:able to|can|could)\b", clean):
        cue = f"{actor} … {behaviour}"
        return Classification(OUTCOME, cue, f"it says what others do (“{cue}”)")
    moved = _MOVES.search(head)
    if moved and moved.start() > 0:
        before = _WORD.findall(head[: moved.start()])
        if any(word in METRIC_WORDS or word in ACTORS for word in before):
            cue = moved.group(0)
            return Classification(OUTCOME, cue, f"it says a measure moves (“{cue}”)")
    return None


def _state(clean: str, head: str, words: list[str], subject: str) -> Classification | None:
    """A sentence without a verb of either kind: a delivered state, or how things work."""
    none_of = _NONE_OF.match(clean)
    if none_of and re.search(r"\b(?:until|before|unless)\b", clean):
        none_of = None  # "No new features until the migration is done"
    if none_of and not re.match(r"no\s+[a-z-]+\s+(?:is|are)\s+(?:needed|required)\b", clean):
        cue = none_of.group(0)
        return Classification(OUTCOME, cue, f"it allows none of something to happen (“{cue}”)")
    has_level = _HAS_LEVEL.search(clean)
    if has_level and not (
        re.search(r"\d|\b[a-z]+er\b", has_level.group("level"))
        or measured(clean[has_level.end() :])
    ):
        has_level = None  # "Every account has a health score": a thing that now exists
    if has_level:
        cue = has_level.group(0)
        return Classification(OUTCOME, cue, f"it states a level of a measure (“{cue}”)")
    for pattern, why in (
        (_FASTER_BY, "it states a measured change"),
        (_LESS_THAN_BEFORE, "it states a measured change"),
        (_METRIC_AT_LEVEL, "it states a level of a measure"),
        (_TERSE_LEVEL, "it states a level of a measure"),
        (_TIER_REACHED, "it names a level to reach"),
        (_COMPARED, "it states a measured change"),
        (_IS_LEVEL, "it holds a count at a level"),
    ):
        found = pattern.search(clean)
        if found:
            cue = found.group(0)
            return Classification(OUTCOME, cue, f"{why} (“{cue}”)")
    service = _SERVICE_LEVEL.search(clean)
    if service:
        cue = service.group(0).strip()
        return Classification(OUTCOME, cue, f"it sets a level to hold (“{cue}”)")
    change = (
        FROM_TO.search(clean)
        or ARROW.search(clean)
        or _BY_PERCENT.search(clean)
        or _CHANGE_NOUN.search(clean)
    )
    if change:
        cue = change.group(0)
        return Classification(OUTCOME, cue, f"it states a measured change (“{cue}”)")
    artifact = _artifact_head(_WORD.findall(re.sub(r"\([^()]*\)", " ", clean)))
    if artifact:
        return Classification(
            DELIVERABLE,
            artifact,
            f"it names a thing to produce (“{artifact}”), not a result",
            subject,
        )
    first = re.match(r"(?:at least |over |more than )?(\d[\d,]*\+?|n\d{1,2}|one|\w+%)\s", clean)
    actor = first and next(
        (
            word
            for index, word in enumerate(words[1:5], start=2)
            if word in ACTORS
            and (words[index : index + 1] or [""])[0] not in _NOT_ACTING
            # "100% of team members": the organisation's own people, whom its work is for.
            and words[index - 2] != "team"
        ),
        None,
    )
    if first and actor:
        cue = f"{first.group(1)} … {actor}"
        return Classification(OUTCOME, cue, f"it counts what others do (“{cue}”)")
    used = _USED.search(clean)
    if used:
        cue = used.group(0)
        return Classification(OUTCOME, cue, f"it states use or reach by others (“{cue}”)")
    strong = _QUALITY_PHRASES.search(clean)
    if strong:
        cue = strong.group(0)
        return Classification(OUTCOME, cue, f"it says how well something works (“{cue}”)")
    # "90% of offer letters are completed without any manual editing": the share of work that
    # goes right is a rate of how well it works, not the work.
    clean_share = _CLEAN_SHARE.search(clean)
    if clean_share:
        cue = clean_share.group(0)
        return Classification(OUTCOME, cue, f"it states how often something goes right (“{cue}”)")
    # A delivered state's word in an aside decides nothing: "(as defined by DORA)".
    outside = _WORD.findall(re.sub(r"\([^()]*\)", " ", head))
    done = next((word for word in outside if word in DONE_WORDS), None)
    phrase = _DONE_PHRASES.search(re.sub(r"\([^()]*\)", " ", clean))
    if done or phrase:
        cue = done or phrase.group(0)  # type: ignore[union-attr]
        return Classification(
            DELIVERABLE, cue, f"“{cue}” describes work delivered, not what it changed", subject
        )
    quality = next((word for word in words if word in QUALITY_WORDS), None)
    phrase = _QUALITY_PHRASES.search(clean)
    if quality or phrase:
        cue = quality or phrase.group(0)  # type: ignore[union-attr]
        return Classification(OUTCOME, cue, f"it says how well something works (“{cue}”)")
    # "Bitswap improvements around ... increasing throughput": a measure moving, named as a
    # gerund inside a noun phrase.
    for index, word in enumerate(words):
        # ...or its verb after a subject: "Our platforms measure and improve the satisfaction".
        after_subject = index <= 5 and words[0] in _SUBJECT_OPENERS and word in OUTCOME_VERBS
        if index and (word.endswith("ing") or after_subject) and _stem(word) in OUTCOME_VERBS:
            measure = next((w for w in words[index + 1 : index + 4] if _is_property(w)), None)
            if measure:
                cue = f"{word} … {measure}"
                return Classification(OUTCOME, cue, f"it says a measure moves (“{cue}”)")
    return None


# Things a team produces: the head of a noun phrase naming one is a deliverable ("Customer
# Advisory Board event with at least 10 customers", "Zero-downtime migration of the database").
ARTIFACT_HEADS = _words(
    """
    event events program programs programme programmes plan plans policy policies training
    trainings workshop workshops webinar webinars dashboard dashboards document documents
    documentation playbook playbooks guide guides guideline guidelines framework frameworks
    process processes tool tools strategy roadmap template templates report reports audit
    course courses curriculum offsite summit conference campaign campaigns pilot prototype
    mvp mvc integration integrations migration module modules script scripts handbook website
    """
)
# Where the first noun phrase of a sentence without a verb ends: a preposition, or a verb after
# which the phrase is the subject of what happens ("Our programs have helped close N2 logos").
_PHRASE_ENDS = _words(
    """
    with for to of in on by at that which who from within under below above over than and or
    across per after before during
    """
)
_SUBJECT_OF = _words("is are was were be been has have had will can helped help helps result")


def _artifact_head(words: list[str]) -> str | None:
    """The head of the opening noun phrase, when it names a thing produced."""
    phrase = []
    for word in words[:7]:
        if word in _SUBJECT_OF:
            return None
        if word in _PHRASE_ENDS or re.match(r"[£$€]?\d", word):
            break
        phrase.append(word)
    if phrase and phrase[-1] in ARTIFACT_HEADS:
        return phrase[-1]
    return None


# A count opening a sentence, and the words it counts up to the first preposition or verb.
_OPENING_COUNT = re.compile(
    r"(?:at least |over |more than )?(?:\d[\d,.]*\s*[kmx]?|n\d{1,2})(?:[a-z]*)(?:\s+(?!(?:"
    r"with|for|to|of|in|on|by|at|from|that|which|who|is|are|per|and)\b)[a-z&/-]+){0,4}"
)
_YEAR = re.compile(r"(?:19|20)\d\d\b")
# What a team produces, counted: "3 blog posts", "2 engineering deep dives".
_PRODUCED = ARTIFACT_HEADS | _words(
    """
    post posts blog blogs article articles story stories video videos episode episodes talk talks
    feature features release releases doc docs page pages session sessions dive dives case
    studies interview interviews highlights tutorials demos demo nodes repos repositories
    speaking stream streams livestream livestreams podcast podcasts experiment experiments
    recommendation recommendations view views approach approaches certification certifications
    prototypes paper papers presentation presentations model models rule rules
    """
)


_SUBJECT_OPENERS = _words("our the all each every their")


def _counted_product(words: list[str]) -> str | None:
    """ "3 analytics views", "≥3 recommendations": a count followed within three words by a
    thing produced, as "3 … views"."""
    for index, word in enumerate(words):
        if re.fullmatch(_COUNT + r"\+?", word):
            found = next((w for w in words[index + 1 : index + 4] if w in _PRODUCED), None)
            return f"{word} … {found}" if found else None
    return None


def _without_match(text: str, match: re.Match[str]) -> str:
    return text[: match.start()] + " " + text[match.end() :]


def _is_property(word: str) -> bool:
    """A measure or a quality of something: "latency", "throughput", "reliability"."""
    return word in METRIC_WORDS or word.endswith(("ity", "ness")) or word in PROPERTY_WORDS


def classify(text: str) -> Classification:
    """Outcome or deliverable, with the cue that decided."""
    # A key result's title is at most 500 characters where it is stored; a longer text (a file
    # or an API body) is judged by its start, which also bounds the regular expressions' work.
    text = text[:MAX_TITLE]
    clean = normalise(text)
    head = _head(clean)
    words = _WORD.findall(head)
    kind, verb, after = _leading_verb(words)
    rest = " ".join(words[after:])
    subject = _subject(text, verb)

    first = _read_first(clean, head, words, kind, verb, subject)
    if first is not None:
        return first
    if kind == "outcome":
        return Classification(
            OUTCOME, verb, f"it starts with “{verb}”, which moves or holds a measure"
        )
    if kind == "target":
        # "Add 1,500 paying teams" is a gain; "Onboard 2+ contributors" is taking people on.
        gain = _metric_with_number(words[after:], GAIN_WORDS)
        level = gain if _stem(verb) in ("add", "onboard") else measured(head) or gain
        # "Achieve measurable pipeline", "Generate new ARR": money won is a measure with or
        # without its figure; "Achieve SOC 2 compliance" names no money.
        money = next((word for word in words[after : after + 4] if word in MONEY_WORDS), None)
        level = level or money
        # "Achieve new logo targets", "Achieve a maintainer ratio of 7:1": a verb that only
        # names a level, followed by a measure or a target.
        if _stem(verb) in _LEVEL_VERBS:
            level = level or next(
                (w for w in words[after : after + 6] if w in METRIC_WORDS or w in _TARGET_NOUNS),
                None,
            )
            # "Reach 300 platform memberships": the count right after the verb is the level
            # ("Achieve SOC 2 compliance" names a standard).
            following = [w for w in words[after : after + 4] if w not in ("at", "least", "over")]
            if not level and following and re.fullmatch(_COUNT, following[0]):
                level = following[0]
        # "Partner with 5 NFT collections": the number of partners won.
        if _stem(verb) == "partner":
            following = [w for w in words[after : after + 4] if w not in ("with", "at", "least")]
            if following and re.fullmatch(_COUNT + r"\+?", following[0]):
                level = following[0]
        # "Add at least 3 analytics views", "Achieve 10 certifications": the count is of things
        # the team produces or earns, not a level others reach.
        produced = _counted_product(words[after : after + 6])
        if produced and _stem(verb) in ("add", "achieve"):
            return Classification(
                DELIVERABLE,
                f"{verb} … {produced}",
                f"“{verb}” counts things the team produces (“{produced}”), not a level",
                subject,
            )
        if level:
            cue = f"{verb} … {level}"
            return Classification(OUTCOME, cue, f"“{verb}” names a level to reach ({cue})")
        return Classification(
            DELIVERABLE,
            verb,
            f"“{verb}” is followed by a thing to obtain, not a measured level",
            subject,
        )
    if kind == "work":
        baseline = _baseline(clean, head, _stem(verb.split()[0]))
        if baseline:
            return Classification(
                OUTCOME,
                baseline,
                f"it states a change from a baseline (“{baseline}”), not only work",
            )
        # "with all accounts over $1m" describes whom the work is for, not a level to hold, and
        # "Interview at least 25 candidates" counts the work: only a rate or a share is a level
        # ("Deploy to production at least 5 times a day"). "(≥0.8) are correct ≥95% of the
        # time": the first comparator may be a threshold, a later one the level.
        held = next(
            (
                found
                for found in COMPARATOR.finditer(head)
                if _RATE_AFTER.match(head[found.end() :]) or "%" in found.group(0)
            ),
            None,
        )
        bar = _bar_for_product(head, words[after:], held) if held else None
        if held and bar:
            return Classification(
                DELIVERABLE,
                bar,
                f"the level (“{held.group(0)}”) is a bar for what the work produces (“{bar}”)",
                subject,
            )
        share = _SHARE_OF_WORK.match(_object_text(head, verb))
        if held and share and not _SERVICE_LEVEL.search(head):
            cue = f"{verb} {share.group(0)}"
            return Classification(
                DELIVERABLE, cue, f"“{cue}” is a share of the work done, not a result", subject
            )
        if held and not held.group(0).startswith("within") and not re.search("[£$€]", held[0]):
            cue = held.group(0)
            return Classification(OUTCOME, cue, f"it sets a level to hold (“{cue}”), not only work")
        # "Deliver every page in under a second": a verb of serving with a time to keep.
        served = _SERVICE_LEVEL.search(head)
        if served and _stem(verb) in _SERVING_VERBS:
            cue = served.group(0).strip()
            return Classification(OUTCOME, cue, f"it sets a level to hold (“{cue}”), not only work")
        reach = _metric_with_number(words[after:], _AUDIENCE_METRICS)
        if reach and "…" in reach:  # a number of users, not a sum or a count of regions
            return Classification(OUTCOME, reach, f"the work is measured by its reach (“{reach}”)")
        obj = _object_text(head, verb)
        if PERCENT.search(obj) and any(word in RATE_WORDS for word in _WORD.findall(obj)):
            cue = obj
            return Classification(OUTCOME, cue, f"its object is a rate with a level (“{cue}”)")
        outcome_later = _outcome_clause(head)
        if outcome_later:
            return Classification(
                OUTCOME,
                outcome_later,
                f"it names a measured outcome (“{outcome_later}”) as well as the work",
            )
        counted = re.match(r"\s*(\d+|two|three|four|five|six|ten|twelve|twenty)\b", rest)
        why = (
            f"“{verb}” names work, and the number counts the activity, not a result"
            if counted
            else f"“{verb}” names work to do, and no measured change is stated"
        )
        return Classification(DELIVERABLE, verb, why, subject)

    # No verb of either kind: a noun phrase, or a neutral verb ("Ensure", "Get", "Make").
    # Without a verb of work, a constraint clause is part of the statement ("Every release goes
    # out with zero rollbacks"), so the whole text counts.
    # "Provide ≥3 recommendations": a neutral verb counting things produced; "Provide tools that
    # boost productivity by 40%": a thing made, with what it should bring.
    produced = _counted_product(words[after : after + 6]) if kind == "neutral" else None
    if produced:
        return Classification(
            DELIVERABLE,
            f"{verb} … {produced}",
            f"“{verb}” counts things the team produces (“{produced}”), not a level",
            subject,
        )
    made = _artifact_head(words[after : after + 5]) if _stem(verb) == "provide" else None
    if made and re.search(rf"\b{re.escape(made)}\b.*?\b(?:that|which)\b", head):
        cue = f"{verb} … {made}"
        return Classification(
            DELIVERABLE, cue, f"“{cue}” names a thing to make, with what it should bring", subject
        )
    state = _state(clean, head, words, subject)
    if state is not None:
        return state
    level = measured(clean)
    if level:
        return Classification(OUTCOME, level, f"it states a measured level or change (“{level}”)")
    finished = next((word for word in words if word in COMPLETION_WORDS), None)
    if finished:
        return Classification(
            DELIVERABLE, finished, f"“{finished}” marks a piece of work as finished", subject
        )
    counted_metric = _metric_with_number(words, METRIC_WORDS)
    if counted_metric:
        return Classification(
            OUTCOME, counted_metric, f"it states a level of a measure (“{counted_metric}”)"
        )
    # "50 new creator profiles", "5 new meetup groups", "50GBs of media content": with no verb
    # and no delivered state, a count that opens the sentence is of what others do or have,
    # unless what it counts is a thing produced ("3 blog posts").
    opening = None if _YEAR.match(clean) else _OPENING_COUNT.match(clean)
    if opening and not any(word in _PRODUCED for word in _WORD.findall(opening.group(0))):
        cue = opening.group(0).strip()
        return Classification(OUTCOME, cue, f"it counts what others do or have (“{cue}”)")
    cue = verb or (words[0] if words else "")
    return Classification(
        DELIVERABLE, cue, "it names no measure and no change to one: it reads as work", subject
    )


def _bar_for_product(head: str, rest: list[str], held: re.Match[str]) -> str | None:
    """ "Ship a live dashboard where the team can review ... in <10 seconds", "Develop 3
    approaches, each achieving ≥60% accuracy": the level describes the thing made, not a result
    the work brings. The thing made, or None."""
    before = head[: held.start()]
    product = _counted_product(rest[:6])
    if product and re.search(r"\beach\s+(?:achieving|with|scoring|reaching)\b", before):
        return product
    obj = []
    for word in rest[:5]:
        if word in ("where", "that", "which", "so"):
            break
        obj.append(word)
    artifact = _artifact_head(obj)
    if artifact and re.search(rf"\b{re.escape(artifact)}\s+(?:where|that|which|so)\b", before):
        return artifact
    return None


def _baseline(clean: str, head: str, verb: str) -> str | None:
    """A change from a baseline stated alongside work ("(from 55%)", "8% -> 5%")."""
    for pattern in (FROM_TO, ARROW, BASELINE_NOTE):
        match = pattern.search(clean)
        if match is None:
            continue
        cue = match.group(0)
        # "Upgrade React from 16 to 18" moves versions, not a measure: only a unit says so.
        if verb in MOVE_VERBS and not (
            re.search(r"[%£$€]|\d\s*(?:ms|s|h|k|m|x)\b|\b(?:hours?|days?|minutes?|weeks?)\b", cue)
            or any(word in METRIC_WORDS for word in _WORD.findall(head))
        ):
            continue
        return cue
    return None


def _object_text(head: str, verb: str) -> str:
    """The first four words after the verb, symbols kept ("99.9% uptime")."""
    after = head.split(verb, 1)[1] if verb and verb in head else head
    return " ".join(after.split()[:4])


def _outcome_clause(head: str) -> str | None:
    """ "Launch X and raise Y from A to B": a later clause with an outcome verb and a level."""
    for match in re.finditer(r"(?:\b(?:and|to|so that)|[,;])\s+([a-z]+)\b", head):
        later = head[match.end() :]
        if _stem(match.group(1)) in OUTCOME_VERBS and measured(later):
            return f"{match.group(1)}{later}".strip()
    # "Run 3 competitions generating a total of 100 submissions": the work measured by what it
    # brings from others.
    generated = re.search(
        r"\b(?:generating|resulting in|bringing in|driving)\s+(?:a total of\s+|at least\s+)?"
        r"\d[\d,]*[kmx]?\s+[a-z-]+",
        head,
    )
    if generated:
        return generated.group(0)
    return None


def _subject(text: str, verb: str) -> str:
    """The work named, as the person wrote it: "Complete the Kubernetes migration" -> "the
    Kubernetes migration"."""
    original = " ".join(text.split()).strip(" .,;:!?\"'")
    original = re.sub(
        r"^(?:(?:kr|key result)\s*\d*\s*[:.)-]\s*|\d+[.)]\s*|[-*•]\s*)", "", original, flags=re.I
    )
    original = re.sub(
        r"^(?:we|i|the team)\s+(?:will|shall|want to|aim to|plan to|need to|must|should)\s+|"
        r"^(?:we|i)'ll\s+",
        "",
        original,
        flags=re.I,
    )
    if verb:
        pattern = re.compile(r"^\s*(?:\w+ly\s+)?" + re.escape(verb) + r"\w*\s*", re.I)
        stripped = pattern.sub("", original, count=1)
        if stripped and stripped != original:
            return stripped
    return original
