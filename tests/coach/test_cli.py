"""`okrs lint FILE [--format json]`: text for people, JSON for scripts, exit 1 on an error."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from okrs.cli import main
from tests.coach.plans import GOOD, WEAK
from tests.services import HANG_SECONDS

DEMO_PLAN = Path(__file__).resolve().parents[2] / "okrs" / "demo" / "plan.yaml"
FIELDS = ["rule", "severity", "ref", "line", "message", "suggestion"]

# Lint resolves references against the database, as apply does.
pytestmark = pytest.mark.django_db


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_clean_plan_exits_0(tmp_path, capsys) -> None:
    code, out, _ = run(capsys, "lint", write(tmp_path, GOOD))
    assert code == 0
    assert out.strip().endswith("plan.yaml: no findings")


def test_an_error_finding_exits_1_and_reads_file_line_rule(tmp_path, capsys) -> None:
    path = write(tmp_path, WEAK)
    code, out, _ = run(capsys, "lint", path)
    assert code == 1  # the team given as owner is an error, apply's (OKR108) and not the coach's
    line = WEAK.splitlines().index("        owner: platform") + 1
    assert (
        f"{path}:{line}: OKR108 error: owner 'platform' is a team, not a person: a key result "
        "needs a named person as its owner\n  suggestion: Name the one person (their email)"
    ) in out
    assert "OKR004" not in out  # the same fault is not reported twice


def test_a_coach_error_that_apply_accepts_is_still_an_error(tmp_path, capsys) -> None:
    text = WEAK.replace("owner: platform", "owner: sre@acme.test").replace(
        "people:\n", "people:\n  - {email: sre@acme.test, name: SRE rota}\n"
    )
    path = write(tmp_path, text)
    code, out, _ = run(capsys, "lint", path)
    assert code == 1
    line = text.splitlines().index("        owner: sre@acme.test") + 1
    assert f"{path}:{line}: OKR004 error: kubernetes/migrate: " in out
    assert "\n  suggestion: Name the one person" in out


def test_warnings_alone_exit_0(tmp_path, capsys) -> None:
    text = WEAK.replace("owner: platform", "owner: maya@acme.test")
    code, out, _ = run(capsys, "lint", write(tmp_path, text))
    assert code == 0
    assert "OKR009 warning" in out
    assert "0 error(s)" in out


def test_json_has_exactly_the_documented_shape(tmp_path, capsys) -> None:
    code, out, _ = run(capsys, "lint", write(tmp_path, WEAK), "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert list(data) == ["findings"]
    assert data["findings"]
    for finding in data["findings"]:
        assert list(finding) == FIELDS
        assert finding["severity"] in ("error", "warning", "info")
        assert isinstance(finding["line"], int)
    deliverable = next(f for f in data["findings"] if f["rule"] == "OKR009")
    assert deliverable["ref"] == "kubernetes/migrate"


def test_stdin_with_a_dash(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(GOOD.encode())))
    code, out, _ = run(capsys, "lint", "-", "--format", "json")
    assert (code, json.loads(out)) == (0, {"findings": []})


def test_a_yaml_error_is_an_error_finding_at_its_line(tmp_path, capsys) -> None:
    code, out, _ = run(capsys, "lint", write(tmp_path, GOOD + "  - key: [unclosed\n"))
    assert code == 1
    expected_line = len(GOOD.splitlines()) + 2  # the end of the stream, after the bad line
    assert f"plan.yaml:{expected_line}: OKR000 error: invalid YAML" in out


def test_a_missing_file_is_a_clear_error(tmp_path, capsys) -> None:
    code, _, err = run(capsys, "lint", str(tmp_path / "nope.yaml"))
    assert code == 1
    assert "nope.yaml: No such file or directory" in err


def test_the_demo_plans_weak_okr_is_found_with_an_outcome_rewrite(capsys) -> None:
    """`okrs lint` on the demo finds the weak OKR and proposes a rewrite."""
    code, out, _ = run(capsys, "lint", str(DEMO_PLAN), "--format", "json")
    findings = json.loads(out)["findings"]
    weak = [
        f
        for f in findings
        if f["rule"] == "OKR009" and f["ref"] == "kubernetes-migration/complete-migration"
    ]
    assert len(weak) == 1, findings
    assert "“Complete the Kubernetes migration” reads as a deliverable" in weak[0]["message"]
    assert "from <baseline> to <target>" in weak[0]["suggestion"]
    assert "the Kubernetes migration" in weak[0]["suggestion"]
    assert "to an initiative" in weak[0]["suggestion"]
    # The demo's good OKRs stay quiet: no outcome is mistaken for a deliverable.
    flagged = {f["ref"] for f in findings if f["rule"] == "OKR009"}
    assert flagged <= {
        "kubernetes-migration/complete-migration",
        "kubernetes-migration/decommission-vms",
    }
    assert code == 0  # warnings only: the demo plan applies


def test_without_a_database_references_are_checked_against_the_file(tmp_path) -> None:
    """As in a CI job: no okrs database exists, and linting must not create one."""
    import os
    import subprocess

    data_dir = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OKRS_", "DJANGO_"))}
    env["OKRS_DATA_DIR"] = str(data_dir)
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(GOOD, encoding="utf-8")
    bad_text = GOOD.replace("owner: sam@acme.test", "owner: sid@acme.test")
    bad.write_text(bad_text, "utf-8")

    def lint(path: Path) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "okrs", "lint", str(path)]
        return subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=HANG_SECONDS
        )

    clean, refused = lint(good), lint(bad)
    assert (clean.returncode, refused.returncode) == (0, 1)
    assert clean.stderr.splitlines() == [
        "okrs lint: no okrs database here; references are checked against the file alone"
    ]
    sid = [n for n, line in enumerate(bad_text.splitlines(), 1) if "sid@acme.test" in line]
    assert len(sid) == 2
    for line in sid:
        assert f"{bad}:{line}: OKR107 error: unknown owner 'sid@acme.test'" in refused.stdout
    assert not (data_dir / "okrs.sqlite3").exists()
