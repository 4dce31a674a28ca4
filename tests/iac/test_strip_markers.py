"""``${~ x ~}`` in a quoted string: Terraform accepts it, python-hcl2's grammar does not
(issue 19). The file is read, the marker trims the blanks of the literal on its side
(line breaks included), and every other line number of the file stays right."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from auditor.cli import cli
from auditor.loader.iac import scan
from auditor.loader.iac.hcl import UNKNOWN, Budget, Evaluator, NoFiles, Traversal, Val, parse_hcl
from auditor.loader.iac.hcl_strip import unmark
from auditor.model.common import SourceSpan

from .helpers import components


class _Vars(NoFiles):
    def __init__(self, **values: object) -> None:
        self.values = values

    def reference(self, path: Traversal, span: SourceSpan, depth: int) -> Val:
        if len(path) == 2 and path[0] == "var" and str(path[1]) in self.values:
            return Val(self.values[str(path[1])])
        return Val(UNKNOWN, (), f"{path} is not known")


def _eval(expression: str, **values: object) -> Val:
    attr = parse_hcl(f"x = {expression}\n", "t.tf").attrs["x"]
    return Evaluator(_Vars(**values), 0, Budget()).eval(attr.expr, attr.span)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('"a\\n  ${~ var.x ~}  \\t b"', "aXb"),
        ('"x- ${~ var.x}  y"', "x-X  y"),
        ('"x- ${var.x ~}  y"', "x- Xy"),
        ('"${var.a} ${~ var.x ~} z"', "AXz"),
        ('"${join(",", ["p", "q"])} ${~ "${var.x}" ~} }"', "p,qX}"),
        ('"$${~ var.x ~}"', "${~ var.x ~}"),
        ('"%{~ if var.a == "A" ~} yes ${~ var.x ~} %{~ endif ~} !"', "yesX!"),
    ],
)
def test_strip_markers_trim_the_literal_on_their_side(expression: str, expected: str) -> None:
    done = _eval(expression, x="X", a="A")
    assert done.known, done.reason
    assert done.value == expected


def test_an_unknown_value_between_markers_keeps_the_known_text() -> None:
    done = _eval('"llm- ${~ var.nope ~} -eu"')
    assert done.value is UNKNOWN
    assert done.partial is not None and done.partial.startswith("llm-")


def test_heredocs_and_comments_are_left_to_the_template_renderer() -> None:
    body = parse_hcl(
        'a = "${~ var.x ~}"\n# "${~ not code ~}"\nb = <<EOT\n  ${~ var.x ~}  \nEOT\nc = 1\n',
        "t.tf",
    )
    assert body.attrs["c"].span.line == 6
    b = Evaluator(_Vars(x="X"), 0, Budget()).eval(body.attrs["b"].expr, body.attrs["b"].span)
    assert b.value == "X"


MAIN = """variable "region" {
  default = "  swedencentral  "
}
provider "azurerm" {
  features {}
}
resource "azurerm_resource_group" "rg" {
  name     = "rg-${~ var.region ~}"
  location = "${~ var.region ~}"
}
resource "azurerm_cognitive_account" "openai" {
  name                = "oai-%{~ if true ~} weu %{~ endif ~}"
  location            = "  ${~ var.region ~}  "
  resource_group_name = azurerm_resource_group.rg.name
  kind                = "OpenAI"
  sku_name            = "S0"
}
"""


def test_a_file_with_strip_markers_is_read_and_placed(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(MAIN)
    result = scan(tmp_path)
    assert result.diagnostics == []
    account = components(result)["tf-root/azurerm_cognitive_account.openai"]
    assert account.region == "azure:swedencentral"


def test_scan_cli_reads_strip_markers_and_keeps_other_errors_lines(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(MAIN)
    done = CliRunner().invoke(
        cli, ["scan", str(tmp_path), "--explain-resolution", "--fail-on", "never"]
    )
    assert done.exit_code == 0, done.output
    assert "azurerm_cognitive_account.openai" in done.output
    assert "azure:swedencentral" in done.output
    assert "cannot parse" not in done.output
    # a real syntax error after a marker is still reported at its own line
    extra = 'resource "x" "y" {\n  a = "${~ var.region ~}"\n  b = = 1\n}\n'
    (tmp_path / "main.tf").write_text(MAIN + extra)
    broken = CliRunner().invoke(
        cli, ["scan", str(tmp_path), "--explain-resolution", "--fail-on", "never"]
    )
    assert broken.exit_code != 0
    assert "main.tf:20:7: cannot parse Terraform" in broken.output


@given(st.text(alphabet='ab ~${}%"\\\n#/*<EOT-', max_size=80))
def test_unmarking_keeps_every_line_and_column(text: str) -> None:
    """Whatever the text, blanking markers out moves nothing: a parse error after them is
    reported where it is in the file."""
    done = unmark(text)
    assert len(done.text) == len(text)
    assert [i for i, c in enumerate(done.text) if c != text[i]] == [
        i for i, c in enumerate(text) if c == "~" and done.text[i] == " "
    ]
    assert done.text.count("\n") == text.count("\n")
