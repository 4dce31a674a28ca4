"""Findings by root cause (issue 16): one finding per rule and subject, the data inside it.

Also the compatibility promises: waivers and version 1 baselines written when findings
were per data asset keep accepting exactly what they accepted, and a finding whose
data grew beyond what a waiver or baseline recorded is reported, never hidden.
The version 1 baselines under ``tests/data/v1`` were written by the engine before
the change (``auditor audit examples/<name> --today 2026-11-28 --write-baseline``).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.audit import AuditOptions, list_rules, run_audit
from auditor.cli import cli
from auditor.exposure.rows import ExposureRow
from auditor.kb import load_knowledge_base
from auditor.model.findings import AuditResult, Finding, Hop, Sensitivity
from auditor.model.policy import SEVERITY_RANK
from auditor.rules.engine import _rule_findings, _severity_of, compile_where, fingerprint
from auditor.rules.schema import Over
from tests.conftest import EXAMPLES, TODAY

V1 = Path(__file__).parent / "data" / "v1"
EXAMPLE_NAMES = ["hospital", "ministry", "bank", "startup-saas"]
HOSPITAL = ["audit", str(EXAMPLES / "hospital"), "--today", TODAY.isoformat(), "--quiet"]


def _audit(*paths: Path, **options: object) -> AuditResult:
    return run_audit(list(paths), AuditOptions(today=TODAY, **options))  # type: ignore[arg-type]


# -- one finding per root cause -----------------------------------------------------------


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_no_two_findings_share_a_rule_and_root_cause(name: str) -> None:
    findings = _audit(EXAMPLES / name, use_waivers=False).findings
    keys = Counter((f.rule_id, tuple(sorted(f.subject.items()))) for f in findings)
    assert [k for k, n in keys.items() if n > 1] == []
    # and, for the law checks, no two share (rule, system, component, law)
    laws = Counter(
        (f.rule_id, f.subject.get("system"), f.subject.get("component"), f.law)
        for f in findings
        if f.law
    )
    assert [k for k, n in laws.items() if n > 1] == []
    assert all("data_asset" not in f.subject for f in findings)


def test_the_hospital_deployment_is_one_finding_per_law() -> None:
    findings = _audit(EXAMPLES / "hospital", use_waivers=False).findings
    # The law checks; the policy checks also flag the Mistral EU endpoint, whose zone
    # includes Switzerland, for health data the policy keeps in the EEA (issue 17).
    every_critical = [
        f for f in findings if f.severity.value == "critical" and f.rule_id.endswith("-exposure")
    ]
    # Mistral's EU zone includes Switzerland: the Swiss BUEPF reaches its operator at each
    # of the two Mistral components, one finding each (issue 19).
    swiss = [f for f in every_critical if f.law == "ch-buepf-surveillance"]
    assert sorted(f.subject["component"] for f in swiss) == ["embeddings", "llm"]
    critical = [f for f in every_critical if f.law != "ch-buepf-surveillance"]
    assert sorted(f.rule_id for f in critical) == ["us-cloud-act-exposure", "us-fisa-702-exposure"]
    for finding in critical:
        assert finding.subject == {
            "system": "discharge-assistant",
            "component": "llm",
            "law": finding.law,
        }
        assert [a.id for a in finding.data_assets] == [
            "clinical-notes",
            "discharge-drafts",
            "radiology-reports",
        ]
        assert {a.sensitivity for a in finding.data_assets} == {Sensitivity.SPECIAL_CATEGORY}
        # The data by display name (issue 18), grouped by sensitivity.
        assert (
            "Clinical notes of an inpatient stay, Draft discharge letters (Arztbrief-Entwürfe) "
            "and Structured radiology reports (special category)" in finding.condition
        )
        # every distinct path once, and together they carry every affected asset
        keys = [tuple(h.model_dump_json() for h in p.path) for p in finding.evidence_paths]
        assert len(keys) == len(set(keys))
        assert {a for p in finding.evidence_paths for a in p.data_assets} == {
            a.id for a in finding.data_assets
        }
        assert all(h.kind != "data" for p in finding.evidence_paths for h in p.path)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_exposures_stay_per_data_asset(name: str) -> None:
    result = _audit(EXAMPLES / name, use_waivers=False)
    for finding in result.findings:
        if finding.rule_id.endswith("-exposure"):
            reached = {
                e.data_asset
                for e in result.exposures
                if (e.system, e.component, e.law)
                == (finding.subject["system"], finding.subject["component"], finding.law)
            }
            assert {a.id for a in finding.data_assets} <= reached


def test_no_message_of_a_built_in_check_names_a_single_data_asset() -> None:
    for rule in list_rules():
        texts = [rule.title, rule.messages.condition, rule.messages.cause, rule.messages.effect]
        assert not any("{data_asset}" in t for t in texts), rule.id
        assert "data_asset" not in rule.subject, rule.id


# -- fold decisions -------------------------------------------------------------------------


def test_every_law_is_judged_by_exactly_one_exposure_check() -> None:
    """foreign-law-exposure covers the laws no dedicated check names, and only those."""
    kb = load_knowledge_base()
    checks = [r for r in list_rules() if r.match.over is Over.EXPOSURE]
    for law in kb.laws:
        covering = []
        for rule in checks:
            conditions = [c for c in rule.match.where if c.field == "law"]
            holds = compile_where(conditions)
            if holds(_exposure_row(law=law)):
                covering.append(rule.id)
        assert len(covering) == 1, (law, covering)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_the_policy_reach_check_does_not_restate_an_exposure_check(name: str) -> None:
    findings = _audit(EXAMPLES / name, use_waivers=False).findings
    judged = {
        (f.subject["system"], f.subject["component"], f.law, a.id)
        for f in findings
        if f.rule_id.endswith("-exposure")
        for a in f.data_assets
    }
    for f in findings:
        if f.rule_id == "policy-residency-reach":
            for a in f.data_assets:
                key = (f.subject["system"], f.subject["component"], f.subject["law"], a.id)
                assert key not in judged


# -- count = distinct root causes (property) -------------------------------------------------


def _exposure_row(**values: object) -> ExposureRow:
    row = {
        "data_asset": "a",
        "system": "s",
        "component": "c",
        "system_name": "S",
        "component_name": "C",
        "party": "p",
        "party_name": "P",
        "party_role": "hosting",
        "party_role_text": "the hosting provider",
        "law": "us-cloud-act",
        "law_name": "US CLOUD Act",
        "jurisdiction": "US",
        "trigger": "control",
        "strength": "strong",
        "strength_note": "",
        "reach_confidence": "confirmed",
        "compelled_text": "can be compelled",
        "reach_text": "",
        "mitigation": "none",
        "sensitivity": "personal",
        "confidence": "confirmed",
        "jurisdiction_name": "United States",
        "jurisdiction_text": "the United States",
        "access_text": "data in processing",
        "content_reached": True,
        "mitigation_text": "",
        "citation": "18 U.S.C. § 2713",
        "law_status": "in_force",
        "law_status_text": "",
        "secrecy": True,
        "component_kind": "model_api",
        "criticality": "high",
        "policy_allows": True,
        "policy_text": "",
        "evidence": [],
        "cited_law": None,
    }
    row.update(values)
    return ExposureRow(**row)  # type: ignore[arg-type]


_ROWS = st.lists(
    st.builds(
        lambda asset, system, component, law, sensitivity, mitigation, hop: _exposure_row(
            data_asset=asset,
            system=system,
            component=component,
            law=law,
            sensitivity=sensitivity,
            mitigation=mitigation,
            evidence=[Hop(node=asset, kind="data"), Hop(node=hop, kind="entity")],
        ),
        st.sampled_from(["a1", "a2", "a3", "a4"]),
        st.sampled_from(["s1", "s2"]),
        st.sampled_from(["c1", "c2"]),
        st.sampled_from(["us-cloud-act", "us-fisa-702"]),
        st.sampled_from(["public", "personal", "confidential", "special_category"]),
        st.sampled_from(["none", "partial", "mitigated"]),
        st.sampled_from(["operator X", "hosting Y"]),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(rows=_ROWS)
def test_one_finding_per_distinct_root_cause_with_the_worst_severity(
    rows: list[ExposureRow],
) -> None:
    rule = next(r for r in list_rules() if r.id == "us-cloud-act-exposure")
    kb = load_knowledge_base()
    findings = _rule_findings(rule, rows, kb, None, lambda t: t.strip(), {})
    where, severity_of = compile_where(rule.match.where), _severity_of(rule, None)
    matched = [r for r in rows if where(r)]
    causes = {(r.system, r.component, r.law) for r in matched}
    assert len(findings) == len(causes)
    for finding in findings:
        cause = (finding.subject["system"], finding.subject["component"], finding.subject["law"])
        own = [r for r in matched if (r.system, r.component, r.law) == cause]
        assert {a.id for a in finding.data_assets} == {r.data_asset for r in own}
        worst = max(SEVERITY_RANK[severity_of(r)] for r in own)
        assert SEVERITY_RANK[finding.severity] == worst
        for asset in finding.data_assets:
            assert SEVERITY_RANK[asset.severity] == max(
                SEVERITY_RANK[severity_of(r)] for r in own if r.data_asset == asset.id
            )
        paths = {tuple(h.node for h in r.evidence if h.kind != "data") for r in own}
        assert len(finding.evidence_paths) == len(paths)


# -- baselines ---------------------------------------------------------------------------


# Root causes the engine of the v1 baselines could not see (issue 17: a residency zone's
# every country counts): the Mistral EU endpoint may process in Switzerland, outside the
# hospital's EEA-only rule for health data, and the bank's Bedrock 'eu.' profile may
# route to London or Zurich, outside its EU-only rule. They are new, so no old baseline
# can accept them.
# Territorial reach through a residency zone's countries (issue 19): Switzerland (Mistral's
# EU endpoint, Bedrock 'eu.') and the United Kingdom (Bedrock 'eu.'), with the age of those
# laws' facts.
NEW_SINCE_V1 = {
    "hospital": {
        ("policy-residency-location", "guidelines-assistant"),
        ("sovereignty-below-minimum", "guidelines-assistant"),
        ("sovereignty-below-minimum", "mistral-ai"),
        ("foreign-law-exposure", "guidelines-assistant"),
        ("kb-fact-stale", "law ch-buepf-surveillance"),
    },
    "bank": {
        ("policy-residency-location", "advisor-assistant"),
        ("foreign-law-exposure", "advisor-assistant"),
        ("uk-ipa-exposure", "advisor-assistant"),
        ("kb-fact-stale", "law ch-buepf-surveillance"),
        ("kb-fact-stale", "law uk-investigatory-powers-act"),
        ("kb-fact-stale", "law uk-investigatory-powers-act trigger 2"),
        # DeepSeek's registered holders (a Ningbo partnership and its founder) replaced the
        # High-Flyer link in the knowledge base after v1; their facts date from 2025-02-18.
        ("kb-fact-stale", "entity ningbo-chengen"),
        ("kb-fact-stale", "entity liang-wenfeng"),
    },
}


def _new_since_v1(name: str, finding: Finding) -> bool:
    subject = (
        finding.subject.get("system")
        or finding.subject.get("subject")
        or finding.subject.get("fact")
    )
    return (finding.rule_id, subject) in NEW_SINCE_V1.get(name, set())


@pytest.mark.parametrize("name", ["hospital", "bank"])
def test_a_version_1_baseline_of_the_old_engine_still_accepts_every_finding(name: str) -> None:
    every = _audit(EXAMPLES / name, use_waivers=False).findings
    result = _audit(
        EXAMPLES / name, use_waivers=False, baseline_file=V1 / f"{name}-baseline-v1.json"
    )
    assert [f for f in result.findings if not _new_since_v1(name, f)] == []
    assert result.summary.in_baseline == len(every) - len(result.findings)


def _without_legacy(baseline: dict[str, object], drop: set[str]) -> dict[str, object]:
    findings = baseline["findings"]
    assert isinstance(findings, list)
    return {**baseline, "findings": [e for e in findings if e["fingerprint"] not in drop]}


def test_a_finding_with_an_asset_the_v1_baseline_lacks_is_reported_as_changed(
    tmp_path: Path,
) -> None:
    old = json.loads((V1 / "hospital-baseline-v1.json").read_text(encoding="utf-8"))
    # the old engine's finding for radiology reports under the CLOUD Act, as if it had not
    # existed when the baseline was written
    dropped = fingerprint(
        "us-cloud-act-exposure",
        {
            "data_asset": "radiology-reports",
            "system": "discharge-assistant",
            "component": "llm",
            "law": "us-cloud-act",
        },
    )
    assert dropped in {e["fingerprint"] for e in old["findings"]}
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(_without_legacy(old, {dropped})), encoding="utf-8")
    result = _audit(EXAMPLES / "hospital", use_waivers=False, baseline_file=path)
    changed = [f.rule_id for f in result.findings if not _new_since_v1("hospital", f)]
    assert changed == ["us-cloud-act-exposure"]
    notice = next(n for n in result.notices if "did not record" in n)
    assert notice.endswith("radiology-reports; it is reported as changed")


def test_a_new_baseline_is_version_2_with_the_data_assets(tmp_path: Path) -> None:
    target = tmp_path / "baseline.json"
    run = CliRunner().invoke(
        cli,
        [*HOSPITAL, "--fail-on", "never", "--write-baseline", str(target)],
    )
    assert run.exit_code == 0, run.output
    written = json.loads(target.read_text(encoding="utf-8"))
    assert written["baseline_version"] == "2"
    cloud = [e for e in written["findings"] if e["rule_id"] == "us-cloud-act-exposure"]
    assert [e["data_assets"] for e in cloud] == [
        ["clinical-notes", "discharge-drafts", "radiology-reports"]
    ]
    # the same inventory against it: nothing new
    again = CliRunner().invoke(
        cli,
        [*HOSPITAL, "--baseline", str(target), "--json", "-"],
    )
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["findings"] == []

    # an asset the baseline did not record: the finding comes back, with a notice
    for entry in cloud:
        entry["data_assets"].remove("discharge-drafts")
    target.write_text(json.dumps(written), encoding="utf-8")
    grown = CliRunner().invoke(
        cli,
        [*HOSPITAL, "--baseline", str(target), "--json", "-"],
    )
    assert grown.exit_code == 1, grown.output
    output = json.loads(grown.output)
    assert [f["rule_id"] for f in output["findings"]] == ["us-cloud-act-exposure"]
    assert any("did not record: discharge-drafts" in n for n in output["notices"])


# -- waivers -----------------------------------------------------------------------------


def _cloud_act(result: AuditResult) -> Finding:
    return next(f for f in result.findings if f.rule_id == "us-cloud-act-exposure")


def _waive(tmp_path: Path, *waivers: dict[str, object]) -> Path:
    base = {"reason": "accepted until the EU tenant is live", "approved_by": "CISO"}
    path = tmp_path / "waivers.yaml"
    path.write_text(
        yaml.safe_dump({"waivers": [{**base, "expires": "2027-06-30", **w} for w in waivers]}),
        encoding="utf-8",
    )
    return path


def test_waivers_by_old_fingerprint_waive_only_when_every_asset_is_named(tmp_path: Path) -> None:
    old = json.loads((V1 / "hospital-baseline-v1.json").read_text(encoding="utf-8"))
    fps = [e["fingerprint"] for e in old["findings"] if e["rule_id"] == "us-cloud-act-exposure"]
    assert len(fps) == 3  # one per data asset, as the old engine reported them
    every = _audit(
        EXAMPLES / "hospital", waivers_file=_waive(tmp_path, *({"fingerprint": f} for f in fps))
    )
    assert _cloud_act(every).waived
    assert not any("matches no finding" in n for n in every.notices)

    two = _audit(
        EXAMPLES / "hospital",
        waivers_file=_waive(tmp_path, *({"fingerprint": f[:12]} for f in fps[:2])),
    )
    finding = _cloud_act(two)
    assert not finding.waived and finding.waiver is None
    subject = {"system": "discharge-assistant", "component": "llm", "law": "us-cloud-act"}
    left_out = next(
        a.id
        for a in finding.data_assets
        if fingerprint("us-cloud-act-exposure", {**subject, "data_asset": a.id}) == fps[2]
    )
    notice = next(n for n in two.notices if "affects data no waiver accepts" in n)
    assert f"no waiver accepts: {left_out} " in notice


def test_a_waiver_names_the_data_assets_it_accepts(tmp_path: Path) -> None:
    subject = {"system": "discharge-assistant", "component": "llm", "law": "us-cloud-act"}
    rule = {"rule": "us-cloud-act-exposure", "subject": subject}
    all_assets = _audit(EXAMPLES / "hospital", waivers_file=_waive(tmp_path, rule))
    assert _cloud_act(all_assets).waived  # default: every asset

    some = _audit(
        EXAMPLES / "hospital",
        waivers_file=_waive(
            tmp_path, {**rule, "data_assets": ["clinical-notes", "discharge-drafts"]}
        ),
    )
    assert not _cloud_act(some).waived
    notice = next(n for n in some.notices if "no waiver accepts" in n)
    assert "affects data no waiver accepts: radiology-reports " in notice

    listed = _audit(
        EXAMPLES / "hospital",
        waivers_file=_waive(
            tmp_path,
            {**rule, "data_assets": ["clinical-notes", "discharge-drafts", "radiology-reports"]},
        ),
    )
    assert _cloud_act(listed).waived


def test_old_waivers_by_subject_with_a_data_asset_combine(tmp_path: Path) -> None:
    subject = {"system": "discharge-assistant", "component": "llm", "law": "us-cloud-act"}
    per_asset = [
        {"rule": "us-cloud-act-exposure", "subject": {**subject, "data_asset": a}}
        for a in ("clinical-notes", "discharge-drafts", "radiology-reports")
    ]
    assert _cloud_act(
        _audit(EXAMPLES / "hospital", waivers_file=_waive(tmp_path, *per_asset))
    ).waived
    partial = _audit(EXAMPLES / "hospital", waivers_file=_waive(tmp_path, *per_asset[1:]))
    assert not _cloud_act(partial).waived
    assert any("no waiver accepts: clinical-notes " in n for n in partial.notices)


def test_explain_finds_a_finding_by_its_fingerprint_from_before_the_grouping() -> None:
    old = json.loads((V1 / "hospital-baseline-v1.json").read_text(encoding="utf-8"))
    fps = [e["fingerprint"] for e in old["findings"] if e["rule_id"] == "us-cloud-act-exposure"]
    run = CliRunner().invoke(
        cli, ["explain", fps[0][:12], str(EXAMPLES / "hospital"), "--today", TODAY.isoformat()]
    )
    assert run.exit_code == 0, run.output
    assert (
        'US CLOUD Act can compel disclosure of data at the Azure OpenAI deployment "kn-discharge-'
        'gpt41" of Entlass-Assistent (discharge letter drafting)'
    ) in run.output
    assert "Data affected:" in run.output and "radiology-reports" in run.output
    assert f"({fps[0][:12]} is the earlier fingerprint of this finding for " in run.output


def test_explain_names_the_data_each_evidence_path_carries() -> None:
    # Words before codes: a finding with several paths says which data each one carries by
    # the names the inventory gives, as the HTML report does.
    result = _audit(EXAMPLES / "hospital")
    finding = next(f for f in result.findings if len(f.evidence_paths) > 1)
    run = CliRunner().invoke(
        cli,
        ["explain", finding.fingerprint, str(EXAMPLES / "hospital"), "--today", TODAY.isoformat()],
    )
    assert run.exit_code == 0, run.output
    names = {a.id: a.name for a in finding.data_assets}
    for number, path in enumerate(finding.evidence_paths, start=1):
        carried = ", ".join(names[d] for d in path.data_assets)
        line = f"path {number} of {len(finding.evidence_paths)}, carrying {carried}:"
        assert line in run.output
    assert not any(f"carrying {d}" in run.output for d in names if d != names[d])


# -- an entity's evidence gap is the entity's (issue 17) ------------------------------------


def test_an_entity_of_unknown_owner_is_one_finding_naming_every_component(tmp_path: Path) -> None:
    # Numeria Services SAS hosts or supports five components of two ministry systems; its
    # owners are the one fact to establish, so the audit reports it once, in every format.
    out, sarif, junit = tmp_path / "r.json", tmp_path / "r.sarif", tmp_path / "r.xml"
    args = ["audit", str(EXAMPLES / "ministry"), "--no-config", "--fail-on", "never", "--quiet"]
    args += ["--today", TODAY.isoformat(), "--json", str(out), "--sarif", str(sarif)]
    run = CliRunner().invoke(cli, [*args, "--junit", str(junit)])
    assert run.exit_code == 0, run.output
    findings = json.loads(out.read_text(encoding="utf-8"))["findings"]
    [gap] = [f for f in findings if f["rule_id"] == "evidence-gap-ownership"]
    assert gap["subject"] == {"kind": "unknown_owner", "entity": "numeria-services-sas"}
    assert gap["title"] == "Who controls Numeria Services SAS is unknown"
    assert gap["location_file"].endswith("entities.yaml")
    components = [
        "the Drafting service (retrieval of the letter, prompt assembly)",
        "the Citizen-relations application (GRU) and database",
        "the Mistral Small 3.1 on vLLM (GPU VMs, SecNumCloud tenant)",
        "the Clustering and synthesis batch job",
        "the Llama 3.3 70B Instruct on vLLM (GPU VM)",
    ]
    assert all(c in gap["condition"] for c in components)
    assert "Synthèse des consultations publiques" in gap["condition"]
    assert "paths; the most severe is shown" not in gap["condition"]
    # the data of both systems, not only that of the most severe component
    assert {a["id"] for a in gap["data_assets"]} >= {"courriers-usagers", "syntheses-consultation"}
    [result] = [
        r
        for r in json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]
        if r["ruleId"] == "evidence-gap-ownership"
    ]
    related = [loc["message"]["text"] for loc in result["relatedLocations"]]
    assert related[0] == "gap: Ownership of Numeria Services SAS unknown"
    assert sum(text.startswith("component: ") for text in related) == len(components)
    assert result["partialFingerprints"]["residencyAuditorFingerprint/v1"] == gap["fingerprint"]
    assert junit.read_text(encoding="utf-8").count('classname="evidence-gap-ownership"') == 1


def test_the_ownership_finding_id_does_not_depend_on_which_components_use_the_entity() -> None:
    # A stable id: the fingerprint is the rule, the kind of gap and the entity, so a waiver
    # or baseline keeps matching when a component starts or stops relying on the entity.
    [gap] = [
        f
        for f in _audit(EXAMPLES / "ministry", use_waivers=False).findings
        if f.rule_id == "evidence-gap-ownership"
    ]
    assert gap.fingerprint == fingerprint(
        "evidence-gap-ownership", {"kind": "unknown_owner", "entity": "numeria-services-sas"}
    )


# -- a check's earlier subject (``formerly``) -----------------------------------------------

# Written by the engine of 4b9ad89 (before ownership gaps were one finding per entity) with
# `auditor audit examples/ministry --write-baseline`: one evidence-gap-ownership finding per
# component, and the unknown-operator case under that rule id too.
BEFORE_ENTITY_GROUPING = (
    Path(__file__).parent / "data" / "v2" / "ministry-baseline-before-entity-grouping.json"
)
_GAPS = ("evidence-gap-ownership", "evidence-gap-operator")


def test_a_baseline_from_before_ownership_gaps_were_grouped_still_knows_them() -> None:
    every = _audit(EXAMPLES / "ministry", use_waivers=False).findings
    numeria = [
        f
        for f in every
        if f.rule_id == "evidence-gap-ownership" and f.subject["entity"] == "numeria-services-sas"
    ]
    assert len(numeria) == 1 and len(numeria[0].data_assets) > 1  # one finding, several assets
    old = json.loads(BEFORE_ENTITY_GROUPING.read_text(encoding="utf-8"))
    per_component = [e for e in old["findings"] if e["rule_id"] == "evidence-gap-ownership"]
    assert len(per_component) == 5  # the old engine: one per component Numeria serves
    assert numeria[0].fingerprint not in {e["fingerprint"] for e in old["findings"]}

    result = _audit(EXAMPLES / "ministry", use_waivers=False, baseline_file=BEFORE_ENTITY_GROUPING)
    assert [f.rule_id for f in result.findings if f.rule_id in _GAPS] == []
    assert not any("did not record" in n and any(g in n for g in _GAPS) for n in result.notices)


def test_a_baseline_that_knew_the_gap_for_some_components_reports_the_others_data(
    tmp_path: Path,
) -> None:
    # Each old finding stood for the data reaching its component. A baseline that holds only
    # the clustering job's knows the gap for that job's data: the grouped finding comes back
    # as changed, naming the data it did not record; with none of them it is new.
    old = json.loads(BEFORE_ENTITY_GROUPING.read_text(encoding="utf-8"))
    per_component = [e for e in old["findings"] if e["rule_id"] == "evidence-gap-ownership"]
    [kept] = [e["fingerprint"] for e in per_component if "Clustering" in e["title"]]
    dropped = {e["fingerprint"] for e in per_component} - {kept}
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(_without_legacy(old, dropped)), encoding="utf-8")
    result = _audit(EXAMPLES / "ministry", use_waivers=False, baseline_file=path)
    assert [f.subject["entity"] for f in result.findings if f.rule_id == _GAPS[0]] == [
        "numeria-services-sas"
    ]
    notice = next(n for n in result.notices if n.startswith("evidence-gap-ownership"))
    assert notice.endswith(
        "did not record: courriers-usagers, projets-reponses, journaux-techniques; "
        "it is reported as changed"
    ), notice

    path.write_text(json.dumps(_without_legacy(old, dropped | {kept})), encoding="utf-8")
    result = _audit(EXAMPLES / "ministry", use_waivers=False, baseline_file=path)
    assert "evidence-gap-ownership" in {f.rule_id for f in result.findings}
    assert not any(n.startswith("evidence-gap-ownership") for n in result.notices)


def test_waivers_by_the_old_per_component_fingerprints_waive_the_grouped_finding(
    tmp_path: Path,
) -> None:
    old = json.loads(BEFORE_ENTITY_GROUPING.read_text(encoding="utf-8"))
    fps = [e["fingerprint"] for e in old["findings"] if e["rule_id"] == "evidence-gap-ownership"]
    result = _audit(
        EXAMPLES / "ministry", waivers_file=_waive(tmp_path, *({"fingerprint": f} for f in fps))
    )
    grouped = [f for f in result.findings if f.rule_id == "evidence-gap-ownership"]
    assert grouped and all(f.waived for f in grouped)
    assert not any("matches no finding" in n for n in result.notices)


def test_an_unknown_operator_found_under_its_old_rule_id_is_known(tmp_path: Path) -> None:
    # The unknown-operator case was an evidence-gap-ownership finding until it became the check
    # evidence-gap-operator (same subject): a baseline with the old rule id still knows it.
    case = Path(__file__).parent / "rules" / "cases" / "evidence-gap-operator" / "inventory.yaml"
    every = _audit(case, use_waivers=False).findings
    operator = [f for f in every if f.rule_id == "evidence-gap-operator"]
    assert operator
    entries = [
        {
            "fingerprint": fingerprint("evidence-gap-ownership", f.subject),
            "rule_id": "evidence-gap-ownership",
            "title": f.title,
        }
        for f in operator
    ]
    path = tmp_path / "baseline.json"
    path.write_text(
        json.dumps({"baseline_version": "2", "tool": "residency-auditor", "findings": entries}),
        encoding="utf-8",
    )
    result = _audit(case, use_waivers=False, baseline_file=path)
    assert [f for f in result.findings if f.rule_id == "evidence-gap-operator"] == []
    assert result.summary.in_baseline == len(operator)


_NUMERIA_COMPONENTS = [
    ("courrier-assistant", "gru"),
    ("courrier-assistant", "app"),
    ("courrier-assistant", "llm"),
    ("synthese-consultations", "batch"),
    ("synthese-consultations", "llm"),
]


def test_subject_waivers_of_the_old_per_component_findings_waive_the_grouped_finding(
    tmp_path: Path,
) -> None:
    # A waiver written as rule + subject for each component's old ownership finding is the same
    # as a waiver of the fingerprint it named then: together they accept every asset.
    def subject(system: str, component: str) -> dict[str, str]:
        return {
            "kind": "unknown_owner",
            "system": system,
            "component": component,
            "entity": "numeria-services-sas",
        }

    def waiver(system: str, component: str) -> dict[str, object]:
        return {"rule": "evidence-gap-ownership", "subject": subject(system, component)}

    old = json.loads(BEFORE_ENTITY_GROUPING.read_text(encoding="utf-8"))
    old_fps = {e["fingerprint"] for e in old["findings"]}
    assert all(
        fingerprint("evidence-gap-ownership", subject(*c)) in old_fps for c in _NUMERIA_COMPONENTS
    )
    every = _audit(
        EXAMPLES / "ministry",
        waivers_file=_waive(tmp_path, *(waiver(*c) for c in _NUMERIA_COMPONENTS)),
    )
    [grouped] = [f for f in every.findings if f.rule_id == "evidence-gap-ownership"]
    assert grouped.waived
    assert not any("matches no finding" in n for n in every.notices)

    # one component's waiver left out: its data is not accepted, and the finding is reported
    some = _audit(
        EXAMPLES / "ministry",
        waivers_file=_waive(tmp_path, *(waiver(*c) for c in _NUMERIA_COMPONENTS[:3])),
    )
    [grouped] = [f for f in some.findings if f.rule_id == "evidence-gap-ownership"]
    assert not grouped.waived
    assert any("affects data no waiver accepts" in n for n in some.notices)
