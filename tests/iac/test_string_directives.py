"""``%{ if }`` and ``%{ for }`` directives inside ordinary quoted strings are rendered like
templates over the module's scope (issue 19); one over an unknown value leaves the whole
string unknown, never one branch presented as fact."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.loader.iac import scan
from auditor.loader.iac.hcl import UNKNOWN, Budget, Evaluator, NoFiles, Traversal, Val, parse_hcl
from auditor.model.common import SourceSpan

from .helpers import components, resolution


class _Vars(NoFiles):
    """A scope with ``var.NAME`` values only."""

    def __init__(self, **values: object) -> None:
        self.values = values

    def reference(self, path: Traversal, span: SourceSpan, depth: int) -> Val:
        if len(path) == 2 and path[0] == "var" and str(path[1]) in self.values:
            value = self.values[str(path[1])]
            return Val(value) if value is not UNKNOWN else Val(UNKNOWN, (), "var.x has no value")
        return Val(UNKNOWN, (), f"{path} is not known")


def _eval(expression: str, **values: object) -> Val:
    attr = parse_hcl(f"x = {expression}\n", "t.tf").attrs["x"]
    return Evaluator(_Vars(**values), 0, Budget()).eval(attr.expr, attr.span)


@pytest.mark.parametrize(
    ("expression", "values", "expected"),
    [
        ('"llm-%{ if var.prod }prod%{ else }dev%{ endif }"', {"prod": True}, "llm-prod"),
        ('"llm-%{ if var.prod }prod%{ else }dev%{ endif }"', {"prod": False}, "llm-dev"),
        ('"%{ for k in var.zones }${k},%{ endfor }"', {"zones": ["a", "b"]}, "a,b,"),
        (
            '"%{ for i, p in var.parts }%{ if i > 0 }/%{ endif }${p}%{ endfor }"',
            {"parts": ["meta-llama", "Llama-3.1-8B-Instruct"]},
            "meta-llama/Llama-3.1-8B-Instruct",
        ),
        # in a quoted string ~ trims every blank on its side, line breaks included
        ('"a\\n  %{~ if true ~}  b  %{~ endif ~}\\n c"', {}, "abc"),
        ('"100%%{ literal }"', {}, "100%{ literal }"),
    ],
)
def test_known_directives_render(expression: str, values: dict[str, object], expected: str) -> None:
    done = _eval(expression, **values)
    assert done.known and done.value == expected


def test_a_condition_the_code_does_not_fix_leaves_the_string_unknown() -> None:
    done = _eval('"%{ if var.eu }swedencentral%{ else }eastus%{ endif }"', eu=UNKNOWN)
    assert done.value is UNKNOWN and done.partial is None
    assert "the condition of %{ if var.eu }" in done.reason


def test_an_unclosed_directive_is_unknown_not_a_traceback() -> None:
    done = _eval('"%{ if var.eu }swedencentral"', eu=True)
    assert done.value is UNKNOWN and "%{ endif } missing" in done.reason


MAIN = """
variable "data_boundary" { default = "eu" }
provider "azurerm" {
  features {}
}
resource "azurerm_resource_group" "rg" {
  name     = "rg-openai"
  location = "westeurope"
}
resource "azurerm_cognitive_account" "openai" {
  name                = "oai-%{ if var.data_boundary == "eu" }weu%{ else }eus%{ endif }"
  location            = "%{ if var.data_boundary == "eu" }swedencentral%{ else }eastus2%{ endif }"
  resource_group_name = azurerm_resource_group.rg.name
  kind                = "OpenAI"
  sku_name            = "S0"
}
"""


def test_a_region_chosen_by_a_directive_places_the_account(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(MAIN)
    result = scan(tmp_path)
    assert result.diagnostics == []
    key = "tf-root/azurerm_cognitive_account.openai"
    assert components(result)[key].region == "azure:swedencentral"
    (tmp_path / "terraform.tfvars").write_text('data_boundary = "us"\n')
    assert components(scan(tmp_path))[key].region == "azure:eastus2"


def test_a_region_under_an_unknown_condition_stays_unknown(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        MAIN.replace('variable "data_boundary" { default = "eu" }', 'variable "data_boundary" {}')
    )
    result = scan(tmp_path)
    key = "tf-root/azurerm_cognitive_account.openai"
    assert components(result)[key].region is None
    region = resolution(result, key, "region")
    assert region.value is None
