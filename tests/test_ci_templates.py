"""The GitHub Action and the GitLab CI template run the command their inputs name.

Neither runner is available here, so each test runs the template's own shell script with the
environment the runner would give it and the auditor of this checkout on PATH.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLES, ROOT

BASH = shutil.which("bash")
pytestmark = pytest.mark.skipif(BASH is None, reason="the templates' scripts are bash")

BEDROCK_TREE = ROOT / "tests/iac/fixtures/bedrock"


def _action_script() -> str:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    (step,) = [s for s in action["runs"]["steps"] if s.get("id") == "audit"]
    return str(step["run"])


def _gitlab_script() -> str:
    template = yaml.safe_load((ROOT / "ci/residency-auditor.gitlab-ci.yml").read_text("utf-8"))
    lines = template["residency-audit"]["script"]
    assert "pip install" in lines[0]
    return "set -eo pipefail\n" + "\n".join(str(line) for line in lines[1:])


def _environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["GITHUB_OUTPUT"] = str(tmp_path / "github-output")
    env["GITHUB_STEP_SUMMARY"] = str(tmp_path / "step-summary.md")
    defaults = {
        "AUDITOR_COMMAND": "audit",
        "AUDITOR_PATHS": "",
        "AUDITOR_INVENTORY": "",
        "AUDITOR_COUNTRY": "",
        "AUDITOR_FAIL_ON": "high",
        "AUDITOR_ARGS": "--no-config --today 2026-12-01",
        "AUDITOR_SARIF": "residency-auditor.sarif",
    }
    env.update(defaults | variables)
    return env


def _run(script: str, tmp_path: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    assert BASH is not None
    return subprocess.run(
        [BASH, "-c", script],
        cwd=tmp_path,
        env=_environment(tmp_path, **variables),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def _action_exit_code(tmp_path: Path) -> str:
    outputs = (tmp_path / "github-output").read_text(encoding="utf-8").splitlines()
    return outputs[-1]


def _sarif_rules(path: Path) -> set[str]:
    sarif = json.loads(path.read_text(encoding="utf-8"))
    return {result["ruleId"] for result in sarif["runs"][0]["results"]}


def test_action_scans_an_infrastructure_repository_without_an_inventory(tmp_path: Path) -> None:
    shutil.copytree(BEDROCK_TREE, tmp_path / "infra")
    done = _run(
        _action_script(),
        tmp_path,
        AUDITOR_COMMAND="scan",
        AUDITOR_PATHS="infra",
        AUDITOR_COUNTRY="DE",
        AUDITOR_FAIL_ON="never",
    )
    assert done.returncode == 0, done.stderr
    assert _action_exit_code(tmp_path) == "exit-code=0"
    rules = _sarif_rules(tmp_path / "residency-auditor.sarif")
    assert any(rule.startswith("us-") for rule in rules), rules
    assert "residency" in (tmp_path / "step-summary.md").read_text(encoding="utf-8").lower()


def test_action_scan_takes_the_inventory_and_fails_on_findings(tmp_path: Path) -> None:
    shutil.copytree(BEDROCK_TREE, tmp_path / "infra")
    shutil.copytree(EXAMPLES / "startup-saas", tmp_path / "inventory")
    done = _run(
        _action_script(),
        tmp_path,
        AUDITOR_COMMAND="scan",
        AUDITOR_PATHS="infra",
        AUDITOR_INVENTORY="inventory",
        AUDITOR_FAIL_ON="low",
    )
    assert done.returncode == 0, done.stderr
    assert _action_exit_code(tmp_path) == "exit-code=1"
    assert _sarif_rules(tmp_path / "residency-auditor.sarif")


def test_action_audits_an_inventory_by_default(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "hospital", tmp_path / "inventory")
    done = _run(_action_script(), tmp_path, AUDITOR_PATHS="inventory")
    assert done.returncode == 0, done.stderr
    assert _action_exit_code(tmp_path) == "exit-code=1"
    assert _sarif_rules(tmp_path / "residency-auditor.sarif")


def test_action_names_a_wrong_command(tmp_path: Path) -> None:
    done = _run(_action_script(), tmp_path, AUDITOR_COMMAND="scna")
    assert _action_exit_code(tmp_path) == "exit-code=2"
    assert "use audit or scan" in done.stderr


def test_gitlab_template_scans_and_writes_every_artifact(tmp_path: Path) -> None:
    shutil.copytree(BEDROCK_TREE, tmp_path / "infra")
    done = _run(
        _gitlab_script(),
        tmp_path,
        AUDITOR_COMMAND="scan",
        AUDITOR_PATHS="infra",
        AUDITOR_COUNTRY="DE",
        AUDITOR_FAIL_ON="never",
    )
    assert done.returncode == 0, done.stderr
    template = yaml.safe_load((ROOT / "ci/residency-auditor.gitlab-ci.yml").read_text("utf-8"))
    artifacts = template["residency-audit"]["artifacts"]
    expected = [artifacts["reports"]["junit"], artifacts["reports"]["sast"], *artifacts["paths"]]
    for name in expected:
        assert (tmp_path / name).is_file(), name
    assert _sarif_rules(tmp_path / "residency-auditor.sarif")
    gitlab = json.loads((tmp_path / artifacts["reports"]["sast"]).read_text("utf-8"))
    assert gitlab["scan"]["type"] == "sast" and gitlab["vulnerabilities"]


def test_gitlab_template_fails_the_job_on_findings_and_on_a_wrong_command(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "hospital", tmp_path / "inventory")
    assert _run(_gitlab_script(), tmp_path, AUDITOR_PATHS="inventory").returncode == 1
    wrong = _run(_gitlab_script(), tmp_path, AUDITOR_COMMAND="plan")
    assert wrong.returncode == 2
    assert "use audit or scan" in wrong.stderr
