"""What ``auditor scan`` loads when it starts (issue 19): the start-up of a scan of a small
tree is most of its time, so what it does not need it must not import, and what it
keeps between runs must behave exactly as what it would build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import hcl2
import pytest
from lark import Token, Tree

from auditor.loader.cache import use_cache_dir
from auditor.loader.iac.hcl_parser import hcl_parser

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "tests" / "iac" / "fixtures" / "public" / "azure-ai-gateway-lab"

# Modules a scan writing JSON has no use for, and what each cost it at start-up.
NOT_IMPORTED_BY_SCAN = (
    "weasyprint",  # PDF only
    "jinja2",  # HTML and PDF only
    "networkx",  # `auditor graph` and the graph exports only
    "xml.sax",  # brought urllib.request, http.client and ssl
    "urllib.request",
    "http.client",
    "ssl",
    "auditor.report.html",
    "auditor.report.pdf",
)

_SCRIPT = """
import json, sys
from auditor.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def _modules_of_scan(tmp_path: Path, **env: str) -> set[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AUDITOR_")}
    command = [sys.executable, "-c", _SCRIPT, "scan", str(LAB), "--country", "DE", "--quiet"]
    command += ["--fail-on", "never", "--json", str(tmp_path / "r.json")]
    done = subprocess.run(
        command, env=environ | env, capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r.json").stat().st_size > 0
    modules: list[str] = json.loads(done.stdout.splitlines()[-1])
    return set(modules)


@pytest.mark.parametrize("cache", ["none", "cold", "warm"])
def test_a_scan_imports_nothing_it_does_not_need(tmp_path: Path, cache: str) -> None:
    env = {"AUDITOR_NO_CACHE": "1"} if cache == "none" else {}
    if cache != "none":
        folder = tmp_path / "cache"
        env["AUDITOR_CACHE_DIR"] = str(folder)
        if cache == "warm":
            _modules_of_scan(tmp_path, **env)
            assert any(folder.glob("hcl-parser-*.pickle"))
    modules = _modules_of_scan(tmp_path, **env)
    assert "auditor.loader.iac.hcl" in modules  # the scan did run
    unwanted = {m for m in modules for n in NOT_IMPORTED_BY_SCAN if m == n or m.startswith(n + ".")}
    assert not unwanted


# --- the HCL parser kept in the cache ---


def _shape(node: Tree[Token] | Token) -> object:
    """Everything a parse tree says: rule names, token types and values, and positions."""
    if isinstance(node, Token):
        return (
            "token",
            node.type,
            str(node),
            node.line,
            node.column,
            node.end_line,
            node.end_column,
        )
    meta = node.meta
    where = (meta.line, meta.column, meta.end_line, meta.end_column) if not meta.empty else None
    return (str(node.data), where, [_shape(child) for child in node.children])


def test_the_cached_hcl_parser_parses_as_hcl2_does(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    hcl_parser.cache_clear()
    try:
        use_cache_dir(folder)
        hcl_parser()  # builds it and stores it
        assert len(list(folder.glob("hcl-parser-*.pickle"))) == 1
        hcl_parser.cache_clear()
        restored = hcl_parser()  # from the file
    finally:
        use_cache_dir(None)
        hcl_parser.cache_clear()
    built = hcl2.parser.parser()
    assert restored is not built
    files = sorted((ROOT / "tests").rglob("*.tf"))
    assert len(files) > 100
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace") + "\n"
        try:
            expected: object = _shape(built.parse(text))
        except Exception as exc:
            expected = (type(exc).__name__, str(exc))
        try:
            found: object = _shape(restored.parse(text))
        except Exception as exc:
            found = (type(exc).__name__, str(exc))
        assert found == expected, path
