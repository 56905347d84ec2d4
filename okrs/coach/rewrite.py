"""The outcome rewrite of a deliverable key result, keeping the person's own subject.

A deliverable is usually done for a reason, and the reason is a measure. The table maps words
of common deliverables to the measures they usually serve; the first match wins, so the more
specific words come first. The rewrite is a proposal with placeholders for the numbers, never
a guess at them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    verb: str  # the direction that counts as better: "Reduce" or "Raise"
    metric: str


# (words that name the work, measures it usually moves, most likely first)
MEASURES_BY_WORK: tuple[tuple[tuple[str, ...], tuple[Measure, ...]], ...] = (
    (
        (
            "kubernetes",
            "k8s",
            "container",
            "containeris",
            "containeriz",
            "cloud",
            "aws",
            "gcp",
            "azure",
            "data centre",
            "data center",
            "virtual machine",
            "vm",
            "hosts",
            "replatform",
        ),
        (
            Measure("Reduce", "infrastructure cost per customer"),
            Measure("Reduce", "deployment lead time"),
        ),
    ),
    (
        (
            "migration",
            "migrate",
            "move",
            "port",
            "upgrade",
            "decommission",
            "retire",
            "sunset",
            "legacy",
            "rewrite",
            "rebuild",
        ),
        (
            Measure("Reduce", "deployment lead time"),
            Measure("Reduce", "incidents per month"),
            Measure("Reduce", "running cost per month"),
        ),
    ),
    (
        ("onboarding", "setup", "set up", "signup", "sign-up", "welcome", "tutorial"),
        (
            Measure("Raise", "the activation rate of new accounts"),
            Measure("Reduce", "the time to first value"),
        ),
    ),
    (
        ("interview", "discovery", "research", "survey", "user testing", "customer call"),
        (
            Measure("Raise", "the number of problems validated with customer evidence"),
            Measure("Raise", "the share of roadmap items backed by customer evidence"),
        ),
    ),
    (
        ("pricing", "price", "plan", "billing", "checkout", "payment"),
        (
            Measure("Raise", "trial-to-paid conversion"),
            Measure("Raise", "average revenue per account"),
        ),
    ),
    (
        (
            "sso",
            "single sign-on",
            "saml",
            "okta",
            "two-factor",
            "2fa",
            "mfa",
            "soc 2",
            "soc2",
            "iso 27001",
            "gdpr",
            "security",
            "audit",
            "compliance",
            "penetration",
            "vault",
            "iam",
        ),
        (
            Measure("Reduce", "enterprise deals blocked by security reviews"),
            Measure("Reduce", "open critical security findings"),
        ),
    ),
    (
        (
            "ci",
            "pipeline",
            "build",
            "release process",
            "deploy",
            "github actions",
            "jenkins",
            "gitlab",
            "terraform",
            "automat",
            "feature flag",
            "canary",
            "trunk",
        ),
        (Measure("Reduce", "deployment lead time"), Measure("Raise", "deployment frequency")),
    ),
    (
        (
            "monitoring",
            "observability",
            "alerting",
            "alerts",
            "tracing",
            "logging",
            "runbook",
            "on-call",
            "incident",
            "status page",
            "error tracking",
            "slo",
        ),
        (
            Measure("Reduce", "the time to restore service (MTTR)"),
            Measure("Reduce", "the time to detect incidents"),
        ),
    ),
    (
        ("test", "testing", "qa", "flaky"),
        (
            Measure("Reduce", "the change failure rate"),
            Measure("Reduce", "defects found by customers"),
        ),
    ),
    (
        (
            "database",
            "postgres",
            "mysql",
            "query",
            "queries",
            "cache",
            "caching",
            "search",
            "performance",
        ),
        (Measure("Reduce", "p95 response time"), Measure("Reduce", "database-related incidents")),
    ),
    (
        (
            "dashboard",
            "analytics",
            "report",
            "reporting",
            "warehouse",
            "data catalogue",
            "data catalog",
            "metrics",
        ),
        (
            Measure("Reduce", "the time to answer a data question"),
            Measure("Raise", "the share of decisions made with data"),
        ),
    ),
    (
        (
            "docs",
            "documentation",
            "document",
            "help centre",
            "help center",
            "article",
            "guide",
            "faq",
            "knowledge base",
        ),
        (
            Measure("Reduce", "support tickets per 1,000 customers"),
            Measure("Raise", "self-service resolution rate"),
        ),
    ),
    (
        (
            "blog",
            "post",
            "webinar",
            "newsletter",
            "content",
            "conference",
            "campaign",
            "video",
            "event",
            "hackathon",
        ),
        (Measure("Raise", "qualified leads per month"), Measure("Raise", "organic sign-ups")),
    ),
    (
        ("mobile", "ios", "android", "app store", "app"),
        (Measure("Raise", "mobile conversion"), Measure("Raise", "weekly active mobile users")),
    ),
    (
        ("hire", "hiring", "recruit", "train", "training", "onboard", "engineers", "team"),
        (
            Measure("Reduce", "the time for a new hire to ship to production"),
            Measure("Raise", "roadmap items delivered per quarter"),
        ),
    ),
    (
        ("design system", "redesign", "design", "ui", "ux", "page", "dark mode", "accessib"),
        (Measure("Raise", "task completion rate"), Measure("Reduce", "time to ship a UI change")),
    ),
    (
        ("integration", "integrate", "salesforce", "api", "partner", "marketplace"),
        (
            Measure("Raise", "the share of accounts using an integration"),
            Measure("Raise", "revenue from partner-sourced deals"),
        ),
    ),
    (
        ("support", "crm", "chatbot", "helpdesk", "customer success"),
        (
            Measure("Reduce", "the median first response time"),
            Measure("Raise", "customer satisfaction (CSAT)"),
        ),
    ),
    (
        ("tech debt", "tech-debt", "refactor", "monolith", "modules", "service"),
        (
            Measure("Reduce", "the lead time for changes"),
            Measure("Reduce", "incidents caused by changes"),
        ),
    ),
)
FALLBACK = (
    Measure(
        "Raise",
        "the measure it is meant to move (a rate, a time, a cost or a count of what customers do)",
    ),
)


def measures_for(text: str) -> tuple[Measure, ...]:
    """The measures the work named in `text` usually serves, most likely first."""
    lowered = f" {text.lower()} "
    for words, measures in MEASURES_BY_WORK:
        for word in words:
            # Whole words, but stems too ("containeris" for containerise and containerisation).
            if re.search(r"(?<![a-z])" + re.escape(word), lowered):
                return measures
    return FALLBACK


# Nouns that name a piece of work as an event: "measure what the migration should change"
# reads well; "measure what the remaining 14 hosts should change" does not.
_WORK_NOUNS = re.compile(
    r"\b(?:migration|move|launch|rollout|roll-out|release|redesign|rewrite|rebuild|upgrade|"
    r"integration|implementation|programme|program|project|initiative|audit|pilot|campaign|"
    r"overhaul|revamp|refactor(?:ing)?|onboarding|adoption|transition|deployment)\b",
    re.IGNORECASE,
)


def outcome_rewrite(title: str, subject: str) -> str:
    """A suggestion that rewrites `title` as an outcome and moves the work to an initiative."""
    measures = measures_for(title)
    first = measures[0]
    others = " or ".join(measure.metric for measure in measures[1:])
    title = " ".join(title.split())
    example = f"“{first.verb} {first.metric} from <baseline> to <target>”"
    alternatives = f" (or {others})" if others else ""
    if (
        subject
        and _WORK_NOUNS.search(subject)
        and not re.match(r"(?i)(?:to|into|from|on)\b", subject)
    ):
        why = f"measure what {subject} should change"
    else:
        why = f"measure the change “{title}” is meant to bring"
    return (
        f"Rewrite it as an outcome, e.g. {example}{alternatives}: {why}. "
        f"Move “{title}” to an initiative linked to that key result."
    )
