"""The streamed JUnit writer gives the same bytes as the ElementTree renderer it replaced.

``_former_render_junit`` below is the ElementTree implementation of
the JUnit renderer as it was before the writer streamed (``junit_chunks``), kept
unchanged as the oracle: every test compares the streamed bytes with it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Collection
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.audit import AuditOptions, failing_findings, run_audit
from auditor.cli import main
from auditor.model.findings import AuditResult, Finding, Hop, Waiver
from auditor.model.policy import Severity
from auditor.report.junit import _case_name, _text, _x, junit_chunks
from tests.conftest import EXAMPLES, TODAY

# ---------------------------------------------------------------- the oracle


def _former_render_junit(result: AuditResult, failing: Collection[str]) -> str:
    """The former ElementTree renderer (before streaming), kept verbatim as the oracle."""
    suites = ET.Element("testsuites", name="residency-auditor")
    by_rule: dict[str, list[Finding]] = {}
    for finding in result.findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    total = failures = skipped = 0
    for rule in sorted(result.rules, key=lambda r: r.id):
        findings = sorted(by_rule.get(rule.id, []), key=lambda f: (_case_name(f), f.fingerprint))
        suite = ET.SubElement(suites, "testsuite", name=rule.id)
        suite_failures = suite_skipped = 0
        if not findings:
            ET.SubElement(suite, "testcase", classname=rule.id, name="no finding")
        for finding in findings:
            case = ET.SubElement(suite, "testcase", classname=rule.id, name=_case_name(finding))
            if finding.waived and finding.waiver is not None:
                skip = ET.SubElement(
                    case, "skipped", message=f"waived until {finding.waiver.expires}"
                )
                skip.text = _x(
                    f"{finding.waiver.reason} (approved by {finding.waiver.approved_by})"
                )
                suite_skipped += 1
            elif finding.fingerprint in failing:
                failure = ET.SubElement(
                    case,
                    "failure",
                    message=_x(f"[{finding.severity.value}] {finding.title}"),
                    type=finding.severity.value,
                )
                failure.text = _x(_text(finding))
                suite_failures += 1
            else:
                out = ET.SubElement(case, "system-out")
                out.text = _x(
                    f"[{finding.severity.value}, below the failure threshold] " + _text(finding)
                )
        cases = max(1, len(findings))
        suite.set("tests", str(cases))
        suite.set("failures", str(suite_failures))
        suite.set("errors", "0")
        suite.set("skipped", str(suite_skipped))
        total += cases
        failures += suite_failures
        skipped += suite_skipped
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    suites.set("errors", "0")
    suites.set("skipped", str(skipped))
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


# ---------------------------------------------------------------- inputs


def _inventories() -> list[str]:
    """The examples that are inventories (``procurement`` holds comparison options only)."""
    return [
        folder.name
        for folder in sorted(EXAMPLES.iterdir())
        if any("\norganisation:" in "\n" + p.read_text() for p in folder.rglob("*.yaml"))
    ]


@cache
def _audit(name: str) -> AuditResult:
    return run_audit([EXAMPLES / name], AuditOptions(today=TODAY))


def _waive(finding: Finding, n: int) -> Finding:
    """A waived copy of ``finding`` (every fourth one with an expired waiver, which does not
    waive), with markup and line breaks in the waiver's text."""
    expired = n % 4 == 3
    waiver = Waiver(
        reason=f'Risk <R-{n}> & "accepted"\nuntil\tmigration\r\n',
        approved_by=f"Dr. Jana O'Weber <dpo@example.eu> #{n}",
        expires="2020-01-01" if expired else f"2027-06-{n % 28 + 1:02d}",
        expired=expired,
        ticket=f"RISK-{n}",
        source="waivers.yaml:1",
    )
    return finding.model_copy(update={"waived": not expired, "waiver": waiver})


def _with_waivers(result: AuditResult) -> AuditResult:
    """Every third finding waived; one finding marked waived without a waiver (a passing case)."""
    findings = [_waive(f, n) if n % 3 == 0 else f for n, f in enumerate(result.findings)]
    if len(findings) > 1:
        findings[1] = findings[1].model_copy(update={"waived": True, "waiver": None})
    return result.model_copy(update={"findings": findings})


# Which severities fail the build, for each ``failing`` set the tests use.
_FAILING_SEVERITIES = {
    "none": set(),
    "all": set(Severity),
    "high": {Severity.HIGH, Severity.CRITICAL},
    "medium": {Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL},
}


def _failing(result: AuditResult, which: str) -> set[str]:
    severities = _FAILING_SEVERITIES[which]
    return {f.fingerprint for f in result.findings if f.severity in severities}


def _streamed(result: AuditResult, failing: Collection[str], batch: int = 2_000) -> bytes:
    return b"".join(junit_chunks(result, failing, batch=batch))


# ---------------------------------------------------------------- the examples


def test_every_inventory_example_is_compared() -> None:
    assert {"hospital", "bank", "ministry", "startup-saas"} <= set(_inventories())


@pytest.mark.parametrize("waived", [False, True], ids=["plain", "waived"])
@pytest.mark.parametrize("which", ["none", "all", "high", "medium"])
@pytest.mark.parametrize("name", _inventories())
def test_examples_stream_the_bytes_of_the_elementtree_renderer(
    name: str, which: str, waived: bool
) -> None:
    result = _audit(name)
    if waived:
        result = _with_waivers(result)
        assert any(f.waived for f in result.findings)
    failing = _failing(result, which)
    expected = _former_render_junit(result, failing).encode("utf-8")
    assert _streamed(result, failing) == expected
    assert _streamed(result, failing, batch=5) == expected


def test_a_result_without_rules_is_a_self_closed_root() -> None:
    result = _audit("hospital").model_copy(update={"rules": []})
    expected = _former_render_junit(result, ()).encode("utf-8")
    assert _streamed(result, ()) == expected
    assert expected.endswith(b'skipped="0" />\n')


def test_odd_rule_lists_are_rendered_as_before() -> None:
    """A rule listed twice, a rule without findings, a finding of an unlisted rule."""
    result = _audit("startup-saas")
    rules = [*result.rules, result.rules[0]]
    rules.append(rules[0].model_copy(update={"id": "zz-never-found"}))
    findings = [*result.findings, result.findings[0].model_copy(update={"rule_id": "unlisted"})]
    odd = result.model_copy(update={"rules": rules, "findings": findings})
    failing = _failing(odd, "high")
    assert _streamed(odd, failing) == _former_render_junit(odd, failing).encode("utf-8")


# ---------------------------------------------------------------- any text


# Characters XML, ElementTree's escaping and ``_x`` treat specially, mixed with any
# character (surrogates excluded: they cannot be encoded as UTF-8 at all).
_SPECIAL = [
    *"&<>\"'\n\r\t\x00\x01\x08\x0b\x0c\x1b\x1f\x7f\x85\u2028\ufffe\uffff",
    "\r\n",
    "]]>",
    "&amp;",
    "&#09;",
    "<!--",
    "<![CDATA[",
]
_ANY = st.characters(exclude_categories=["Cs"])
TEXT = st.lists(st.one_of(_ANY, st.sampled_from(_SPECIAL)), max_size=12).map("".join)
# Rule ids and waiver expiry dates reach attributes without ``_x`` (in the former renderer
# too): text XML can carry, with the escaping-sensitive characters still in.
_XML_CHAR = _ANY.filter(lambda c: c in "\t\n\r" or (c >= " " and c not in "\ufffe\uffff"))
XML_TEXT = st.lists(
    st.one_of(_XML_CHAR, st.sampled_from(["&", "<", ">", '"', "'", "\n", "\r", "\t", "]]>"])),
    max_size=8,
).map("".join)


@st.composite
def _findings(draw: st.DrawFn, rule_ids: list[str], base: Finding) -> Finding:
    rule_id = draw(st.sampled_from([*rule_ids, "not-a-listed-rule"]))
    hop = st.builds(
        Hop,
        node=TEXT,
        kind=TEXT,
        file=st.none() | TEXT,
        line=st.none() | st.integers(min_value=0, max_value=10**6),
    )
    update: dict[str, object] = {
        "rule_id": rule_id,
        "severity": draw(st.sampled_from(list(Severity))),
        "title": draw(TEXT),
        "fingerprint": draw(st.sampled_from(["fp-a", "fp-b"]) | TEXT),
        "subject": draw(st.dictionaries(TEXT, TEXT, max_size=3)),
        "condition": draw(TEXT),
        "cause": draw(TEXT),
        "effect": draw(TEXT),
        "remediation": draw(TEXT),
        "evidence": draw(st.lists(hop, max_size=3)),
        "waived": draw(st.booleans()),
        "waiver": None,
    }
    if draw(st.booleans()):
        update["waiver"] = Waiver(
            reason=draw(TEXT),
            approved_by=draw(TEXT),
            expires=draw(XML_TEXT),
            expired=False,
            source="waivers.yaml:1",
        )
    return base.model_copy(update=update)


@st.composite
def _results(draw: st.DrawFn) -> tuple[AuditResult, set[str]]:
    base = _audit("startup-saas")
    rule_ids = draw(st.lists(XML_TEXT, min_size=0, max_size=4))
    rules = [base.rules[0].model_copy(update={"id": rule_id}) for rule_id in rule_ids]
    findings = draw(st.lists(_findings(rule_ids, base.findings[0]), max_size=12))
    failing = {f.fingerprint for f in findings if draw(st.booleans())}
    return base.model_copy(update={"rules": rules, "findings": findings}), failing


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(case=_results(), batch=st.integers(min_value=1, max_value=4))
def test_any_text_streams_the_same_bytes_and_parses(
    case: tuple[AuditResult, set[str]], batch: int
) -> None:
    result, failing = case
    expected = _former_render_junit(result, failing).encode("utf-8")
    streamed = _streamed(result, failing, batch=batch)
    assert streamed == expected
    root = ET.fromstring(streamed)
    assert root.tag == "testsuites"
    assert int(root.get("tests", "-1")) == len(root.findall("testsuite/testcase"))


# ---------------------------------------------------------------- chunks


def test_a_large_result_comes_in_chunks_of_batch_test_cases() -> None:
    result = _with_waivers(_audit("bank"))
    failing = _failing(result, "high")
    batch = 7
    chunks = list(junit_chunks(result, failing, batch=batch))
    cases = sum(chunk.count(b"<testcase ") for chunk in chunks)
    assert cases > 3 * batch
    assert len(chunks) == cases // batch + 1
    assert all(chunk.count(b"<testcase ") == batch for chunk in chunks[:-1])
    assert b"".join(chunks) == _streamed(result, failing)
    # the default batch is a few thousand cases: the bank example is one chunk
    assert len(list(junit_chunks(result, failing))) == 1


def test_chunks_are_produced_lazily() -> None:
    """Nothing is rendered before the first chunk is asked for, and one chunk at a time."""
    result = _audit("bank")
    chunks = junit_chunks(result, set(), batch=10)
    first = next(chunks)
    assert first.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')
    assert not first.endswith(b"</testsuites>\n")
    assert first.count(b"<testcase ") == 10


def test_the_cli_writes_the_streamed_bytes(tmp_path: Path) -> None:
    out = tmp_path / "r.xml"
    args = ["audit", str(EXAMPLES / "bank"), "--junit", str(out), "--today", TODAY.isoformat()]
    with pytest.raises(SystemExit):
        main([*args, "--quiet"])
    result = _audit("bank")
    failing = {f.fingerprint for f in failing_findings(result, "high")}
    assert out.read_bytes() == _former_render_junit(result, failing).encode("utf-8")
