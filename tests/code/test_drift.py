"""Drift between scanned application code and the inventory, through ``auditor scan --inventory``.

Each test writes a small application (Python or TypeScript) and an inventory, runs
the CLI from the application's root as CI would, and reads the reports.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.exposure.drift import how_words, model_forms
from auditor.loader.iac import How

INVENTORY = """\
organisation: {name: Contoso Health, country: DE, entity: contoso}
entities:
  - {id: contoso, name: Contoso Health GmbH, country: DE, parents: []}
data:
  - {id: tickets, name: Support tickets, categories: [user.contact.email], classification: confidential}
systems:
  - id: helpdesk
    purpose: Answers support tickets
    components:
      - {id: app, kind: application, operator: contoso, on_prem: {country: DE}}
COMPONENTS
    flows:
FLOWS
"""


def _inventory(root: Path, components: list[str], flows: list[str] | None = None) -> None:
    body = INVENTORY.replace("COMPONENTS", "\n".join(f"      - {c}" for c in components))
    targets = flows or ["llm"]
    body = body.replace(
        "FLOWS", "\n".join(f"      - {{from: app, to: {t}, data: [tickets]}}" for t in targets)
    )
    (root / "inventory").mkdir()
    (root / "inventory" / "helpdesk.yaml").write_text(body)


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _run(root: Path, monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[int, dict[str, Any]]:
    monkeypatch.chdir(root)
    (root / "out").mkdir(exist_ok=True)
    result = CliRunner().invoke(
        cli,
        [
            "scan",
            "src",
            "--inventory",
            "inventory",
            "--json",
            "out/r.json",
            "--sarif",
            "out/r.sarif",
            "--junit",
            "out/r.xml",
            "--markdown",
            "out/r.md",
            "--html",
            "out/r.html",
            "--today",
            "2026-12-04",
            "--quiet",
            *extra,
        ],
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output
    return result.exit_code, json.loads((root / "out" / "r.json").read_text())


def _drift(data: dict[str, Any]) -> dict[tuple[str, ...], dict[str, Any]]:
    return {
        tuple(f["subject"].values()): f
        for f in data["findings"]
        if f["rule_id"].startswith("drift-")
    }


def _sarif(root: Path, rule: str) -> list[dict[str, Any]]:
    results = json.loads((root / "out" / "r.sarif").read_text())["runs"][0]["results"]
    return [r for r in results if r["ruleId"] == rule]


def _places(result: dict[str, Any]) -> list[tuple[str, int]]:
    locations = [result["locations"][0], *result.get("relatedLocations", [])]
    return sorted(
        {
            (
                loc["physicalLocation"]["artifactLocation"]["uri"],
                loc["physicalLocation"]["region"]["startLine"],
            )
            for loc in locations
        }
    )


BEDROCK_EU = (
    "{id: llm, name: Claude on Bedrock, kind: model_api, vendor: aws-bedrock, "
    "region: aws:eu-central-1, deployment: eu}"
)


def test_python_undeclared_service_in_twelve_places_is_one_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = "\n".join(f"client_{i} = OpenAI()" for i in range(10))
    _write(
        tmp_path,
        {
            "app/chat.py": f"from openai import OpenAI\n\n{calls}\n",
            "app/jobs/batch.py": (
                "from openai import OpenAI\n\n"
                'HOST = "api.openai.com"\n'
                'batch = OpenAI(base_url=f"https://{HOST}/v1")\n'
                "summary = OpenAI()\n"
            ),
            "app/bedrock.py": (
                "import boto3\n"
                'rt = boto3.client("bedrock-runtime", region_name="eu-central-1")\n'
                'rt.converse(modelId="eu.anthropic.claude-3-7-sonnet-20250219-v1:0", messages=[])\n'
            ),
        },
    )
    _inventory(tmp_path, [BEDROCK_EU])
    code, data = _run(tmp_path, monkeypatch, "--fail-on", "high")
    assert code == 1  # the undeclared service is high: --fail-on high fails the build
    drift = _drift(data)
    assert set(drift) == {("undeclared_service", "openai")}  # Bedrock matches the declaration
    finding = drift[("undeclared_service", "openai")]
    assert "used in 12 places" in finding["condition"]
    assert finding["location_file"] == "src/app/chat.py"
    # SARIF: one result, twelve places in the code, repository-relative, with their lines.
    (result,) = _sarif(tmp_path, "drift-undeclared-service")
    places = _places(result)
    assert len(places) == 12
    assert ("src/app/jobs/batch.py", 4) in places and ("src/app/chat.py", 3) in places
    assert all(uri.startswith("src/app/") for uri, _ in places)
    # The other formats name it in words, no raw codes or placeholders.
    for name in ("r.md", "r.xml", "r.html"):
        text = (tmp_path / "out" / name).read_text()
        assert (
            "The code or infrastructure uses OpenAI API, which the inventory does not declare"
            in (text.replace("&#39;", "'").replace("\\", ""))
        ), name
        if name != "r.html":  # the HTML appendix lists each rule with its placeholders
            assert "{service_name}" not in text and "{places_text}" not in text
    assert _run(tmp_path, monkeypatch, "--fail-on", "critical")[0] == 0


def test_python_place_mismatch_from_env_default_and_fstring(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(
        tmp_path,
        {
            "app/llm.py": (
                "import os\nimport boto3\n\n"
                'AREA = "us"\n'
                'PROFILE = f"global.anthropic.claude-sonnet-4-20250514-v1:0"\n'
                'rt = boto3.client("bedrock-runtime", region_name=os.getenv("AWS_REGION", f"{AREA}-east-1"))\n'
                "rt.converse(modelId=PROFILE, messages=[])\n"
            )
        },
    )
    _inventory(tmp_path, [BEDROCK_EU])
    _, data = _run(tmp_path, monkeypatch, "--fail-on", "never")
    drift = _drift(data)
    region = drift[("region_mismatch", "helpdesk", "llm")]
    assert "declared Frankfurt, Germany (Amazon Web Services eu-central-1)" in region["condition"]
    assert "us-east-1" in region["condition"]
    assert "the default of an environment variable" in region["condition"]
    deployment = drift[("deployment_mismatch", "helpdesk", "llm")]
    assert (
        "deployment option global (processed anywhere the vendor operates)"
        in deployment["condition"]
    )
    assert "a constant folded in its module" in deployment["condition"]
    (result,) = [
        r
        for r in _sarif(tmp_path, "drift-place-mismatch")
        if r["properties"]["subject"]["kind"] == "region_mismatch"
    ]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/app/llm.py"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 6
    # The declaration is a related location in the inventory.
    assert ("inventory/helpdesk.yaml", 11) in _places(result)
    # A .env that sets the region to the declared one wins over the default: no region drift.
    (tmp_path / "src" / ".env").write_text("AWS_REGION=eu-central-1\n")
    _, data = _run(tmp_path, monkeypatch, "--fail-on", "never")
    assert ("region_mismatch", "helpdesk", "llm") not in _drift(data)
    assert ("deployment_mismatch", "helpdesk", "llm") in _drift(data)


def test_python_unknown_place_is_stated_not_a_mismatch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(
        tmp_path,
        {
            "app/llm.py": (
                "import os\nimport boto3\n\n"
                'rt = boto3.client("bedrock-runtime", region_name=os.environ["BEDROCK_REGION"])\n'
            )
        },
    )
    _inventory(tmp_path, [BEDROCK_EU])
    _, data = _run(tmp_path, monkeypatch, "--fail-on", "never")
    drift = _drift(data)
    assert set(drift) == {("place_unknown", "helpdesk", "llm")}
    finding = drift[("place_unknown", "helpdesk", "llm")]
    assert finding["severity"] == "low"
    assert "BEDROCK_REGION" in finding["condition"] and "region unknown" in finding["condition"]


def test_typescript_drift_kinds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(
        tmp_path,
        {
            "web/llm.ts": (
                'import { BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";\n'
                'import Anthropic from "@anthropic-ai/sdk";\n'
                'const AREA = "us";\n'
                "const REGION = process.env.AWS_REGION ?? `${AREA}-west-2`;\n"
                "const runtime = new BedrockRuntimeClient({ region: REGION });\n"
                "export async function ask(): Promise<void> {\n"
                "  await runtime.send(\n"
                '    new ConverseCommand({ modelId: "eu.amazon.nova-pro-v1:0", messages: [] }),\n'
                "  );\n"
                "}\n"
                "const claude = new Anthropic();\n"
            )
        },
    )
    _inventory(
        tmp_path,
        [
            BEDROCK_EU,
            "{id: mistral, name: Mistral Large, kind: model_api, vendor: mistral-ai}",
        ],
        ["llm", "mistral"],
    )
    _, data = _run(tmp_path, monkeypatch, "--fail-on", "never")
    drift = _drift(data)
    assert set(drift) == {
        ("undeclared_service", "anthropic"),
        ("region_mismatch", "helpdesk", "llm"),
        ("declared_unused", "helpdesk", "mistral"),
    }
    region = drift[("region_mismatch", "helpdesk", "llm")]
    assert "us-west-2" in region["condition"] and "environment variable" in region["condition"]
    assert region["location_file"] == "src/web/llm.ts" and region["location_line"] == 5
    unused = drift[("declared_unused", "helpdesk", "mistral")]
    assert unused["severity"] == "info"
    assert unused["location_file"] == "inventory/helpdesk.yaml"


def test_a_flow_naming_the_scanned_component_declares_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, {"app/llm.py": "import anthropic\nclaude = anthropic.Anthropic()\n"})
    _inventory(tmp_path, [], ["code-app/app.llm.claude"])
    _, data = _run(tmp_path, monkeypatch, "--fail-on", "never")
    assert _drift(data) == {}


def test_a_scan_without_inventory_has_no_drift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, {"app/llm.py": "import anthropic\nclaude = anthropic.Anthropic()\n"})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["scan", "src", "--country", "DE", "--json", "r.json", "--fail-on", "never", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert _drift(json.loads((tmp_path / "r.json").read_text())) == {}


def test_explain_resolution_names_how_each_code_place_was_resolved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(
        tmp_path,
        {
            "app/llm.py": (
                "import os\nimport boto3\nfrom openai import OpenAI\n\n"
                'REGION = "eu-west-1"\n'
                'a = boto3.client("bedrock-runtime", region_name="eu-central-1")\n'
                'b = boto3.client("bedrock-runtime", region_name=REGION)\n'
                'c = boto3.client("bedrock-runtime", region_name=os.getenv("R", "eu-north-1"))\n'
                'd = boto3.client("bedrock-runtime", region_name=os.getenv("FROM_ENV_FILE"))\n'
                'e = boto3.client("bedrock-runtime", region_name=os.getenv("NOWHERE"))\n'
                "f = OpenAI()\n"
            ),
            ".env": "FROM_ENV_FILE=eu-south-1\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["scan", "src", "--explain-resolution"])
    assert result.exit_code == 0, result.output
    text = result.output
    for component, value, how in (
        ("app.llm.a", "aws:eu-central-1", "code_literal"),
        ("app.llm.b", "aws:eu-west-1", "code_constant"),
        ("app.llm.c", "aws:eu-north-1", "env_default"),
        ("app.llm.d", "aws:eu-south-1", "config_file"),
        ("app.llm.e", "UNKNOWN", "unknown"),
    ):
        assert f"code-app/{component} region = {value}  [{how}" in text, component
    assert "code-app/app.llm.f deployment = " in text and "[sdk_default" in text


def test_every_resolution_kind_has_words() -> None:
    for how in How:
        words = how_words(how)
        assert words and "_" not in words


def test_model_ids_compare_without_provider_and_profile_prefixes() -> None:
    declared = model_forms("anthropic.claude-3-7-sonnet-20250219-v1:0")
    assert declared & model_forms("eu.anthropic.claude-3-7-sonnet-20250219-v1:0")
    assert declared & model_forms("bedrock/eu.anthropic.claude-3-7-sonnet-20250219-v1:0")
    assert model_forms("claude-sonnet-4-0") & model_forms("anthropic:claude-sonnet-4-0")
    assert not model_forms("gpt-4o") & model_forms("gpt-4o-mini")


def test_a_provider_the_code_does_not_fix_is_unknown_not_undeclared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(
        tmp_path,
        {
            "app/llm.py": (
                "from langchain.chat_models import init_chat_model\n\n"
                "def make(model: str):\n"
                "    return init_chat_model(model=model)\n"
            )
        },
    )
    _inventory(tmp_path, ["{id: llm, name: GPT, kind: model_api, vendor: openai}"])
    _, data = _run(tmp_path, monkeypatch, "--fail-on", "never")
    assert _drift(data) == {}  # the declared component may be the one called: not unused


def test_an_unknown_provider_with_nothing_declared_is_undeclared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(
        tmp_path,
        {
            "app/llm.py": (
                "from langchain.chat_models import init_chat_model\n\n"
                "def make(model: str):\n"
                "    return init_chat_model(model=model)\n"
            )
        },
    )
    _inventory(
        tmp_path, ["{id: llm, name: Local model, kind: inference_endpoint, on_prem: {country: DE}}"]
    )
    _, data = _run(tmp_path, monkeypatch, "--fail-on", "never")
    drift = _drift(data)
    finding = drift[("undeclared_service", "unknown-provider:model_api")]
    assert "a model API whose provider the code does not fix" in finding["title"]
    assert ("declared_unused", "helpdesk", "llm") in drift


def test_terraform_deployment_option_differs_from_the_declaration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fixture = Path(__file__).resolve().parents[1] / "iac" / "fixtures" / "azure-openai"
    shutil.copytree(fixture, tmp_path / "src")
    _inventory(
        tmp_path,
        [
            "{id: llm, name: GPT-4o, kind: model_api, vendor: azure-openai, "
            "region: azure:swedencentral, deployment: DataZoneStandard, model: {name: gpt-4o}}"
        ],
    )
    _, data = _run(tmp_path, monkeypatch, "--fail-on", "never")
    drift = _drift(data)
    # The gpt-4o deployment is GlobalStandard in Terraform; the region agrees; the embeddings
    # deployment (DataZoneStandard) agrees with the declared option.
    assert set(drift) == {("deployment_mismatch", "helpdesk", "llm")}
    finding = drift[("deployment_mismatch", "helpdesk", "llm")]
    assert "GlobalStandard (processed anywhere the vendor operates)" in finding["condition"]
    assert "DataZoneStandard" in finding["cause"]
    (result,) = _sarif(tmp_path, "drift-place-mismatch")
    primary = result["locations"][0]["physicalLocation"]
    assert primary["artifactLocation"]["uri"] == "src/modules/openai/main.tf"
    assert primary["region"]["startLine"] == 17
