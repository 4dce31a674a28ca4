"""Variables typed with ``optional()`` object attributes take their defaults, as Terraform >= 1.3
fills them in (issue 19: Azure Verified Modules and model-server modules leave SKUs, model
versions and images to those defaults)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli

from .test_instances import write

ACCOUNT = """
resource "azurerm_cognitive_account" "this" {
  name     = "oai"
  kind     = "OpenAI"
  location = "swedencentral"
  sku_name = "S0"
}
"""

# The AVM shape: a map(object) whose scale type and model version are optional.
DEPLOYMENTS_MODULE = """
variable "account_id" { type = string }
variable "deployments" {
  type = map(object({
    name = string
    model = object({
      name    = string
      version = optional(string, "2024-11-20")
    })
    scale = optional(object({
      type     = optional(string, "GlobalStandard")
      capacity = optional(number, 1)
    }), {})
  }))
  default = {}
}
resource "azurerm_cognitive_deployment" "this" {
  for_each             = var.deployments
  name                 = each.value.name
  cognitive_account_id = var.account_id
  model {
    format  = "OpenAI"
    name    = each.value.model.name
    version = each.value.model.version
  }
  scale {
    type = each.value.scale.type
  }
}
"""


def explain(root: Path, *options: str) -> str:
    run = CliRunner().invoke(cli, ["scan", str(root), "--explain-resolution", *options])
    assert run.exit_code == 0, run.output
    return run.output


def line_of(output: str, key: str, field: str) -> str:
    """The ``key field = value [how]`` line of one resolution."""
    found = [line for line in output.splitlines() if line.startswith(f"{key} {field} = ")]
    assert len(found) == 1, output
    return found[0]


def test_map_of_objects_takes_the_optional_default_deployment_type(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": ACCOUNT
            + """
module "deployments" {
  source     = "./deployments"
  account_id = azurerm_cognitive_account.this.id
  deployments = {
    chat  = { name = "chat", model = { name = "gpt-4o" } }
    local = { name = "local", model = { name = "gpt-4o" }, scale = { type = "Standard" } }
    unset = { name = "unset", model = { name = "gpt-4o" }, scale = { type = null } }
  }
}
""",
            "deployments/main.tf": DEPLOYMENTS_MODULE,
        },
    )
    output = explain(root)
    prefix = "tf-root/module.deployments.azurerm_cognitive_deployment.this"
    # Omitted: the scale object's own default ({}), then the type's default inside it.
    chat = line_of(output, f"{prefix}-chat", "deployment")
    assert "deployment = GlobalStandard " in chat
    # Written by the caller: kept.
    assert "deployment = Standard " in line_of(output, f"{prefix}-local", "deployment")
    # Set to null: a non-null default replaces it, as Terraform does.
    assert "deployment = GlobalStandard " in line_of(output, f"{prefix}-unset", "deployment")
    # The chain says where the value came from.
    assert "deployments['chat'].scale.type" in output and "optional() default" in output


def test_tfvars_and_var_file_values_are_filled_in_and_unknown_stays_unknown(
    tmp_path: Path,
) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": ACCOUNT
            + DEPLOYMENTS_MODULE.replace("var.account_id", "azurerm_cognitive_account.this.id")
            + """
variable "type_from_elsewhere" { type = string }
""",
            "terraform.tfvars": """deployments = {
  chat = { name = "chat", model = { name = "gpt-4o" }, scale = {} }
}
""",
        },
    )
    output = explain(root)
    chat = line_of(output, "tf-root/azurerm_cognitive_deployment.this-chat", "deployment")
    assert "deployment = GlobalStandard " in chat

    # A --var-file value whose scale type the code does not fix is not given the default.
    var_file = tmp_path / "prod.tfvars"
    var_file.write_text(
        "deployments = {\n"
        '  chat = { name = "chat", model = { name = "gpt-4o" }, scale = { type = var.x } }\n'
        "}\n"
    )
    output = explain(root, "--var-file", str(var_file))
    chat = line_of(output, "tf-root/azurerm_cognitive_deployment.this-chat", "deployment")
    assert "deployment = UNKNOWN " in chat
    assert "GlobalStandard" not in chat


def test_an_unknown_object_is_not_filled_in(tmp_path: Path) -> None:
    """A module input the code does not fix stays unknown: no default is invented for it."""
    root = write(
        tmp_path,
        {
            "main.tf": ACCOUNT
            + """
variable "deployments" {}
module "deployments" {
  source      = "./deployments"
  account_id  = azurerm_cognitive_account.this.id
  deployments = var.deployments
}
""",
            "deployments/main.tf": DEPLOYMENTS_MODULE,
        },
    )
    output = explain(root)
    key = "tf-root/module.deployments.azurerm_cognitive_deployment.this"
    assert "deployment = UNKNOWN " in line_of(output, key, "deployment")
    assert "GlobalStandard" not in output


# A model-server module: the image and model come from a nested optional object whose
# own default is {} (the JetStream MaxEngine module of ai-on-gke has the same shape).
SERVER_MODULE = """
variable "settings" {
  type = object({
    name = string
    server = optional(object({
      image = optional(string, "vllm/vllm-openai:v0.6.0")
      model = optional(string, "Qwen/Qwen2.5-7B-Instruct")
    }), {})
  })
}
resource "kubernetes_deployment" "server" {
  metadata {
    name      = var.settings.name
    namespace = "llm"
  }
  spec {
    template {
      spec {
        container {
          name  = "server"
          image = var.settings.server.image
          args  = ["--model", var.settings.server.model]
        }
      }
    }
  }
}
"""


def test_nested_optional_object_defaults_make_the_model_server_found(tmp_path: Path) -> None:
    root = write(
        tmp_path,
        {
            "main.tf": """
variable "settings" {
  type = object({
    name   = string
    server = optional(object({ image = optional(string), model = optional(string) }))
  })
}
module "server" {
  source   = "./server"
  settings = var.settings
}
""",
            "server/main.tf": SERVER_MODULE,
        },
    )
    var_file = tmp_path / "serve.tfvars"
    # The model is set, the image is not: the root fills it with null, the module's default
    # replaces that null.
    var_file.write_text('settings = { name = "chat", server = { model = "org/model-a" } }\n')
    output = explain(root, "--var-file", str(var_file))
    key = "tf-root/module.server.kubernetes_deployment.server"
    assert "model = org/model-a " in line_of(output, key, "model")

    # Without the server object at all: the module's {} default, then the defaults inside it.
    var_file.write_text('settings = { name = "chat" }\n')
    output = explain(root, "--var-file", str(var_file))
    # The root's optional(object) without a default makes server null, so the module's {}
    # default applies: both the image and the model come from the module.
    assert "model = Qwen/Qwen2.5-7B-Instruct " in line_of(output, key, "model")


def test_list_and_set_elements_take_their_defaults(tmp_path: Path) -> None:
    """list(object) read through a for expression, and a set(object) default of the variable."""
    root = write(
        tmp_path,
        {
            "main.tf": ACCOUNT
            + """
variable "deployments" {
  type = list(object({
    name  = string
    model = string
    type  = optional(string, "DataZoneStandard")
  }))
  default = [{ name = "chat", model = "gpt-4o" }, { name = "mini", model = "gpt-4o-mini", type = "Standard" }]
}
variable "extra" {
  type    = set(object({ name = string, model = string, type = optional(string, "GlobalBatch") }))
  default = [{ name = "batch", model = "gpt-4o" }]
}
resource "azurerm_cognitive_deployment" "listed" {
  for_each             = { for d in var.deployments : d.name => d }
  name                 = each.key
  cognitive_account_id = azurerm_cognitive_account.this.id
  model {
    format = "OpenAI"
    name   = each.value.model
  }
  scale {
    type = each.value.type
  }
}
resource "azurerm_cognitive_deployment" "extra" {
  for_each             = { for d in var.extra : d.name => d }
  name                 = each.key
  cognitive_account_id = azurerm_cognitive_account.this.id
  model {
    format = "OpenAI"
    name   = each.value.model
  }
  scale {
    type = each.value.type
  }
}
""",
        },
    )
    output = explain(root)
    prefix = "tf-root/azurerm_cognitive_deployment"
    assert "= DataZoneStandard " in line_of(output, f"{prefix}.listed-chat", "deployment")
    assert "= Standard " in line_of(output, f"{prefix}.listed-mini", "deployment")
    assert "= GlobalBatch " in line_of(output, f"{prefix}.extra-batch", "deployment")


def test_type_constraints_terraform_rejects_fill_nothing_and_stop_nothing(tmp_path: Path) -> None:
    """optional() with no type, too many arguments, a default that is not a constant, or a
    type nested past the reader's limit: the scan runs, and only what is valid is filled in."""
    deep = 'object({ a = optional(string, "deep") })'
    for _ in range(70):
        deep = f"list({deep})"
    root = write(
        tmp_path,
        {
            "main.tf": ACCOUNT
            + f"""
variable "odd" {{
  type = object({{
    a = optional()
    b = optional(string, "x", "y")
    c = optional(string, var.other)
    d = optional(string, "GlobalStandard")
  }})
  default = {{}}
}}
variable "quoted" {{
  type    = object({{ "sku" = optional(string, "GlobalStandard") }})
  default = {{}}
}}
variable "deep" {{
  type    = {deep}
  default = []
}}
resource "azurerm_cognitive_deployment" "odd" {{
  name                 = "odd"
  cognitive_account_id = azurerm_cognitive_account.this.id
  model {{
    format = "OpenAI"
    name   = "gpt-4o"
  }}
  scale {{
    type = var.odd.d
  }}
}}
resource "azurerm_cognitive_deployment" "quoted" {{
  name                 = "quoted"
  cognitive_account_id = azurerm_cognitive_account.this.id
  model {{
    format = "OpenAI"
    name   = "gpt-4o"
  }}
  scale {{
    type = var.quoted.sku
  }}
}}
resource "azurerm_cognitive_deployment" "unknown" {{
  name                 = "unknown"
  cognitive_account_id = azurerm_cognitive_account.this.id
  model {{
    format = "OpenAI"
    name   = "gpt-4o"
  }}
  scale {{
    type = var.odd.c
  }}
}}
""",
        },
    )
    output = explain(root)
    prefix = "tf-root/azurerm_cognitive_deployment"
    assert "= GlobalStandard " in line_of(output, f"{prefix}.odd", "deployment")
    # A default that refers to a variable is not a constant: the value stays unknown.
    assert "deployment = UNKNOWN " in line_of(output, f"{prefix}.unknown", "deployment")
    # A quoted attribute name is not a type Terraform accepts: nothing is filled in from it.
    assert "GlobalStandard" not in line_of(output, f"{prefix}.quoted", "deployment")
