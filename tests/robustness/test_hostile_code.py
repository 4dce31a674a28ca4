"""Hostile application code under `auditor scan`: notices and the right exit code, never a traceback."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.robustness._support import TODAY_ARG, run_cli, time_limit

SCAN = ["--country", "DE", "--quiet", "--today", TODAY_ARG, "--fail-on", "never", "--no-config"]
CLIENT = "import anthropic\nclient = anthropic.Anthropic()\n"


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    (root / "ok.py").write_text(CLIENT)
    monkeypatch.chdir(tmp_path)
    return root


def _scan(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    with time_limit(60):
        return run_cli(["scan", "app", *SCAN, *extra], capsys)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("binary.py", b"\x00\x01\x02import openai\x00"),
        (
            "latin1.py",
            "import openai\nc = openai.OpenAI(base_url='https://caf\xe9')\n".encode("latin-1"),
        ),
        ("parens.py", ("x = " + "(" * 400 + "1" + ")" * 400 + "\n").encode()),
        (
            "chain.py",
            (
                "import openai\nU = "
                + " + ".join(["'a'"] * 20000)
                + "\nopenai.OpenAI(base_url=U)\n"
            ).encode(),
        ),
        (
            "deep.py",
            (
                "import openai\n"
                + "".join(f"A{i} = A{i + 1}\n" for i in range(3000))
                + "openai.OpenAI(base_url=A0)\n"
            ).encode(),
        ),
        ("selfref.py", b"import openai\nA = B\nB = A\nopenai.OpenAI(base_url=A)\n"),
        ("tpl.ts", b"const a = `${`${`${" * 300 + b"\n"),
        ("regex.js", b"const r = /[/; new OpenAI({ baseURL: '"),
        ("unclosed.tsx", b"import OpenAI from 'openai';\nnew OpenAI({ baseURL: `https://${"),
        ("empty.js", b""),
        ("huge.json", b'{"a": "https://api.openai.com/' + b"x" * 3_000_000 + b'"}'),
        ("bad.yaml", b"url: https://api.openai.com\n  - : : [\n"),
        (".env", b"\x00\xff=\nNOEQUALS\nexport X='unterminated\n"),
        ("docker-compose.yml", b"services: [1, 2]\n"),
    ],
)
def test_hostile_file_is_a_notice_not_a_crash(
    app: Path, name: str, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    (app / name).write_bytes(content)
    code, _, err = _scan(capsys)
    assert code == 0, err
    assert "Traceback" not in err


def test_fifo_and_symlink_loop_are_skipped(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.mkfifo(app / "pipe.py")
    (app / "loop").mkdir()
    os.symlink(app / "loop", app / "loop" / "again")
    code, _, err = _scan(capsys)
    assert code == 0, err


def test_scan_never_overwrites_a_scanned_source_file(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (app / "ok.py").read_text()
    code, _, err = _scan(capsys, "--json", "app/ok.py")
    assert code == 2, err
    assert "it is an input of this run" in err
    assert (app / "ok.py").read_text() == before


def test_vendored_folders_are_not_read(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for folder in ("node_modules/x", ".venv/lib", "venv", "site-packages", "dist", "build"):
        (app / folder).mkdir(parents=True)
        (app / folder / "client.py").write_text("import openai\nopenai.OpenAI()\n")
    shutil.copy(app / "ok.py", app / "again.py")
    code, out, err = run_cli(["scan", "app", "--explain-resolution"], capsys)
    assert code == 0, err
    assert "openai" not in out and "code-root/again.client" in out
