"""The README stays true: it names every command, and its CI exit codes match the code."""

from __future__ import annotations

import re

import click

from auditor.audit import list_rules
from auditor.cli import cli
from auditor.errors import ExitCode
from auditor.kb import load_knowledge_base
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "auditor") -> list[str]:
    names = []
    for name, command in sorted(group.commands.items()):
        full = f"{prefix} {name}"
        if isinstance(command, click.Group):
            names += _commands(command, full)
        else:
            names.append(full)
    return names


def test_every_command_is_in_the_readme() -> None:
    missing = [name for name in _commands(cli) if name not in README]
    assert not missing, f"README does not mention: {missing}"


def test_every_exit_code_is_documented() -> None:
    for code in ExitCode:
        assert f"| {int(code)} |" in README, code


def test_every_audit_option_and_global_flag_is_documented() -> None:
    assert "--debug" in README and "--rules" in README
    audit = cli.commands["audit"]
    flags = [
        opt for param in audit.params for opt in getattr(param, "opts", []) if opt.startswith("--")
    ]
    missing = [
        flag
        for flag in flags
        if flag not in README
        and flag
        not in (
            "--quiet",
            "--today",
            "--classification",
            "--report-id",
            "--template-dir",
            "--config",
            "--no-config",
            "--what-if-file",
        )
    ]
    assert not missing, f"README does not mention: {missing}"


def test_the_catalogue_counts_in_the_readme_are_current() -> None:
    checks = re.search(r"# the (\d+) built-in checks", README)
    vendors = re.search(r"# the vendor catalogue \((\d+) vendors\)", README)
    assert checks and vendors, "README no longer states the counts this test checks"
    assert int(checks.group(1)) == len(list_rules(()))
    assert int(vendors.group(1)) == len(load_knowledge_base().vendors)
