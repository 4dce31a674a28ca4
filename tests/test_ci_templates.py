"""The GitHub Action and the GitLab CI template run the command their inputs name.

Neither runner is available here, so each test runs the template's own shell script with the
environment the runner would give it and the auditor of this checkout on PATH.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from auditor import __version__
from auditor.loader import cache
from tests.conftest import EXAMPLES, ROOT

BASH = shutil.which("bash")
pytestmark = pytest.mark.skipif(BASH is None, reason="the templates' scripts are bash")

BEDROCK_TREE = ROOT / "tests/iac/fixtures/bedrock"


def _action_steps() -> list[dict[str, object]]:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    steps: list[dict[str, object]] = action["runs"]["steps"]
    return steps


def _action_step(step_id: str) -> dict[str, object]:
    (step,) = [s for s in _action_steps() if s.get("id") == step_id]
    return step


def _action_script() -> str:
    return str(_action_step("audit")["run"])


def _action_cache_dir(runner_temp: Path) -> str:
    """The audit step's AUDITOR_CACHE_DIR as the runner would expand it."""
    env = _action_step("audit")["env"]
    assert isinstance(env, dict)
    return str(env["AUDITOR_CACHE_DIR"]).replace("${{ runner.temp }}", str(runner_temp))


def _gitlab_variables(project_dir: Path) -> dict[str, str]:
    template = yaml.safe_load((ROOT / "ci/residency-auditor.gitlab-ci.yml").read_text("utf-8"))
    return {
        name: str(value).replace("$CI_PROJECT_DIR", str(project_dir))
        for name, value in template["variables"].items()
    }


def _cache_files(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.pickle"))}


def _gitlab_script() -> str:
    template = yaml.safe_load((ROOT / "ci/residency-auditor.gitlab-ci.yml").read_text("utf-8"))
    lines = template["residency-audit"]["script"]
    assert "pip install" in lines[0]
    return "set -eo pipefail\n" + "\n".join(str(line) for line in lines[1:])


def _environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("AUDITOR_NO_CACHE", None)
    env.pop("AUDITOR_CACHE_DIR", None)
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


def test_action_pins_the_cache_actions_and_caches_the_folder_the_auditor_uses() -> None:
    restore = _action_step("cache-restore")
    (save,) = [
        s for s in _action_steps() if str(s.get("uses", "")).startswith("actions/cache/save@")
    ]
    for step in (restore, save):
        assert re.fullmatch(r"actions/cache/(restore|save)@[0-9a-f]{40}", str(step["uses"]))
        with_ = step["with"]
        assert isinstance(with_, dict)
        assert with_["path"] == _action_cache_dir(Path("${{ runner.temp }}"))
        assert with_["key"] == "${{ steps.cache-key.outputs.key }}"
    # saved even when the job then fails on findings
    assert "always()" in str(save["if"])
    steps = [s.get("name") for s in _action_steps()]
    assert steps.index(save["name"]) < steps.index("Fail on findings")


def test_action_cache_key_follows_the_rules_and_the_auditor(tmp_path: Path) -> None:
    step = _action_step("cache-key")
    for folder in ("rules", "auditor"):
        shutil.copytree(
            ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__")
        )

    def keys() -> dict[str, str]:
        output = tmp_path / "github-output"
        output.unlink(missing_ok=True)
        done = _run(str(step["run"]), tmp_path)
        assert done.returncode == 0, done.stderr
        lines = output.read_text(encoding="utf-8").splitlines()
        return dict(line.split("=", 1) for line in lines)

    first = keys()
    assert first["key"].startswith(first["prefix"])
    assert f"-{__version__}-" in first["prefix"]
    assert keys() == first  # the same rules, the same key
    # the next job's checkout: the same files, new times, compiled files from an earlier run
    for folder in ("rules", "auditor"):
        shutil.rmtree(tmp_path / folder)
        shutil.copytree(ROOT / folder, tmp_path / folder, copy_function=shutil.copyfile)
    assert keys() == first
    law = next(iter(sorted((tmp_path / "rules").rglob("*.yaml"))))
    law.write_text(law.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    changed = keys()
    assert changed["prefix"] == first["prefix"]  # restore-keys find the older entry
    assert changed["key"] != first["key"]


def test_action_keeps_the_rules_cache_in_runner_temp_for_the_next_run(tmp_path: Path) -> None:
    workspace, runner_temp = tmp_path / "workspace", tmp_path / "runner-temp"
    workspace.mkdir()
    runner_temp.mkdir()
    shutil.copytree(BEDROCK_TREE, workspace / "infra")
    folder = Path(_action_cache_dir(runner_temp))
    scan = {
        "AUDITOR_COMMAND": "scan",
        "AUDITOR_PATHS": "infra",
        "AUDITOR_COUNTRY": "DE",
        "AUDITOR_FAIL_ON": "never",
        "AUDITOR_CACHE_DIR": str(folder),
    }
    first = _run(_action_script(), workspace, **scan)
    assert first.returncode == 0, first.stderr
    stored = _cache_files(folder)
    assert stored, "the first run left the cache folder empty"
    assert all(cache._read(folder, folder / name) is not None for name in stored)
    sarif = (workspace / "residency-auditor.sarif").read_bytes()

    # the next job: a fresh workspace and the folder as actions/cache restores it (modes kept)
    workspace2 = tmp_path / "workspace2"
    workspace2.mkdir()
    shutil.copytree(BEDROCK_TREE, workspace2 / "infra")
    restored = tmp_path / "runner-temp2" / folder.name
    shutil.copytree(folder, restored)
    second = _run(_action_script(), workspace2, **(scan | {"AUDITOR_CACHE_DIR": str(restored)}))
    assert second.returncode == 0, second.stderr
    assert all(cache._read(restored, restored / name) is not None for name in stored)
    assert _cache_files(restored) == stored  # read, nothing rebuilt
    assert (workspace2 / "residency-auditor.sarif").read_bytes() == sarif


def test_action_cache_off_leaves_no_cache(tmp_path: Path) -> None:
    shutil.copytree(BEDROCK_TREE, tmp_path / "infra")
    folder = tmp_path / "runner-temp" / "cache"
    done = _run(
        _action_script(),
        tmp_path,
        AUDITOR_COMMAND="scan",
        AUDITOR_PATHS="infra",
        AUDITOR_COUNTRY="DE",
        AUDITOR_FAIL_ON="never",
        AUDITOR_CACHE_DIR=str(folder),
        AUDITOR_NO_CACHE="1",
    )
    assert done.returncode == 0, done.stderr
    assert not folder.exists()


def test_gitlab_template_keeps_the_rules_cache_in_the_project_folder(tmp_path: Path) -> None:
    template = yaml.safe_load((ROOT / "ci/residency-auditor.gitlab-ci.yml").read_text("utf-8"))
    variables = _gitlab_variables(tmp_path)
    folder = Path(variables["AUDITOR_CACHE_DIR"])
    assert folder.parent == tmp_path
    cached_paths = template["residency-audit"]["cache"]["paths"]
    assert [p.rstrip("/") for p in cached_paths] == [folder.name]
    assert template["residency-audit"]["cache"]["when"] == "always"

    shutil.copytree(EXAMPLES / "hospital", tmp_path / "inventory")
    env = variables | {
        "AUDITOR_PATHS": "inventory",
        "AUDITOR_ARGS": "--no-config --today 2026-12-01",
    }
    assert _run(_gitlab_script(), tmp_path, **env).returncode == 1  # findings: the job fails
    stored = _cache_files(folder)
    assert stored, "the first job left the cache folder empty"
    assert _run(_gitlab_script(), tmp_path, **env).returncode == 1
    assert _cache_files(folder) == stored
