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

Every answer carries the cue that decided it, so a person can see why and disagree.
docs/coach.md has the whole method and its precision and recall on tests/coach/corpus.yaml.
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
    accelerate speed keep maintain sustain stay remain bring prevent avoid
    """
)
# Verbs that name a target level: an outcome when a level follows ("Reach 10,000 customers"),
# work otherwise ("Achieve SOC 2 compliance").
TARGET_VERBS = _words(
    """
    achieve reach hit attain exceed beat win sign close convert retain save resolve serve
    """
)
# What a target verb must be followed by, with a number, to be an outcome: customers won,
# revenue closed, hours saved ("Close 30 tickets" counts work; "Close $2M" is revenue).
GAIN_WORDS = _words(
    """
    customers customer logos deals partners accounts users teams revenue business arr mrr
    hours days seats subscribers members sign-ups signups trials contracts renewals
    """
)
# Verbs of work: projects, launches, activities.
WORK_VERBS = _words(
    """
    do perform visit call meet complete finish finalise finalize migrate move launch
    implement ship build deliver release hold run conduct write publish create deploy
    introduce adopt upgrade decommission retire replace rewrite refactor redesign design
    develop integrate automate document define establish hire recruit train organise
    organize host attend interview pilot prototype evaluate investigate research explore
    test audit review onboard install configure consolidate standardise standardize port
    containerise containerize sunset deprecate add enable translate send start begin prepare
    plan draft produce rebuild replatform restructure transition switch roll set kick go
    open schedule
    """
)
# Two-word work verbs whose first word alone means little ("roll out", "set up").
WORK_PHRASES = (
    "roll out", "set up", "kick off", "go live", "move to", "switch to", "sign off", "reach out",
    "carry out", "sign up",
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
    rollbacks outages regressions breaches alerts
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
    r"(?:we|i)'ll\s+|(?:our\s+)?goal\s*(?:is\s+to|:)\s*|(?:aim|try|plan)\s+to\s+|to\s+)",
)
# "Means" and "constraint" clauses, set aside before the head is judged.
_ASIDE = re.compile(
    r"\s+(?:through|via|thanks to|using|with the help of|by means of|as a result of|"
    r"by\s+(?=[a-z]+ing\b)|without|while|with\s+(?:no|zero|less than|under|at most|minimal)\b|"
    r"and\s+(?:without|no)\b)\s.*$|\s*\(([^()]*)\)\s*$"
)
_NUMBER = r"[£$€]?\d[\d,]*(?:\.\d+)?\s*(?:%|[kmb]\b)?"
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
    r"fewer than|less than|more than|not exceed|within|at or (?:above|below)|>=|<=|<|>)\s*(?:"
    + _NUMBER
    + r"|one|two|three|four|five|ten|a day|an hour)"
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
    patterns = (FROM_TO, ARROW, BASELINE_NOTE, BY_AMOUNT, COMPARATOR, LEVEL_OR_BETTER, PERCENT)
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return match.group(0).strip()
    zero = ZERO_METRIC.search(text)
    if zero and zero.group("noun") in _COUNTED_METRICS:
        return zero.group(0)
    return None


def _metric_with_number(words: list[str], nouns: frozenset[str]) -> str | None:
    """A sum of money, a number in thousands, or a number followed within three words by one of
    `nouns` ("10,000 paying customers", "15 new enterprise logos")."""
    for index, word in enumerate(words):
        if re.fullmatch(r"[£$€]?\d[\d,.]*[kmb]?", word) and not re.fullmatch(r"(19|20)\d\d", word):
            if word[0] in "£$€" or word[-1] in "kmb" or "," in word:
                return word
            for follower in words[index + 1 : index + 4]:
                if follower in nouns:
                    return f"{word} … {follower}"
    return None


def _leading_verb(words: list[str]) -> tuple[str, str, int]:
    """(kind, verb as written, index of the first word after it); kind is 'outcome',
    'target', 'work', 'neutral' or ''."""
    if not words:
        return "", "", 0
    start = 0
    # An adverb before the verb ("Significantly reduce", "Fully migrate").
    if words[0].endswith("ly") and len(words) > 1 and words[0] not in ("only", "early"):
        start = 1
    first = words[start]
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
    for suffix, replacement in (("ing", ""), ("ing", "e"), ("es", ""), ("s", ""), ("ed", "")):
        if word.endswith(suffix):
            candidate = word[: -len(suffix)] + replacement
            if candidate in WORK_VERBS or candidate in OUTCOME_VERBS or candidate in TARGET_VERBS:
                return candidate
    return word


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

    if kind == "outcome":
        return Classification(
            OUTCOME, verb, f"it starts with “{verb}”, which moves or holds a measure"
        )
    if kind == "target":
        level = measured(head) or _metric_with_number(words[after:], GAIN_WORDS)
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
        held = COMPARATOR.search(head)
        if held and not held.group(0).startswith("within"):
            cue = held.group(0)
            return Classification(OUTCOME, cue, f"it sets a level to hold (“{cue}”), not only work")
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
    cue = verb or (words[0] if words else "")
    return Classification(
        DELIVERABLE, cue, "it names no measure and no change to one: it reads as work", subject
    )


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
    match = re.search(r"\b(?:and|to|so that)\s+([a-z]+)\b(.*)$", head)
    if match and _stem(match.group(1)) in OUTCOME_VERBS and measured(match.group(2)):
        return f"{match.group(1)}{match.group(2)}".strip()
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
