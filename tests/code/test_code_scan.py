"""Application-code scanning: each detector, constant folding, env defaults and config files."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.loader.code import CodeLimits, load_code_catalogue, scan_code
from auditor.loader.iac import How, Resolution, scan
from auditor.model.inventory import Component

FIXTURES = Path(__file__).parent / "fixtures"


def _scan(root: Path) -> tuple[dict[str, Component], dict[tuple[str, str], Resolution], list[str]]:
    result = scan(root)
    assert result.diagnostics == []
    components = {c.id: c for s in result.fragment.systems for c in s.components}
    resolutions = {(r.component, r.field): r for r in result.resolutions}
    return components, resolutions, result.notes


@pytest.fixture(scope="module")
def py() -> tuple[dict[str, Component], dict[tuple[str, str], Resolution], list[str]]:
    return _scan(FIXTURES / "pyapp")


@pytest.fixture(scope="module")
def ts() -> tuple[dict[str, Component], dict[tuple[str, str], Resolution], list[str]]:
    return _scan(FIXTURES / "tsapp")


def _place(c: Component) -> tuple[str | None, str | None, str | None]:
    return c.vendor, c.region, c.deployment


def test_openai_base_url_from_an_fstring_of_constants(py: tuple) -> None:  # type: ignore[type-arg]
    components, res, _ = py
    client = components["app.llm.openai_client"]
    assert _place(client) == ("openai", None, "eu")
    assert client.model is not None and client.model.name == "gpt-4o-mini"
    deployment = res[("app.llm.openai_client", "deployment")]
    assert deployment.raw == "https://eu.api.openai.com/v1"
    assert [s.how for s in deployment.steps][:2] == [How.CODE_CONSTANT, How.CODE_CONSTANT]
    assert "HOST" in " ".join(s.text for s in deployment.steps)


def test_bedrock_region_constant_and_one_component_per_profile(py: tuple) -> None:  # type: ignore[type-arg]
    components, res, _ = py
    eu = components["app.llm.bedrock.eu.anthropic.claude-3-7-sonnet-20250219-v1-0"]
    world = components["app.llm.bedrock.global.anthropic.claude-sonnet-4-20250514-v1-0"]
    assert _place(eu) == ("aws-bedrock", "aws:eu-central-1", "eu")
    assert _place(world) == ("aws-bedrock", "aws:eu-central-1", "global")
    region = res[("app.llm.bedrock.eu.anthropic.claude-3-7-sonnet-20250219-v1-0", "region")]
    assert region.how is How.CODE_CONSTANT and region.source is not None
    assert region.source.line == 15  # REGION = "eu-central-1"


def test_boto3_client_for_another_service_is_not_an_ai_call(py: tuple) -> None:  # type: ignore[type-arg]
    components, _, _ = py
    assert "app.llm.s3" not in components


def test_region_from_a_parameter_stays_unknown_never_a_default(py: tuple) -> None:  # type: ignore[type-arg]
    components, res, _ = py
    made = components["app.llm.boto3-bedrock"]
    assert made.region is None and made.deployment == "unknown"
    assert res[("app.llm.boto3-bedrock", "region")].how is How.UNKNOWN
    assert "region_name is a parameter" in (res[("app.llm.boto3-bedrock", "region")].note or "")


def test_azure_endpoint_from_env_example_says_region_unknown(py: tuple) -> None:  # type: ignore[type-arg]
    components, res, _ = py
    azure = components["app.llm.azure"]
    assert _place(azure) == ("azure-openai", None, "unknown")
    region = res[("app.llm.azure", "region")]
    assert How.CONFIG_FILE in [s.how for s in region.steps]
    assert "names the resource, not its region" in (region.note or "")


def test_anthropic_default_host_is_the_sdk_default(py: tuple) -> None:  # type: ignore[type-arg]
    components, res, _ = py
    assert components["app.llm.claude"].vendor == "anthropic"
    assert res[("app.llm.claude", "region")].steps[0].how is How.SDK_DEFAULT


def test_settings_field_default_is_an_env_default(py: tuple) -> None:  # type: ignore[type-arg]
    components, res, _ = py
    assert _place(components["app.llm.gemini"]) == (
        "google-vertex-ai",
        "gcp:europe-west4",
        "regional",
    )
    region = res[("app.llm.gemini", "region")]
    assert region.how is How.ENV_DEFAULT and "VERTEX_LOCATION" in region.steps[-1].text


def test_compose_environment_overrides_the_code_default(py: tuple) -> None:  # type: ignore[type-arg]
    components, res, _ = py
    assert components["app.llm.vertexai-init"].region == "gcp:europe-west3"
    region = res[("app.llm.vertexai-init", "region")]
    assert region.how is How.CONFIG_FILE and region.source is not None
    assert region.source.path.endswith("docker-compose.yml")


def test_openai_compatible_host_decides_the_vendor(py: tuple) -> None:  # type: ignore[type-arg]
    components, _, _ = py
    assert _place(components["app.llm.deepseek"]) == ("deepseek", "CN", "api")


def test_litellm_model_string(py: tuple) -> None:  # type: ignore[type-arg]
    components, _, _ = py
    assert _place(components["app.llm.litellm"]) == ("aws-bedrock", "aws:us-west-2", "us")


def test_plain_http_only_to_catalogue_hosts(py: tuple) -> None:  # type: ignore[type-arg]
    components, _, _ = py
    assert _place(components["app.llm.answer"]) == ("mistral-ai", None, "global")
    assert "app.llm.health" not in components


def test_self_hosted_localhost_and_transformers(py: tuple) -> None:  # type: ignore[type-arg]
    components, res, _ = py
    local = components["app.llm.local"]
    assert local.kind.value == "inference_endpoint" and local.region is None
    assert res[("app.llm.local", "region")].steps[0].how is How.ENV_DEFAULT
    weights = components["app.llm.weights"]
    assert _place(weights) == ("mistral-open-weights", None, "self-hosted")
    assert weights.kind.value == "model_weights"


def test_config_file_url_and_skipped_files(py: tuple) -> None:  # type: ignore[type-arg]
    components, _, notes = py
    assert _place(components["config.llm.endpoint"]) == ("groq", None, "default")
    assert not any("vendored" in c for c in components)  # node_modules is skipped
    assert any("broken.py:1: not valid Python" in n for n in notes)


def test_typescript_template_constants_and_env_default(ts: tuple) -> None:  # type: ignore[type-arg]
    components, res, _ = ts
    assert _place(components["src.llm.client"]) == ("mistral-ai", None, "global")
    assert _place(components["src.llm.runtime"]) == ("aws-bedrock", "aws:eu-west-3", "eu")
    assert res[("src.llm.runtime", "region")].how is How.ENV_DEFAULT


def test_typescript_sdk_calls(ts: tuple) -> None:  # type: ignore[type-arg]
    components, _, _ = ts
    # the command the client sends is counted at the client (region and profile together)
    runtime = components["src.llm.runtime"]
    assert runtime.model is not None and runtime.model.name == "eu.amazon.nova-pro-v1:0"
    assert "src.llm.aws-sdk-bedrock-command" not in components
    assert _place(components["src.llm.res"]) == ("deepseek", "CN", "api")
    assert components["src.llm.claude"].vendor == "anthropic"  # a class field
    assert _place(components["src.llm.ai"]) == ("google-vertex-ai", None, "global")
    assert _place(components["src.llm.model"]) == ("aws-bedrock", None, "apac")
    assert _place(components["src.ollama.ollama"]) == ("meta-llama", None, "self-hosted")


def test_comments_regex_literals_and_jsx_text_are_not_calls(ts: tuple) -> None:  # type: ignore[type-arg]
    components, _, _ = ts
    hosts = " ".join(c.name for c in components.values())
    assert "api.x.ai" not in hosts and "api.openai.com" not in hosts
    assert not any(c.startswith("src.view") for c in components)


def test_limits_and_symlinks_out_of_the_tree_are_notes(tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    (root / "a.py").write_text("import anthropic\nanthropic.Anthropic()\n" + "x = 1\n" * 50)
    (root / "b.py").write_text("import anthropic\nanthropic.Anthropic()\n")
    outside = tmp_path / "secret.py"
    outside.write_text("import openai\nopenai.OpenAI()\n")
    os.symlink(outside, root / "link.py")
    rules = load_code_catalogue()
    result = scan_code(root, rules, CodeLimits(max_files=10, max_nodes=40))
    assert any("a.py: more than 40 syntax nodes" in n for n in result.notes)
    assert any("link.py: symbolic link leads outside" in n for n in result.notes)
    assert [p.vendor for ps in result.parts.values() for p in ps] == ["anthropic"]
    few = scan_code(root, rules, CodeLimits(max_files=1))
    assert any("more than 1 source and configuration files" in n for n in few.notes)


def test_unknown_env_read_without_default_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        "import os, boto3\nboto3.client('bedrock-runtime', region_name=os.environ.get('REGION'))\n"
    )
    _, res, _ = _scan(tmp_path)
    region = res[("m.boto3-bedrock", "region")]
    assert region.value is None and "REGION" in (region.note or "")


def test_cli_scan_json_sarif_and_explain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, sarif = tmp_path / "r.json", tmp_path / "r.sarif"
    app = FIXTURES / "pyapp"
    with pytest.raises(SystemExit) as info:
        main(
            [
                "scan",
                str(app),
                "--country",
                "DE",
                "--json",
                str(out),
                "--sarif",
                str(sarif),
                "--today",
                "2026-12-04",
                "--fail-on",
                "never",
                "--quiet",
            ]
        )
    assert info.value.code == 0
    data = json.loads(out.read_text())
    assert any(i["path"].endswith("llm.py") for i in data["inputs"])
    results = json.loads(sarif.read_text())["runs"][0]["results"]
    places = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].rsplit("/", 1)[-1],
            r["locations"][0]["physicalLocation"].get("region", {}).get("startLine"),
        )
        for r in results
    }
    assert any(name == "llm.py" and line for name, line in places)
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main(["scan", str(app), "--explain-resolution"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    assert "code-app/app.llm.litellm region = aws:us-west-2  [code_literal" in text
    assert "env_default" in text and "config_file" in text


def test_js_parameter_defaults_are_not_constants(tmp_path: Path) -> None:
    (tmp_path / "a.ts").write_text(
        'import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";\n'
        'export function make(region = "us-east-1") {\n'
        "  return new BedrockRuntimeClient({ region });\n}\n"
    )
    components, res, _ = _scan(tmp_path)
    assert components["a.aws-sdk-bedrock"].region is None
    assert "the caller decides" in (res[("a.aws-sdk-bedrock", "region")].note or "")


def test_reports_plans_and_manifests_are_not_config(tmp_path: Path) -> None:
    url = "https://api.openai.com/v1"
    (tmp_path / "report.json").write_text(json.dumps({"findings": [], "note": url}))
    (tmp_path / "plan.json").write_text(
        json.dumps({"format_version": "1.2", "planned_values": {"x": url}})
    )
    (tmp_path / "settings.json").write_text(json.dumps({"llm": {"url": url}}))
    components, _, _ = _scan(tmp_path)
    assert sorted(components) == ["settings.llm.url"]


def test_models_follow_the_client_of_their_own_scope(tmp_path: Path) -> None:
    (tmp_path / "bot.py").write_text(
        "import anthropic\nfrom openai import OpenAI\n\nclient = OpenAI()\n\n"
        "def one():\n    client = anthropic.Anthropic()\n"
        "    client.messages.create(model='claude-3-5-haiku-latest', messages=[])\n\n"
        "def two():\n    client.chat.completions.create(model='gpt-4o-mini', messages=[])\n\n"
        "class Bot:\n    def __init__(self):\n"
        "        self.llm = OpenAI(base_url='https://api.deepseek.com')\n\n"
        "    def ask(self):\n"
        "        return self.llm.chat.completions.create(model='deepseek-chat', messages=[])\n"
    )
    components, _, _ = _scan(tmp_path)
    models = {c.id: (c.vendor, c.model.name if c.model else None) for c in components.values()}
    assert models == {
        "bot.client": ("openai", "gpt-4o-mini"),
        "bot.client-2": ("anthropic", "claude-3-5-haiku-latest"),
        "bot.llm": ("deepseek", "deepseek-chat"),
    }


def test_config_objects_and_dict_items_fold(tmp_path: Path) -> None:
    (tmp_path / "cfg.py").write_text(
        "from dataclasses import dataclass\n"
        "from langchain.chat_models import init_chat_model\n"
        "from openai import OpenAI\n\n"
        "@dataclass\nclass ModelConfig:\n    id: str\n    name: str\n\n"
        "MODELS = {\n"
        "    'fast': ModelConfig(id='anthropic:claude-haiku-4-5', name='Haiku'),\n"
        "    'eu': ModelConfig('bedrock_converse:eu.anthropic.claude-3-7-sonnet-20250219-v1:0', 'S'),\n"
        "}\nDEFAULT = MODELS['fast']\n"
        "chat = init_chat_model(model=DEFAULT.id)\n"
        "eu = init_chat_model(MODELS['eu'].id, region_name='eu-west-1')\n"
        "gateway = OpenAI(base_url='https://api.perplexity.ai')\n"
    )
    components, res, _ = _scan(tmp_path)
    assert components["cfg.chat"].vendor == "anthropic"
    assert _place(components["cfg.eu"]) == ("aws-bedrock", "aws:eu-west-1", "eu")
    assert res[("cfg.chat", "model")].steps[0].text == "DEFAULT = MODELS['fast']"
    # an OpenAI client pointed at a host the catalogue does not know: vendor unknown, not OpenAI
    assert _place(components["cfg.gateway"]) == (None, None, None)
    assert "api.perplexity.ai is not in the catalogue" in components["cfg.gateway"].notes


def test_a_command_no_client_sends_stays_a_component(tmp_path: Path) -> None:
    (tmp_path / "cmd.ts").write_text(
        'import { ConverseCommand } from "@aws-sdk/client-bedrock-runtime";\n'
        'export const c = new ConverseCommand({ modelId: "global.amazon.nova-pro-v1:0" });\n'
    )
    components, _, _ = _scan(tmp_path)
    assert _place(components["cmd.c"]) == ("aws-bedrock", None, "global")


def test_credentials_in_config_urls_are_not_repeated(tmp_path: Path) -> None:
    (tmp_path / "svc.yaml").write_text("llm: https://bob:s3cret@api.mistral.ai/v1\n")
    components, res, _ = _scan(tmp_path)
    assert components["svc.llm"].vendor == "mistral-ai"
    shown = components["svc.llm"].notes + " ".join(s.text for r in res.values() for s in r.steps)
    assert "s3cret" not in shown and "***@api.mistral.ai" in shown


def test_credentials_in_code_urls_are_not_repeated(tmp_path: Path) -> None:
    (tmp_path / "c.py").write_text(
        "from openai import OpenAI\nc = OpenAI(base_url='https://u:hunter2@api.groq.com/openai/v1')\n"
    )
    components, res, _ = _scan(tmp_path)
    assert components["c.c"].vendor == "groq"
    shown = components["c.c"].notes + " ".join(
        f"{r.raw} " + " ".join(s.text for s in r.steps) for r in res.values()
    )
    assert "hunter2" not in shown


def test_commands_with_a_model_from_a_parameter_count_at_their_client(tmp_path: Path) -> None:
    # aws-samples/sample-client-for-amazon-bedrock builds each command from a parameter and
    # sends it on the one client: one component, not one per command.
    (tmp_path / "aws.ts").write_text(
        'import { BedrockRuntimeClient, ConverseCommand, InvokeModelCommand } from "@aws-sdk/client-bedrock-runtime";\n'
        "class BedrockClient {\n"
        "  client: BedrockRuntimeClient;\n"
        "  constructor(config: any) { this.client = new BedrockRuntimeClient(config); }\n"
        "  async converse(payload: any) {\n"
        "    const command = new ConverseCommand(payload);\n"
        "    return this.client.send(command);\n"
        "  }\n"
        "  async invoke(body: string, modelId: string) {\n"
        "    const command = new InvokeModelCommand({ body, modelId });\n"
        "    return this.client.send(command);\n"
        "  }\n"
        "}\n"
    )
    components, _, _ = _scan(tmp_path)
    assert [c.vendor for c in components.values()] == ["aws-bedrock"]


def test_compose_environment_reaches_only_its_service_build_context(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n"
        "  api:\n"
        "    build: ./api\n"
        "    environment:\n"
        "      AWS_REGION: eu-central-1\n"
        "  worker:\n"
        "    build: {context: ./worker}\n"
        "    environment:\n"
        "      - AWS_REGION=us-east-1\n"
        "  proxy:\n"
        "    image: example/proxy\n"
        "    environment:\n"
        "      GCP_LOCATION: europe-west4\n"
    )
    code = (
        "import os, boto3, vertexai\n"
        "rt = boto3.client('bedrock-runtime', region_name=os.getenv('AWS_REGION', 'ap-south-1'))\n"
        "vertexai.init(project='p', location=os.getenv('GCP_LOCATION'))\n"
    )
    for folder in ("api", "worker", "cli"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "app.py").write_text(code)
    components, res, _ = _scan(tmp_path)
    assert components["api.app.rt"].region == "aws:eu-central-1"
    assert components["worker.app.rt"].region == "aws:us-east-1"
    # No service builds cli/: no compose environment reaches it, the code's default stands.
    assert components["cli.app.rt"].region == "aws:ap-south-1"
    assert res[("cli.app.rt", "region")].how is How.ENV_DEFAULT
    # A service running an image built elsewhere: which code it runs is unknown, so its
    # environment applies to every file (as before).
    assert components["cli.app.vertexai-init"].region == "gcp:europe-west4"
    worker = res[("worker.app.rt", "region")]
    assert worker.how is How.CONFIG_FILE and worker.source is not None and worker.source.line == 9
