"""What readers see of a source: every parameter a backend marks secret is hidden, whatever it
holds (a raw value saved around the validator, or an env: reference), and the rest is shown."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from okrs.metrics.sources.public import HIDDEN, SHOWN_FIELDS, public_source
from okrs.metrics.sources.registry import REGISTRY, secret_params

# A valid source of each backend with secrets, before the secrets are filled in.
VALID: dict[str, dict[str, object]] = {
    "prometheus": {"kind": "prometheus", "url": "http://prom:9090", "query": "up"},
    "sql": {"kind": "sql", "query": "select 1"},
    "http_json": {"kind": "http_json", "url": "https://x.test/m.json", "jsonpath": "$.a"},
    "pagerduty": {"kind": "pagerduty", "statuses": ["triggered"]},
    "github": {"kind": "github", "query": "repo:acme/shop is:issue"},
    "jira": {"kind": "jira", "site": "https://acme.atlassian.net", "jql": "project = OPS"},
}


def test_every_backend_with_secrets_is_covered() -> None:
    assert set(VALID) == {kind for kind in REGISTRY if secret_params(kind)}


def test_a_valid_source_shows_all_but_its_secrets() -> None:
    source = {
        **VALID["jira"],
        "credential": "jira-cloud",
        "email": "env:JIRA_EMAIL",
        "schedule": "1d",
    }
    assert public_source(source) == {
        "kind": "jira",
        "site": "https://acme.atlassian.net",
        "jql": "project = OPS",
        "credential": "jira-cloud",
        "email": HIDDEN,
        "schedule": "1d",
    }


def test_an_unknown_kind_falls_back_to_the_allow_list() -> None:
    shown = public_source({"kind": "graphite", "query": "x", "dsn": "https://u:pw@h/p?k=v"})
    assert shown == {"kind": "graphite", "query": "x", "dsn": HIDDEN}


@given(
    kind=st.sampled_from(sorted(VALID)),
    secret=st.text(alphabet=string.ascii_letters + "_", min_size=8, max_size=30),
    as_reference=st.booleans(),
    extra_name=st.text(alphabet=string.ascii_lowercase + "_", min_size=3, max_size=12),
)
def test_no_secret_ever_shows(kind: str, secret: str, as_reference: bool, extra_name: str) -> None:
    source = dict(VALID[kind])
    for name in secret_params(kind):
        source[name] = f"env:{secret}" if as_reference else secret
    # An unknown parameter makes the source invalid as a whole (the fallback's allow-list then
    # shows only descriptive fields, such as a query, which by design holds no secret).
    if extra_name not in source and extra_name not in SHOWN_FIELDS | {"credential"}:
        source[extra_name] = secret
    shown = public_source(source)
    assert shown is not None and secret not in repr(list(shown.values()))
    assert shown["kind"] == kind
