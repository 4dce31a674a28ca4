"""Every broken or hostile input gives a clear diagnostic and the right exit code, never a traceback.

The corpus has two halves:

- hand-written cases, one folder each under ``corpus/<case>/``: the input
  (``inventory.yaml``, or an ``input/`` folder, plus any side files) and an
  ``expect.yaml``;
- generated cases (``generate_corpus.py``): seeded mutations of the examples and
  file-system traps (symbolic links, FIFOs, empty folders, a 21 MB file) that
  are created at test time.

``expect.yaml`` keys (all but ``exit`` optional)::

    why:        what the case is
    exit:       exit code of `auditor validate` and of `auditor audit --fail-on never`
    message:    a substring (or a list of them) the output must contain
    position:   the output names the file with line:col (default: true when exit is 3)
    names:      the file the output must name (default: the input)
    line:       the line the diagnostic must point at
    commands:   [validate, audit] by default; ``scan`` runs ``auditor scan input --country DE``
    audit_args: extra arguments of `audit` (--policy FILE, --waivers FILE, ...)
    config:     true: do not pass --no-config (the case tests a config file)
    timeout:    seconds before the run counts as hung (default 30)
    forbid:     substrings that must not appear in the output
    xfail:      "<file>:<function>: <what happens>" for a known bug (strict xfail)

Each case runs in a copy under ``tmp_path`` with that folder as the working
directory, so diagnostics show short relative paths. Nothing may be written
into the case folder by either command.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.robustness import generate_corpus
from tests.robustness._support import (
    TODAY_ARG,
    control_chars_in,
    count,
    run_cli,
    time_limit,
)

CORPUS = Path(__file__).resolve().parent / "corpus"
pytestmark = pytest.mark.usefixtures("cached_kb")

KEYS = {
    "why",
    "exit",
    "message",
    "position",
    "names",
    "line",
    "commands",
    "audit_args",
    "config",
    "timeout",
    "forbid",
    "xfail",
}


@dataclass(frozen=True)
class Entry:
    name: str
    expect: dict[str, Any]
    prepare: Callable[[Path], None]
    hand_written: bool


def _copy_case(folder: Path) -> Callable[[Path], None]:
    def prepare(root: Path) -> None:
        shutil.copytree(
            folder, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns("expect.yaml")
        )

    return prepare


def hand_written() -> list[Entry]:
    entries = []
    for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        expect = yaml.safe_load((folder / "expect.yaml").read_text(encoding="utf-8"))
        entries.append(Entry(folder.name, expect, _copy_case(folder), True))
    return entries


def generated() -> list[Entry]:
    return [Entry(c.name, c.expect, c.materialise, False) for c in generate_corpus.cases()]


ENTRIES = hand_written() + generated()


def _param(entry: Entry) -> Any:
    marks = []
    if entry.expect.get("xfail"):
        marks.append(pytest.mark.xfail(strict=True, reason=entry.expect["xfail"]))
    return pytest.param(entry, id=entry.name, marks=marks)


def _snapshot(root: Path) -> dict[str, int]:
    """Names and sizes of everything under ``root`` (links and FIFOs not followed)."""
    return {str(p.relative_to(root)): p.lstat().st_size for p in root.rglob("*")}


def test_the_corpus_is_big_enough_and_well_formed() -> None:
    assert len(ENTRIES) >= 200, len(ENTRIES)
    assert len({e.name for e in ENTRIES}) == len(ENTRIES), "case names must be unique"
    files_on_disk = [p for p in CORPUS.rglob("*") if p.is_file() and p.name != "expect.yaml"]
    assert len(files_on_disk) >= 80, len(files_on_disk)
    for entry in ENTRIES:
        assert set(entry.expect) <= KEYS, (entry.name, set(entry.expect) - KEYS)
        assert entry.expect["exit"] in (0, 1, 2, 3, 4, 5), entry.name
        assert entry.expect.get("why"), f"{entry.name}: say what the case is"
        reason = entry.expect.get("xfail")
        if reason:
            assert re.match(r"^[\w./]+\.py:[\w.]+(?: \(.*?\))?: ", reason), (entry.name, reason)


@pytest.mark.parametrize("entry", [_param(e) for e in ENTRIES])
def test_corpus_case(
    entry: Entry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    expect = entry.expect
    root = tmp_path / "case"
    root.mkdir()
    entry.prepare(root)
    monkeypatch.chdir(root)
    given = "inventory.yaml" if (root / "inventory.yaml").exists() else "input"
    commands = {
        "validate": ["validate", given],
        "audit": [
            "audit",
            given,
            *([] if expect.get("config") else ["--no-config"]),
            "--today",
            TODAY_ARG,
            "--fail-on",
            "never",
            "--quiet",
            *expect.get("audit_args", []),
        ],
        "scan": [
            "scan",
            "input",
            *([] if expect.get("config") else ["--no-config"]),
            "--country",
            "DE",
            "--today",
            TODAY_ARG,
            "--fail-on",
            "never",
            "--quiet",
            *expect.get("audit_args", []),
        ],
    }
    messages = expect.get("message") or []
    if isinstance(messages, str):
        messages = [messages]
    names = expect.get("names", given)
    position = expect.get("position", expect["exit"] == 3)
    before = _snapshot(root)
    count("corpus cases")
    for command in expect.get("commands", ["validate", "audit"]):
        with time_limit(expect.get("timeout", 30)):
            code, out, err = run_cli(commands[command], capsys)
        shown = out + err
        where = f"{entry.name} ({command}): {expect['why']}\n--- output ---\n{shown[:3000]}"
        assert "Traceback" not in shown, where
        assert code == expect["exit"], where
        assert not control_chars_in(shown, allowed="\n\t"), where
        for text in expect.get("forbid", []):
            assert text not in shown, where
        if code == 0:
            if command == "validate":
                assert out.startswith("ok: "), where
            continue
        assert err.startswith("error: "), where
        for message in messages:
            assert message in shown, where
        assert names in shown, where
        if position:
            pattern = re.escape(names) + r"[^\s:]*:(\d+):\d+: "
            found = re.search(pattern, shown)
            assert found, f"no {names}:line:col in the output\n{where}"
            if "line" in expect:
                assert re.search(re.escape(names) + rf"[^\s:]*:{expect['line']}:\d+: ", shown), (
                    where
                )
    assert _snapshot(root) == before, f"{entry.name}: a read-only command changed the case folder"
