"""A file that lints clean applies: `okrs lint`, the lint API and `okrs apply` judge alike.

Each bad plan below is a small change to one good plan. For every one, `okrs apply` refuses it
(exit 1, `FILE:LINE: message`, nothing written), and `okrs lint` (exit 1) and
`POST /api/v1/okrs:lint` (422) report each of apply's errors as a finding of severity `error`,
at the same line, with the same message and the id of the check. References that only the
database holds are accepted by all three.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps

from okrs.cli import main

pytestmark = pytest.mark.django_db

GOOD = """\
organisation: Acme
timezone: Europe/London
cycles:
  - {key: 2027-Q1, start: 2027-01-01, end: 2027-03-31}
people:
  - {email: ana@plan.test, name: Ana Lima, timezone: Europe/Lisbon}
  - {email: ben@plan.test, name: Ben Okafor}
teams:
  - {key: payments, name: Payments, lead: ana@plan.test, members: [ana@plan.test, ben@plan.test]}
objectives:
  - key: revenue
    cycle: 2027-Q1
    level: company
    title: Grow revenue from self-serve customers
    owner: ana@plan.test
    key_results:
      - {key: arr, title: Grow ARR from 4.2 to 5.0, owner: ana@plan.test, baseline: 4.2,
         target: 5.0}
      - {key: conv, title: Raise trial conversion from 9% to 12%, owner: ben@plan.test,
         baseline: 9, target: 12}
  - key: checkout
    cycle: 2027-Q1
    level: team
    team: payments
    title: Make paying us effortless
    owner: ana@plan.test
    aligns_to: revenue
    key_results:
      - key: failures
        title: Reduce failed card payments from 8% to 3%
        owner: ben@plan.test
        baseline: 8
        target: 3
      - key: latency
        title: Keep checkout latency below 400 ms
        owner: ana@plan.test
        kind: stay_below
        target: 400
    initiatives:
      - {key: retries, title: Retry soft declines, key_result: failures}
"""

CHECKOUT_KR = "      - key: failures\n"
REVENUE_OBJECTIVE = "  - key: revenue\n"


@dataclass(frozen=True)
class Bad:
    """`GOOD` with `old` replaced by `new`; `rule`: the id apply's check reports it under."""

    name: str
    old: str
    new: str
    rule: str

    def text(self) -> str:
        assert self.old in GOOD, self.name
        return GOOD.replace(self.old, self.new, 1)


def _objective(key: str, extra: str = "", *, cycle: str = "2027-Q1") -> str:
    return (
        f"  - key: {key}\n    cycle: {cycle}\n    level: company\n    title: Be reliable\n"
        f"    owner: ana@plan.test\n{extra}"
    )


BAD = [
    # The nineteen kinds the issue found linting clean, and the other checks of apply.
    Bad("duplicate objective key", "objectives:\n", "objectives:\n" + _objective("revenue"),
        "OKR102"),
    Bad("duplicate key result key", CHECKOUT_KR,
        "      - {key: latency, title: Cut p99 from 900 to 400, owner: ana@plan.test, "
        "baseline: 900, target: 400}\n" + CHECKOUT_KR, "OKR102"),
    Bad("alignment loop", "    level: company\n    title: Grow revenue",
        "    level: company\n    aligns_to: checkout/latency\n    title: Grow revenue", "OKR112"),
    Bad("unknown owner", "    owner: ben@plan.test\n        baseline: 8",
        "    owner: nobody@plan.test\n        baseline: 8", "OKR107"),
    Bad("unknown objective owner", "    owner: ana@plan.test\n    aligns_to",
        "    owner: nobody@plan.test\n    aligns_to", "OKR107"),
    Bad("unknown team", "    team: payments\n", "    team: billing\n", "OKR110"),
    Bad("unknown cycle", "    cycle: 2027-Q1\n    level: team",
        "    cycle: 2027-Q2\n    level: team", "OKR109"),
    Bad("unknown aligns_to objective", "    aligns_to: revenue\n", "    aligns_to: profit\n",
        "OKR111"),
    Bad("unknown aligns_to key result", "    aligns_to: revenue\n",
        "    aligns_to: revenue/margin\n", "OKR111"),
    Bad("invalid objective key", "  - key: checkout\n", "  - key: Checkout_Flow\n", "OKR101"),
    Bad("invalid key result key", CHECKOUT_KR, "      - key: card failures\n", "OKR101"),
    Bad("increase to a lower target", "        baseline: 8\n        target: 3\n",
        "        kind: increase\n        baseline: 8\n        target: 3\n", "OKR118"),
    Bad("decrease to a higher target", "baseline: 9, target: 12}",
        "baseline: 9, target: 12, kind: decrease}", "OKR118"),
    Bad("end before start", "start: 2027-01-01, end: 2027-03-31",
        "start: 2027-03-31, end: 2027-01-01", "OKR113"),
    Bad("bad organisation timezone", "timezone: Europe/London\n", "timezone: Mars/Olympus\n",
        "OKR105"),
    Bad("bad person timezone", "timezone: Europe/Lisbon", "timezone: Lisbon", "OKR105"),
    Bad("initiative on another objective's key result", "key_result: failures}",
        "key_result: arr}", "OKR115"),
    Bad("unknown team lead", "lead: ana@plan.test", "lead: nobody@plan.test", "OKR107"),
    Bad("unknown team member", "members: [ana@plan.test, ben@plan.test]",
        "members: [ana@plan.test, cleo@plan.test]", "OKR107"),
    # Further checks, so that none of apply's goes unlinted.
    Bad("duplicate person", "  - {email: ben@plan.test, name: Ben Okafor}\n",
        "  - {email: ben@plan.test, name: Ben Okafor}\n  - {email: BEN@plan.test}\n", "OKR102"),
    Bad("duplicate team", "teams:\n", "teams:\n  - {key: payments, name: Payments again}\n",
        "OKR102"),
    Bad("duplicate initiative", "    initiatives:\n",
        "    initiatives:\n      - {key: retries, title: Retry again}\n", "OKR102"),
    Bad("unknown parent team", "name: Payments,", "name: Payments, parent: money,", "OKR110"),
    Bad("team parent loop", "name: Payments,", "name: Payments, parent: payments,", "OKR112"),
    Bad("cycle parent loop", "end: 2027-03-31}", "end: 2027-03-31, parent: 2027-Q1}", "OKR112"),
    Bad("unknown parent cycle", "end: 2027-03-31}", "end: 2027-03-31, parent: 2027}", "OKR109"),
    Bad("team as owner", "    owner: ben@plan.test\n        baseline: 8",
        "    owner: payments\n        baseline: 8", "OKR108"),
    Bad("team objective without team", "    team: payments\n", "", "OKR114"),
    Bad("unknown contributes_to", "    aligns_to: revenue\n",
        "    aligns_to: revenue\n    contributes_to: [revenue/profit]\n", "OKR111"),
    Bad("contributes_to itself", "    aligns_to: revenue\n",
        "    aligns_to: revenue\n    contributes_to: [checkout/latency]\n", "OKR111"),
    Bad("contributes_to twice", "    aligns_to: revenue\n",
        "    aligns_to: revenue\n    contributes_to: [revenue/arr, revenue/arr]\n", "OKR102"),
    Bad("unknown level", "    level: team\n", "    level: squad\n", "OKR104"),
    Bad("unknown kind", "        kind: stay_below\n", "        kind: below\n", "OKR104"),
    Bad("unknown status", "key_result: failures}", "key_result: failures, status: later}",
        "OKR104"),
    Bad("unknown channel", "name: Ben Okafor}", "name: Ben Okafor, channel: fax}", "OKR104"),
    Bad("unknown check-in day", "name: Payments,", "name: Payments, checkin_day: payday,",
        "OKR104"),
    Bad("invalid email", "  - {email: ben@plan.test, name: Ben Okafor}\n",
        "  - {email: ben@plan.test, name: Ben Okafor}\n  - {email: not-an-email}\n", "OKR106"),
    Bad("title too long", "title: Make paying us effortless", "title: " + "x" * 501, "OKR103"),
    Bad("blank team name", "name: Payments,", "name: ' ',", "OKR103"),
    Bad("missing target", "        kind: stay_below\n        target: 400\n",
        "        kind: stay_below\n", "OKR116"),
    Bad("target equals baseline", "baseline: 4.2,\n         target: 5.0}",
        "baseline: 5.0,\n         target: 5.0}", "OKR117"),
    Bad("milestone with another target", "        kind: stay_below\n",
        "        kind: milestone\n", "OKR118"),
    Bad("kind that cannot be inferred", "        baseline: 8\n        target: 3\n",
        "        target: 3\n", "OKR119"),
    Bad("weight 0", "        target: 3\n", "        target: 3\n        weight: 0\n", "OKR120"),
    Bad("unknown source kind", "        target: 400\n",
        "        target: 400\n        source: {kind: crystal-ball}\n", "OKR121"),
    Bad("work entry of no kind", "key_result: failures}",
        "key_result: failures, work: [tag:retries]}", "OKR123"),
    # What the parser refuses (the shape of the file, values out of bounds).
    Bad("unknown field", "    aligns_to: revenue\n", "    aligns_too: revenue\n", "OKR000"),
    Bad("missing required field", "    title: Make paying us effortless\n", "", "OKR000"),
    Bad("target of the wrong type", "        target: 3\n", "        target: three\n", "OKR000"),
    Bad("infinite target", "        target: 3\n", "        target: .inf\n", "OKR000"),
    Bad("target beyond a double", "        target: 3\n", "        target: 1e999\n", "OKR000"),
    Bad("nan baseline", "        baseline: 8\n", "        baseline: .nan\n", "OKR000"),
    Bad("nan in a source", "        target: 400\n",
        "        target: 400\n        source: {kind: dora, metric: lead_time, window: .nan}\n",
        "OKR000"),
]  # fmt: skip

ACCEPTED = [
    # What the file does not declare but the database holds (the shared test world).
    Bad("an owner only the database knows", "    owner: ben@plan.test\n        baseline: 8",
        "    owner: owen@acme.test\n        baseline: 8", ""),
    Bad("a team only the database knows", "    team: payments\n", "    team: checkout\n", ""),
    Bad("a cycle only the database knows", "    cycle: 2027-Q1\n    level: team",
        "    cycle: 2026-Q4\n    level: team", ""),
    Bad("aligned to an objective only the database knows", "    aligns_to: revenue\n",
        "    aligns_to: grow-self-serve\n", ""),
    Bad("aligned to a key result only the database knows", "    aligns_to: revenue\n",
        "    aligns_to: deploys-advantage/lead-time\n", ""),
]  # fmt: skip


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def lint_errors(capsys, path: str) -> tuple[int, list[dict]]:
    code, out, _ = run(capsys, "lint", path, "--format", "json")
    findings = json.loads(out)["findings"]
    return code, [f for f in findings if f["severity"] == "error"]


def test_the_good_plan_lints_clean_and_applies(world, tmp_path: Path, capsys) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(GOOD, encoding="utf-8")

    code, out, _ = run(capsys, "lint", str(path), "--format", "json")
    assert (code, json.loads(out)) == (0, {"findings": []})
    response = world.client_for(world.member).post(
        "/api/v1/okrs:lint", data=GOOD, content_type="application/yaml"
    )
    assert (response.status_code, response.json()) == (200, {"findings": []})
    code, out, _ = run(capsys, "apply", str(path))
    assert code == 0
    assert "create key_result checkout/failures" in out


@pytest.mark.parametrize("bad", BAD, ids=[bad.name for bad in BAD])
def test_what_apply_refuses_lint_reports_as_errors(bad: Bad, world, tmp_path: Path, capsys) -> None:
    text = bad.text()
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    before = row_counts()

    code, _, err = run(capsys, "apply", str(path))
    assert code == 1
    refused = [line for line in err.splitlines() if line.startswith(f"{path}:")]
    assert refused, err
    assert err.splitlines()[-1].startswith(f"okrs: {path}: {len(refused)} error")
    assert row_counts() == before  # refused whole

    code, errors = lint_errors(capsys, str(path))
    assert code == 1
    linted = {f"{path}:{f['line']}: {f['message']}" for f in errors}
    assert set(refused) <= linted  # every one of apply's errors, at its line, in its words
    assert bad.rule in {f["rule"] for f in errors}

    response = world.client_for(world.member).post(
        "/api/v1/okrs:lint", data=text, content_type="application/yaml"
    )
    assert response.status_code == 422
    data = response.json()
    by_api = [f"{path}:{e['line']}: {e['message']}" for e in data["errors"]]
    assert by_api == refused
    assert bad.rule in {e["rule"] for e in data["errors"]}
    api_errors = {(f["line"], f["message"]) for f in data["findings"] if f["severity"] == "error"}
    assert {(e["line"], e["message"]) for e in data["errors"]} <= api_errors


@pytest.mark.parametrize("fine", ACCEPTED, ids=[fine.name for fine in ACCEPTED])
def test_references_the_database_holds_are_fine_for_both(
    fine: Bad, world, tmp_path: Path, capsys
) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(fine.text(), encoding="utf-8")

    code, errors = lint_errors(capsys, str(path))
    assert (code, errors) == (0, [])
    code, out, err = run(capsys, "apply", str(path), "--dry-run")
    assert (code, err) == (0, "")
    assert "Dry run: nothing was changed." in out


def test_lint_checks_as_apply_prune_would(world, tmp_path: Path, capsys) -> None:
    """With --prune, teams absent from the file are removed, so a database team cannot be used."""
    path = tmp_path / "plan.yaml"
    path.write_text(GOOD.replace("    team: payments\n", "    team: checkout\n"), encoding="utf-8")

    code, _, err = run(capsys, "apply", str(path), "--prune", "--dry-run")
    assert code == 1
    [refused] = [line for line in err.splitlines() if line.startswith(f"{path}:")]
    assert "--prune removes teams absent from the file" in refused

    code, out, _ = run(capsys, "lint", str(path), "--prune")
    assert code == 1
    assert refused.replace(f"{path}:", "", 1).split(": ", 1)[1] in out
    assert run(capsys, "lint", str(path))[0] == 0


def test_every_check_of_apply_is_exercised_above() -> None:
    from okrs.ascode.problems import CHECKS

    assert {bad.rule for bad in BAD} == set(CHECKS)
