"""The README's set-up works on a clean clone: its commands, its system packages, its lock (issue 15).

A fresh machine is the judge of ``make demo`` and ``make test``. These tests read the commands
and the package names from README.md itself, so the README cannot drift from what CI installs,
and run the commands in a clean clone of the committed tree (uncommitted changes are not in it).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

README = ROOT / "README.md"
CI_RUN = ROOT / ".ci" / "run"
LOCK = ROOT / "requirements" / "dev.txt"
TOOLS = ROOT / "requirements" / "tools.in"


def _install_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Install and run")
    return text[start : text.index("\n## ", start + 1)]


def _readme_commands() -> list[str]:
    """The first code block of "Install and run": the two commands, comments dropped."""
    block = re.search(r"```sh\n(.*?)```", _install_section(), re.S)
    assert block is not None, "README 'Install and run' has no ```sh block"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.strip()]


def _readme_packages() -> set[str]:
    packages: set[str] = set()
    for line in re.findall(r"^apt-get install ([^#\n]+)", _install_section(), re.M):
        packages.update(line.split())
    return packages


def _ci_packages() -> set[str]:
    script = CI_RUN.read_text(encoding="utf-8")
    return {name for group in re.findall(r"need\+=\(([^)]*)\)", script) for name in group.split()}


def test_readme_names_the_two_commands() -> None:
    assert _readme_commands() == ["make demo", "make test"]


def test_readme_and_ci_name_the_same_system_packages() -> None:
    readme = _readme_packages()
    assert {"libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"} <= readme
    assert readme == _ci_packages()


def _requirement_names(specs: list[str]) -> set[str]:
    return {
        re.split(r"[\s<>=!~;\[]", spec, maxsplit=1)[0].lower().replace("_", "-") for spec in specs
    }


def test_the_lock_pins_every_development_dependency_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    wanted = _requirement_names(project["dependencies"] + extras["test"] + extras["lint"])
    tools = [line.split("#", 1)[0].strip() for line in TOOLS.read_text().splitlines()]
    wanted |= _requirement_names([tool for tool in tools if tool])
    lock = LOCK.read_text(encoding="utf-8")
    pinned = {
        match.group(1).lower(): match.group(0)
        for match in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==\S+", lock, re.M)
    }
    assert wanted <= set(pinned), f"not in the lock (run make lock): {sorted(wanted - set(pinned))}"
    # Every pinned requirement carries at least one hash, or pip --require-hashes refuses it.
    for entry in re.split(r"\n(?=[A-Za-z0-9])", lock):
        if re.match(r"[A-Za-z0-9]", entry):
            assert "--hash=sha256:" in entry, entry.splitlines()[0]


def _pins(text: str) -> dict[str, set[str]]:
    """``name==version`` lines of a lock or of ``pip freeze``, names normalised (PEP 503).

    A lock may pin one name twice under different markers (one version per Python).
    """
    pins: dict[str, set[str]] = {}
    for match in re.finditer(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", text, re.M):
        pins.setdefault(re.sub(r"[-_.]+", "-", match.group(1)).lower(), set()).add(match.group(2))
    return pins


def _user_environment() -> dict[str, str]:
    """This process's environment without what a test run or an outer make adds to it."""
    drop = {"VIRTUAL_ENV", "PYTHONPATH", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "PYTEST_ADDOPTS"}
    env = {key: value for key, value in os.environ.items() if key not in drop}
    venv_bin = str(Path(os.environ["VIRTUAL_ENV"]) / "bin") if "VIRTUAL_ENV" in os.environ else ""
    env["PATH"] = os.pathsep.join(
        part for part in env.get("PATH", "").split(os.pathsep) if part and part != venv_bin
    )
    return env


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=1200, check=False
    )
    assert done.returncode == 0, (
        f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    )
    return done


@pytest.mark.slow
def test_readme_setup_commands_work_in_a_clean_clone(tmp_path: Path) -> None:
    if shutil.which("git") is None or shutil.which("make") is None:
        pytest.skip("needs git and make, as the README says")
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: there is nothing to clone")
    clone = tmp_path / "clone"
    env = _user_environment()
    _run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone)], tmp_path, env)

    # make demo: venv from the lock, the examples validated, the hospital audited.
    _run(["make", "demo"], clone, env)
    result = json.loads((clone / "demo-report.json").read_text(encoding="utf-8"))
    assert result["findings"], "the demo audit found nothing"
    assert (clone / "demo-report.pdf").read_bytes().startswith(b"%PDF-")
    assert "<html" in (clone / "demo-report.html").read_text(encoding="utf-8")[:2000].lower()
    frozen = _run([str(clone / ".venv/bin/python"), "-m", "pip", "freeze"], clone, env).stdout
    assert re.search(r"^weasyprint==", frozen, re.M | re.I), frozen
    locked = _pins(LOCK.read_text(encoding="utf-8"))
    installed = _pins(frozen)
    installed.pop("residency-auditor", None)
    strays = {name: v for name, v in installed.items() if not v <= locked.get(name, set())}
    assert not strays, f"installed but not as requirements/dev.txt pins: {strays}"

    # make test chains these targets; each runs here for real, the pytest target on the
    # tests that prove the suite collects on this machine (the whole suite would run itself).
    plan = _run(["make", "-n", "test"], clone, env).stdout
    for step in ("ruff check", "ruff format --check", "mypy", "lint-imports", "pytest -q"):
        assert step in plan, f"make test no longer runs {step}"
    _run(["make", "lint", "types", "contracts"], clone, env)
    smoke = "tests/test_warning_policy.py tests/report/test_pdf.py::test_pdf_contains_every_section_heading_and_finding"
    _run(["make", "pytest"], clone, {**env, "PYTEST_ADDOPTS": smoke})
