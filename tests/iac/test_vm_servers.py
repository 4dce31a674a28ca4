"""Issue 19: model servers on virtual machines created by Terraform.

A compute instance whose boot script or provisioners start a model server is that
model server, placed where the instance is; a GPU instance without one is a place a
model may run; a CPU instance without one is nothing. Scripts are read only inside
the scanned folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.loader.iac import scan
from auditor.loader.iac.hcl import HOLE
from auditor.loader.iac.vm import MAX_SCRIPT_BYTES
from auditor.model.inventory import ComponentKind

from .helpers import components, resolution

AWS = 'provider "aws" {\n  region = "eu-central-1"\n}\n\n'


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _instance(body: str, itype: str = "t3.large", name: str = "llm") -> str:
    return (
        f'resource "aws_instance" "{name}" {{\n  ami = "ami-123"\n'
        f'  instance_type = "{itype}"\n{body}}}\n'
    )


def test_a_script_read_through_file_makes_the_instance_a_model_server(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "main.tf": AWS + _instance('  user_data = file("${path.module}/boot/start.sh")\n'),
            "boot/start.sh": "#!/bin/bash\npip install vllm\n"
            "vllm serve mistralai/Mistral-7B-Instruct-v0.3 --port 8000\n",
        },
    )
    result = scan(root)
    assert result.diagnostics == []
    found = components(result)["tf-root/aws_instance.llm"]
    assert found.kind == ComponentKind.INFERENCE_ENDPOINT
    assert found.region == "aws:eu-central-1"
    assert found.name.startswith("vLLM model server on Amazon EC2 instance")
    assert found.model is not None
    assert found.model.name == "mistralai/Mistral-7B-Instruct-v0.3"
    assert found.model.vendor == "mistral-open-weights"
    model = resolution(result, "tf-root/aws_instance.llm", "model")
    # the chain points at the script line, then at the attribute that reads the file
    assert model.source is not None
    assert model.source.path.endswith("boot/start.sh")
    assert model.source.line == 3


def test_templatefile_puts_in_the_variable_the_call_passes(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "main.tf": AWS
            + 'variable "model" {\n  default = "qwen2.5:7b"\n}\n\n'
            + _instance(
                '  user_data = base64encode(templatefile("${path.module}/init.sh.tftpl", '
                "{ model = var.model }))\n",
                itype="g5.xlarge",
            ),
            "init.sh.tftpl": "#!/bin/sh\ncurl -fsSL https://ollama.com/install.sh | sh\n"
            "ollama pull ${model}\nexport X=$${HOME}\n",
        },
    )
    result = scan(root)
    found = components(result)["tf-root/aws_instance.llm"]
    assert found.name.startswith("Ollama model server on Amazon EC2 GPU instance")
    assert found.model is not None
    assert found.model.name == "qwen2.5:7b"


def test_an_unknown_template_variable_leaves_the_model_unknown_with_the_reason(
    tmp_path: Path,
) -> None:
    root = _write(
        tmp_path,
        {
            "main.tf": AWS
            + 'variable "model" {}\n\n'
            + _instance('  user_data = templatefile("start.tftpl", { model = var.model })\n'),
            "start.tftpl": "docker run --gpus all -p 8000:8000 vllm/vllm-openai:v0.6.0 "
            "--model ${model}\n",
        },
    )
    result = scan(root)
    found = components(result)["tf-root/aws_instance.llm"]
    assert found.kind == ComponentKind.INFERENCE_ENDPOINT
    assert found.model is None
    model = resolution(result, "tf-root/aws_instance.llm", "model")
    assert model.unknown
    assert "the template variable model is not known from the code" in model.explain()


def test_a_boot_template_whose_variables_are_unknown_is_still_read(tmp_path: Path) -> None:
    """templatefile(PATH, var.settings) with no value for var.settings: the commands are still
    read (a server is a server), the model stays unknown and says why."""
    root = _write(
        tmp_path,
        {
            "main.tf": AWS
            + 'variable "settings" {}\n\n'
            + _instance('  user_data = templatefile("start.tftpl", var.settings)\n'),
            "start.tftpl": "%{ if gpu }docker run --gpus all -p 8000:8000 vllm/vllm-openai:v0.6.0 "
            "--model ${model}%{ endif }\n",
        },
    )
    result = scan(root)
    found = components(result)["tf-root/aws_instance.llm"]
    assert found.kind == ComponentKind.INFERENCE_ENDPOINT and found.model is None
    model = resolution(result, "tf-root/aws_instance.llm", "model")
    assert 'variable "settings"' in model.explain()
    assert "--model ?" in model.explain() and HOLE not in model.explain()


def test_remote_exec_inline_commands_and_their_exports(tmp_path: Path) -> None:
    oci = (
        'provider "oci" {\n  region = "eu-frankfurt-1"\n}\n\n'
        'variable "model_path" {\n  default = "meta-llama/Llama-3.1-8B-Instruct"\n}\n\n'
        "resource oci_core_instance host {\n"
        '  availability_domain = "AD-1"\n  compartment_id = "c"\n'
        '  shape = "VM.Standard.E4.Flex"\n'
        '  provisioner "remote-exec" {\n    inline = [\n'
        '      "export model_path=${var.model_path}",\n'
        '      "nohup python3 -m vllm.entrypoints.openai.api_server --model $model_path &",\n'
        "    ]\n  }\n}\n"
    )
    result = scan(_write(tmp_path, {"main.tf": oci}))
    found = components(result)["tf-root/oci_core_instance.host"]
    assert found.kind == ComponentKind.INFERENCE_ENDPOINT
    assert found.region == "oci:eu-frankfurt-1"
    assert found.model is not None
    assert found.model.name == "meta-llama/Llama-3.1-8B-Instruct"
    text = resolution(result, "tf-root/oci_core_instance.host", "model").explain()
    assert "export model_path=meta-llama/Llama-3.1-8B-Instruct" in text


def test_a_user_data_heredoc_with_cloud_init_runcmd(tmp_path: Path) -> None:
    body = (
        "  user_data = <<-EOT\n"
        "    #cloud-config\n"
        "    packages: [docker.io]\n"
        "    runcmd:\n"
        "      - [docker, run, -d, --gpus, all, ghcr.io/huggingface/text-generation-inference:2.0, "
        "--model-id, '${var.model_id}']\n"
        "  EOT\n"
    )
    root = _write(
        tmp_path,
        {
            "main.tf": AWS
            + 'variable "model_id" {\n  default = "google/gemma-2-9b-it"\n}\n\n'
            + _instance(body, itype="p5.48xlarge")
        },
    )
    result = scan(root)
    found = components(result)["tf-root/aws_instance.llm"]
    assert found.name.startswith("Text Generation Inference model server on Amazon EC2 GPU")
    assert found.model is not None
    assert found.model.name == "google/gemma-2-9b-it"


def test_a_cpu_instance_without_a_serving_script_is_no_component(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "main.tf": AWS
            + _instance('  user_data = "#!/bin/sh\\napt-get install -y nginx\\n"\n', name="web")
            + _instance("", name="bare")
            + 'resource "aws_s3_bucket" "docs" {\n  bucket = "docs"\n}\n'
        },
    )
    result = scan(root)
    assert sorted(components(result)) == ["tf-root/aws_s3_bucket.docs"]


def test_a_gpu_instance_without_a_script_is_a_place_a_model_may_run(tmp_path: Path) -> None:
    gce = (
        'resource "google_compute_instance" "gpu" {\n  name = "gpu"\n'
        '  machine_type = "n1-standard-8"\n  zone = "europe-west4-a"\n'
        '  guest_accelerator {\n    type = "nvidia-tesla-t4"\n    count = 1\n  }\n}\n'
        'resource "google_compute_instance" "cpu" {\n  name = "cpu"\n'
        '  machine_type = "e2-medium"\n  zone = "europe-west4-a"\n}\n'
    )
    result = scan(_write(tmp_path, {"main.tf": gce}))
    found = components(result)
    assert sorted(found) == ["tf-root/google_compute_instance.gpu"]
    gpu = found["tf-root/google_compute_instance.gpu"]
    assert gpu.kind == ComponentKind.INFERENCE_ENDPOINT
    assert gpu.region == "gcp:europe-west4"
    assert gpu.model is None


def test_a_script_path_escaping_the_root_is_refused_with_a_notice(tmp_path: Path) -> None:
    outside = tmp_path / "outside.sh"
    outside.write_text("vllm serve secret/model\n", encoding="utf-8")
    root = tmp_path / "repo"
    _write(
        root,
        {
            "main.tf": AWS
            + _instance('  user_data = file("../outside.sh")\n', name="a")
            + _instance('  user_data = file("link.sh")\n', name="b"),
        },
    )
    os.symlink(outside, root / "link.sh")
    result = scan(root)
    assert components(result) == {}
    notes = "\n".join(result.notes)
    assert "aws_instance.a" in notes and "../outside.sh is outside the scanned folder" in notes
    assert "aws_instance.b" in notes and "link.sh is outside the scanned folder" in notes


def test_an_oversized_script_is_not_read(tmp_path: Path) -> None:
    big = "# padding\n" * (MAX_SCRIPT_BYTES // 10 + 1) + "vllm serve some/model\n"
    root = _write(
        tmp_path,
        {"main.tf": AWS + _instance('  user_data = file("big.sh")\n'), "big.sh": big},
    )
    result = scan(root)
    assert components(result) == {}
    assert any("over the script limit" in n for n in result.notes)


def test_scan_cli_reports_the_vm_model_server(tmp_path: Path) -> None:
    root = _write(
        tmp_path / "code",
        {
            "main.tf": AWS + _instance('  user_data = file("start.sh")\n', itype="g6.xlarge"),
            "start.sh": "ollama serve &\nollama run llama3.1:8b\n",
        },
    )
    out = tmp_path / "scan.json"
    with pytest.raises(SystemExit) as info:
        main(["scan", str(root), "--country", "DE", "--json", str(out), "--quiet"])
    assert info.value.code in (0, 1)
    data = json.loads(out.read_text())
    text = json.dumps(data)
    assert "Ollama model server on Amazon EC2 GPU instance" in text
    assert "llama3.1:8b" in text


def test_an_api_gateway_deployment_routes_to_the_instance_it_names(tmp_path: Path) -> None:
    oci = (
        'provider "oci" {\n  region = "eu-amsterdam-1"\n}\n\n'
        'variable "port" {\n  default = 9001\n}\n\n'
        "resource oci_core_instance llm_host {\n"
        '  availability_domain = "AD-1"\n  compartment_id = "c"\n  shape = "BM.GPU.A10.4"\n'
        "}\n\n"
        'resource "oci_apigateway_gateway" "gw" {\n  compartment_id = "c"\n'
        '  endpoint_type = "PUBLIC"\n  subnet_id = "s"\n}\n\n'
        'resource "oci_apigateway_deployment" "dep" {\n  compartment_id = "c"\n'
        '  gateway_id = oci_apigateway_gateway.gw.id\n  path_prefix = "/v1"\n'
        '  specification {\n    routes {\n      backend {\n        type = "HTTP_BACKEND"\n'
        '        url = "http://${oci_core_instance.llm_host.public_ip}:${var.port}/"\n'
        '      }\n      path = "/{p*}"\n    }\n  }\n}\n'
    )
    result = scan(_write(tmp_path, {"main.tf": oci}))
    found = components(result)
    # a GPU shape with no script: a place a model may run, in the provider's region
    gpu = found["tf-root/oci_core_instance.llm_host"]
    assert gpu.kind == ComponentKind.INFERENCE_ENDPOINT
    assert gpu.name.startswith("OCI GPU instance")
    assert gpu.region == "oci:eu-amsterdam-1"
    route = resolution(result, "tf-root/oci_apigateway_gateway.gw", "routes_to")
    assert route.value == "oci:eu-amsterdam-1"
    assert "oci_apigateway_deployment.dep sends requests to oci_core_instance.llm_host" in (
        route.explain()
    )


def test_a_file_call_inside_a_string_and_the_other_models_pulled(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "main.tf": AWS + _instance('  user_data = "${file("./scripts/startup.sh")}"\n'),
            "scripts/startup.sh": "#!/bin/bash\ncurl -fsSL https://ollama.com/install.sh | sh\n"
            "ollama pull gemma2\nollama pull mistral\n",
        },
    )
    result = scan(root)
    found = components(result)["tf-root/aws_instance.llm"]
    assert found.model is not None and found.model.name == "gemma2"
    model = resolution(result, "tf-root/aws_instance.llm", "model")
    assert "also loads mistral" in model.explain()


def test_a_cloud_config_alias_bomb_is_not_expanded(tmp_path: Path) -> None:
    bomb = "#cloud-config\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefgh":
        prev = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
    bomb += "runcmd:\n  - [*h, *h, *h]\n  - vllm serve org/model\n"
    root = _write(
        tmp_path,
        {"main.tf": AWS + _instance('  user_data = file("init.yaml")\n'), "init.yaml": bomb},
    )
    result = scan(root)
    # read as plain text: the server is still found, nothing was expanded
    found = components(result)["tf-root/aws_instance.llm"]
    assert found.model is not None and found.model.name == "org/model"


def test_hetzner_scaleway_and_launch_template_scripts(tmp_path: Path) -> None:
    code = (
        AWS + 'resource "hcloud_server" "llm" {\n  name = "llm"\n  server_type = "cx52"\n'
        '  image = "ubuntu-24.04"\n  location = "fsn1"\n'
        '  user_data = "#!/bin/sh\\nllama-server -hf ggml-org/gemma-3-1b-it-GGUF --port 8080\\n"\n'
        "}\n\n"
        'resource "scaleway_instance_server" "llm" {\n  type = "DEV1-L"\n'
        '  image = "ubuntu_jammy"\n  zone = "fr-par-2"\n'
        '  user_data = {\n    cloud-init = file("${path.module}/ci.yaml")\n  }\n}\n\n'
        'resource "aws_launch_template" "llm" {\n  name_prefix = "llm"\n'
        '  instance_type = "g5.2xlarge"\n'
        "  user_data = base64encode(<<-EOF\n    #!/bin/bash\n"
        "    python3 -m sglang.launch_server --model-path Qwen/Qwen2.5-7B-Instruct\n"
        "  EOF\n  )\n}\n"
    )
    files = {
        "main.tf": code,
        "ci.yaml": "#cloud-config\nruncmd:\n  - [sh, -c, 'vllm serve mistralai/Mistral-Nemo-Instruct-2407']\n",
    }
    found = components(scan(_write(tmp_path, files)))
    hetzner = found["tf-root/hcloud_server.llm"]
    assert hetzner.name.startswith("llama.cpp server model server on Hetzner Cloud server")
    assert hetzner.region == "hetzner:fsn1"
    assert hetzner.model is not None and hetzner.model.name == "ggml-org/gemma-3-1b-it-GGUF"
    scw = found["tf-root/scaleway_instance_server.llm"]
    assert scw.region == "scaleway:fr-par-2"
    assert scw.model is not None and scw.model.name == "mistralai/Mistral-Nemo-Instruct-2407"
    template = found["tf-root/aws_launch_template.llm"]
    assert template.name.startswith("SGLang model server on Amazon EC2 launch template for GPU")
    assert template.model is not None and template.model.name == "Qwen/Qwen2.5-7B-Instruct"


def test_template_file_and_cloudinit_config_data_sources(tmp_path: Path) -> None:
    code = (
        'provider "oci" {\n  region = "uk-london-1"\n}\n\n'
        'data "template_file" "boot" {\n  template = file("${path.module}/boot.sh")\n'
        '  vars = {\n    model = "microsoft/Phi-3-mini-4k-instruct"\n  }\n}\n\n'
        'data "cloudinit_config" "init" {\n  part {\n    content_type = "text/x-shellscript"\n'
        "    content = data.template_file.boot.rendered\n  }\n}\n\n"
        'resource "oci_core_instance" "llm" {\n  availability_domain = "AD-1"\n'
        '  compartment_id = "c"\n  shape = "VM.Standard.E5.Flex"\n'
        "  metadata = {\n    user_data = data.cloudinit_config.init.rendered\n  }\n}\n"
    )
    files = {"main.tf": code, "boot.sh": "#!/bin/bash\nvllm serve ${model} --port 8000\n"}
    result = scan(_write(tmp_path, files))
    found = components(result)["tf-root/oci_core_instance.llm"]
    assert found.name.startswith("vLLM model server on OCI compute instance")
    assert found.region == "oci:uk-london-1"
    assert found.model is not None and found.model.name == "microsoft/Phi-3-mini-4k-instruct"


def test_paths_in_a_local_module_read_from_the_module_or_the_root(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        {
            "main.tf": AWS + 'module "gpu" {\n  source = "./modules/gpu"\n}\n',
            "modules/gpu/main.tf": _instance('  user_data = file("${path.module}/start.sh")\n')
            + _instance('  user_data = file("scripts/root.sh")\n', name="other"),
            "modules/gpu/start.sh": "vllm serve org/in-module\n",
            "scripts/root.sh": "vllm serve org/from-root\n",
        },
    )
    found = components(scan(root))
    inside = found["tf-root/module.gpu.aws_instance.llm"]
    assert inside.model is not None and inside.model.name == "org/in-module"
    other = found["tf-root/module.gpu.aws_instance.other"]
    assert other.model is not None and other.model.name == "org/from-root"
