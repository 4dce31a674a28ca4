"""Who runs the international Z.ai and Kimi APIs, and which laws reach them, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import main
from tests.inventories import support_desk

_INVENTORY = support_desk(
    "Support assistant",
    zai="vendor: zhipu-ai",
    bigmodel="vendor: zhipu-ai-bigmodel",
    kimi="vendor: moonshot-ai",
    **{"kimi-cn": "vendor: moonshot-ai-cn"},
)

_PRC_LAWS = {
    "cn-national-intelligence-law",
    "cn-data-security-law",
    "cn-cybersecurity-law",
    "cn-counter-espionage-law",
}


def _audit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    (tmp_path / "inventory.yaml").write_text(_INVENTORY, encoding="utf-8")
    out = tmp_path / "result.json"
    args = ["audit", str(tmp_path), "--json", str(out), "--today", "2026-12-06", "--quiet"]
    with pytest.raises(SystemExit):
        main(args)
    capsys.readouterr()
    result: dict[str, object] = json.loads(out.read_text(encoding="utf-8"))
    return result


def _reach(result: dict[str, object], component: str) -> set[tuple[str, str, str]]:
    exposures = result["exposures"]
    assert isinstance(exposures, list)
    return {
        (e["law"], e["party"], e["party_role"]) for e in exposures if e["component"] == component
    }


def test_international_apis_are_run_by_their_singapore_companies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Z.ai's own ZCode privacy policy (2026-06-15) and Moonshot's Kimi OpenPlatform terms
    # (2026-05-27) name Singapore companies, not the Beijing developers, for the international
    # services. Singapore law reaches the operator; nothing read ties it to the PRC group, so the
    # PRC laws reach the API only through the Beijing model provider, never through the operator.
    result = _audit(tmp_path, capsys)
    for component, operator, developer in (
        ("zai", "jingsheng-hengxing-technology", "zhipu-ai-beijing"),
        ("kimi", "moonshot-ai-singapore", "moonshot-ai-beijing"),
    ):
        reach = _reach(result, component)
        assert ("sg-cpc-production-orders", operator, "operator") in reach
        prc = {(party, role) for law, party, role in reach if law in _PRC_LAWS}
        assert prc == {(developer, "model_provider")}
    # The operator is the importer of the transfer, and its owner is an evidence gap, not
    # "independent".
    findings = result["findings"]
    assert isinstance(findings, list)
    importers = {
        f["subject"]["component"]: f["subject"]["importer"]
        for f in findings
        if f["rule_id"].startswith("gdpr-transfer") and "importer" in f["subject"]
    }
    assert importers["zai"] == "jingsheng-hengxing-technology"
    assert importers["kimi"] == "moonshot-ai-singapore"
    unknown_owners = {
        f["subject"]["entity"]
        for f in findings
        if f["rule_id"] == "evidence-gap-ownership" and f["subject"]["kind"] == "unknown_owner"
    }
    assert {"jingsheng-hengxing-technology", "moonshot-ai-singapore"} <= unknown_owners


def test_china_platforms_stay_with_the_beijing_operators_under_prc_law(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # bigmodel.cn and platform.moonshot.cn are separate vendors run from Beijing and storing in
    # China: every PRC law reaches their operator, the transfer goes to China, and no Singapore
    # law is involved.
    result = _audit(tmp_path, capsys)
    for component, operator in (
        ("bigmodel", "zhipu-ai-beijing"),
        ("kimi-cn", "moonshot-ai-beijing"),
    ):
        reach = _reach(result, component)
        assert {law for law, party, role in reach if (party, role) == (operator, "operator")} >= (
            _PRC_LAWS
        )
        assert not any(law.startswith("sg-") for law, _, _ in reach)
    findings = result["findings"]
    assert isinstance(findings, list)
    to_china = {
        (f["subject"]["component"], f["subject"]["importer"])
        for f in findings
        if f["rule_id"] == "gdpr-transfer-without-valid-tool" and f["subject"]["country"] == "CN"
    }
    assert to_china == {("bigmodel", "zhipu-ai-beijing"), ("kimi-cn", "moonshot-ai-beijing")}


def test_the_old_china_option_of_the_z_ai_vendor_names_the_vendor_it_became(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # An inventory written when open.bigmodel.cn was the 'cn' option of zhipu-ai: the China
    # platform has an operator of its own now, so the option is a vendor of its own, and the
    # error says which vendor to write instead of listing only the options left.
    text = _INVENTORY.replace(
        "{id: zai, kind: model_api, vendor: zhipu-ai}",
        "{id: zai, kind: model_api, vendor: zhipu-ai, deployment: cn}",
    )
    (tmp_path / "inventory.yaml").write_text(text, encoding="utf-8")
    line = 1 + text.splitlines().index(
        "      - {id: zai, kind: model_api, vendor: zhipu-ai, deployment: cn}"
    )
    with pytest.raises(SystemExit) as info:
        main(["audit", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err
    assert info.value.code == 3
    assert f"inventory.yaml:{line}:" in err
    assert "it is the vendor 'zhipu-ai-bigmodel'" in err
    assert "write vendor: zhipu-ai-bigmodel and leave out deployment" in err


def test_a_moved_option_must_name_another_catalogue_vendor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules" / "vendors"
    rules.mkdir(parents=True)
    text = Path("rules/vendors/zhipu-ai.yaml").read_text(encoding="utf-8")
    (rules / "zhipu-ai.yaml").write_text(
        text.replace("cn: zhipu-ai-bigmodel", "cn: zhipu-ai-bigmodle"), encoding="utf-8"
    )
    with pytest.raises(SystemExit) as info:
        main(["--rules", str(tmp_path / "rules"), "kb", "check"])
    err = capsys.readouterr().err
    assert info.value.code != 0
    assert (
        "option 'cn' is moved to 'zhipu-ai-bigmodle', which is not another catalogue vendor" in err
    )
    assert "zhipu-ai-bigmodel" in err  # the suggestion
