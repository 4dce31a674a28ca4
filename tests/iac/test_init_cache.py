"""Registry modules ``terraform init`` installed are followed (issue 19, ai-on-eks).

The tree is ai-on-eks's Triton root (``fixtures/public-k8s/ai-on-eks-triton``) with the
``.terraform`` folder ``terraform init`` would write: ``modules/modules.json`` and the
eks-data-addons module at v1.32.2 (``fixtures/init-cache/eks-data-addons``, see its NOTICE).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from auditor.loader.iac import ScanResult, scan
from auditor.model.inventory import ComponentKind

from .helpers import FIXTURES, components

ROOT = FIXTURES / "public-k8s" / "ai-on-eks-triton"
MODULE = FIXTURES / "init-cache" / "eks-data-addons"
RELEASE = "tf-root/module.triton_server_vllm-0-.helm_release.nvidia_triton_server-0"
MODULE_CALL = "tf-root/module.triton_server_vllm-0"


def _record(key: str, source: str, folder: str, version: str | None = "1.32.2") -> dict[str, Any]:
    record: dict[str, Any] = {"Key": key, "Source": source, "Dir": folder}
    if version is not None:
        record["Version"] = version
    return record


def _tree(tmp_path: Path, records: list[dict[str, Any]] | str | None = None) -> Path:
    root = tmp_path / "triton"
    shutil.copytree(ROOT, root)
    modules = root / ".terraform" / "modules"
    shutil.copytree(MODULE, modules / "triton_server_vllm")
    if records is None:
        records = [
            {"Key": "", "Source": "", "Dir": "."},
            _record(
                "triton_server_vllm",
                "registry.terraform.io/aws-ia/eks-data-addons/aws",
                ".terraform/modules/triton_server_vllm",
            ),
        ]
    text = records if isinstance(records, str) else json.dumps({"Modules": records}, indent=1)
    (modules / "modules.json").write_text(text)
    return root


def _servers(result: ScanResult) -> dict[str, Any]:
    return {
        key: c
        for key, c in components(result).items()
        if c.kind is ComponentKind.INFERENCE_ENDPOINT
    }


@pytest.fixture(autouse=True)
def _no_helm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-bin"))


def test_an_installed_module_is_followed_like_a_local_one(tmp_path: Path) -> None:
    result = scan(_tree(tmp_path))
    assert result.diagnostics == []
    servers = _servers(result)
    # The module's own helm_release is read: one Triton server, not also the module call.
    assert list(servers) == [RELEASE]
    triton = servers[RELEASE]
    assert triton.name.startswith(
        "Triton Inference Server (eks-data-addons Helm chart) model server"
    )
    # its helm provider is the caller's default one, whose host is module.eks.cluster_endpoint
    assert triton.region == "aws:us-west-2"
    assert triton.model is None  # the model repository is an S3 bucket the code fills
    notice = next(n for n in result.notes if n.startswith("module.triton_server_vllm "))
    assert "terraform init cache" in notice and "version 1.32.2" in notice
    assert ".terraform/modules/triton_server_vllm" in notice


def test_without_the_cache_the_module_is_read_from_its_arguments(tmp_path: Path) -> None:
    result = scan(ROOT)
    servers = _servers(result)
    assert list(servers) == [MODULE_CALL]
    assert servers[MODULE_CALL].region == "aws:us-west-2"
    assert any(
        "'aws-ia/eks-data-addons/aws' is a registry or remote module; not followed: its "
        "arguments are read" in n
        for n in result.notes
    )


def test_the_cache_folder_is_never_a_root_module_of_its_own(tmp_path: Path) -> None:
    result = scan(_tree(tmp_path))
    systems = [s.id for s in result.fragment.systems]
    assert systems == ["tf-root"]
    # and the module's chart folder is not rendered or named as a chart of the tree
    assert not any("helm-charts/nvidia-triton-server" in n and "helm" in n for n in result.notes)


def test_a_record_for_another_source_is_not_followed(tmp_path: Path) -> None:
    records = [
        _record(
            "triton_server_vllm",
            "registry.terraform.io/someone/else/aws",
            ".terraform/modules/triton_server_vllm",
        )
    ]
    result = scan(_tree(tmp_path, records))
    assert list(_servers(result)) == [MODULE_CALL]  # the catalogue's reading of the call
    assert any("the code changed since terraform init" in n for n in result.notes)


def test_a_record_whose_folder_is_gone_is_not_followed(tmp_path: Path) -> None:
    records = [
        _record(
            "triton_server_vllm",
            "aws-ia/eks-data-addons/aws",
            ".terraform/modules/gone",
        )
    ]
    result = scan(_tree(tmp_path, records))
    assert list(_servers(result)) == [MODULE_CALL]
    assert any("holds no .tf files (run terraform init again)" in n for n in result.notes)


def test_a_record_leading_outside_the_tree_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    shutil.copytree(MODULE, outside)
    records = [_record("triton_server_vllm", "aws-ia/eks-data-addons/aws", "../elsewhere")]
    result = scan(_tree(tmp_path, records))
    assert list(_servers(result)) == [MODULE_CALL]
    assert any("lies outside the scanned folder" in n for n in result.notes)


def test_a_broken_modules_json_is_a_diagnostic_with_its_line(tmp_path: Path) -> None:
    result = scan(_tree(tmp_path, '{"Modules": [\n  {"Key": "x",\n  oops}\n]}'))
    (problem,) = result.diagnostics
    assert problem.path.endswith(".terraform/modules/modules.json")
    assert problem.line == 3
    assert "not valid JSON" in problem.message
    assert list(_servers(result)) == [MODULE_CALL]  # the scan goes on without the cache


def test_a_record_without_a_dir_is_a_diagnostic(tmp_path: Path) -> None:
    records: list[dict[str, Any]] = [
        {"Key": "", "Source": "", "Dir": "."},
        {"Key": "triton_server_vllm", "Source": "aws-ia/eks-data-addons/aws"},
    ]
    result = scan(_tree(tmp_path, records))
    (problem,) = result.diagnostics
    assert "Modules[1] lacks a string Key, Source or Dir" in problem.message
    assert problem.line == 8  # the second record's opening brace (json.dumps, indent=1)


def test_a_modules_json_linked_from_outside_is_not_read(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    cache = root / ".terraform" / "modules" / "modules.json"
    outside = tmp_path / "modules.json"
    outside.write_text(cache.read_text())
    cache.unlink()
    cache.symlink_to(outside)
    result = scan(root)
    assert list(_servers(result)) == [MODULE_CALL]
    assert any("a symbolic link out of the scanned folder; not read" in n for n in result.notes)
