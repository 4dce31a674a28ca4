"""JUnit XML: one test suite per rule, one test case per rule and subject.

A finding that fails the build (at or above --fail-on, or a hard-fail rule)
is a <failure>; other findings are passing cases with their text as output;
waived findings are <skipped> with the waiver's reason. A rule with no
finding is one passing case, so CI dashboards show what was checked.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Collection

from auditor.model.findings import AuditResult, Finding

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _x(text: str) -> str:
    """Text XML 1.0 can carry: control characters become visible escapes."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _case_name(finding: Finding) -> str:
    return _x(" ".join(f"{k}={v}" for k, v in sorted(finding.subject.items())))


def _text(finding: Finding) -> str:
    lines = [finding.condition, f"Cause: {finding.cause}", f"Effect: {finding.effect}", "Evidence:"]
    lines += [
        f"  {h.kind}: {h.node}" + (f" [{h.file}:{h.line}]" if h.file else "")
        for h in finding.evidence
    ]
    lines.append(f"Remediation: {finding.remediation}")
    lines.append(f"Fingerprint: {finding.fingerprint}")
    return "\n".join(lines)


def render_junit(result: AuditResult, failing: Collection[str]) -> str:
    """JUnit XML text; ``failing`` holds the fingerprints of findings that fail the build."""
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
