"""Issue 18: what a person reads has no unfilled placeholder and no raw snake_case code.

Every output a person reads, for all four examples: HTML (its visible text, outside
``<code>``), PDF text, Markdown, the terminal summary; and ``auditor explain`` of every
check and ``auditor rules list``. Codes are the model's closed vocabularies written with
an underscore (``no_valid_tool``, ``lapsed_operative``, ``provider_managed``,
``model_provider``, evidence-gap kinds ...); the JSON and SARIF keep them.
"""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.model.words import RAW_CODES, code_tokens
from tests.conftest import ROOT

EXAMPLES = ("hospital", "bank", "ministry", "startup-saas")
CHECKS = sorted(p.stem for p in (ROOT / "rules" / "checks").glob("*.yaml"))
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_HIDDEN = re.compile(r"<(script|style|svg|code)\b.*?</\1>", re.S)


def problems(text: str) -> list[str]:
    """Unfilled placeholders, raw codes and empty subjects ("entity ;") in a text."""
    found = _PLACEHOLDER.findall(text) + code_tokens(text)
    found += re.findall(r"\b(?:entity|component|system) ;", text)
    return sorted(set(found))


def visible(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", _HIDDEN.sub(" ", page)))


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext"):
        out = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
        )
        return out.stdout.decode("utf-8")
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """Each example's HTML, PDF text, Markdown and terminal text, through the CLI."""
    folder = tmp_path_factory.mktemp("plain")
    texts: dict[str, dict[str, str]] = {}
    for name in EXAMPLES:
        page, pdf, md = folder / f"{name}.html", folder / f"{name}.pdf", folder / f"{name}.md"
        args = ["audit", str(ROOT / "examples" / name), "--today", "2026-11-28"]
        terminal = CliRunner().invoke(cli, args)
        assert terminal.exit_code in (0, 1), terminal.output
        written = CliRunner().invoke(
            cli, [*args, "--html", str(page), "--pdf", str(pdf), "--markdown", str(md)]
        )
        assert written.exit_code in (0, 1), written.output
        texts[name] = {
            "html": visible(page.read_text(encoding="utf-8")),
            "pdf": pdf_text(pdf),
            # Markdown escapes underscores; inline code spans are ids, like <code> in HTML.
            "markdown": re.sub(r"`[^`]*`", " ", md.read_text(encoding="utf-8")).replace("\\_", "_"),
            "terminal": terminal.output,
        }
    return texts


@pytest.mark.parametrize("kind", ["html", "pdf", "markdown", "terminal"])
@pytest.mark.parametrize("example", EXAMPLES)
def test_reports_have_no_placeholder_or_raw_code(
    outputs: dict[str, dict[str, str]], example: str, kind: str
) -> None:
    assert problems(outputs[example][kind]) == []


@pytest.mark.parametrize("check", CHECKS)
def test_explain_writes_every_check_in_words(check: str) -> None:
    result = CliRunner().invoke(cli, ["explain", check])
    assert result.exit_code == 0, result.output
    assert problems(result.output) == []


def test_rules_list_writes_titles_in_words() -> None:
    result = CliRunner().invoke(cli, ["rules", "list"])
    assert result.exit_code == 0
    assert len(result.output.splitlines()) == len(CHECKS)
    assert problems(result.output) == []


def test_the_detector_finds_what_the_issue_reported() -> None:
    # The codes and fragments issue 18 found in the reports are all caught.
    for code in ("no_valid_tool", "lapsed_operative", "provider_managed", "model_provider"):
        assert code in RAW_CODES
        assert problems(f"the tool is {code} here") == [code]
    assert problems("US CLOUD Act reaches data at {data_asset}") == ["{data_asset}"]
    assert problems("subject: entity ; kind gap") == ["entity ;"]
    # A code inside a path, a dotted key or an id is not prose.
    assert problems("examples/no_valid_tool.yaml user.provider_managed.x") == []
