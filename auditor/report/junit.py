"""JUnit XML: one test suite per rule, one test case per rule and subject.

A finding that fails the build (at or above --fail-on, or a hard-fail rule)
is a <failure>; other findings are passing cases with their text as output;
waived findings are <skipped> with the waiver's reason. A rule with no
finding is one passing case, so CI dashboards show what was checked.

The XML is written as it is produced (:func:`junit_chunks`), a few thousand
test cases at a time, and the CLI writes each piece as it comes. It used to be
built as an ElementTree and serialised to one string: at 10,000 systems
(250,000 findings) that took 10.6 s in the benchmark and held a 427 MB string
on top of a tree of half a million elements (peak memory grew by 0.8-1.1 GB),
and at 100,000 systems it would have needed several GB. Streamed, the same
estate renders in about 5 s (8.4 s for the tree on the same quiet machine) and
at most a few tens of MB are held while it runs.

The bytes are the same as the ElementTree output, indentation (``ET.indent``)
and escaping included (tests/report/test_junit_stream.py compares them with the
former renderer): the counts ElementTree set on each suite and on the root after
their children were added are counted in a first pass, before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field

from auditor.model.findings import AuditResult, Finding, affected_data_text
from auditor.model.words import plain

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Test cases per chunk: each chunk is a few hundred kB to a few MB of XML.
_BATCH = 2_000

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'

# ET.indent: two spaces per level, each element on its own line. A test case's
# child is on level 3; its text is written as it is, newlines included.
_SUITE = "  "
_CASE = "    "
_CHILD = "      "


def _x(text: str) -> str:
    """Text XML 1.0 can carry: control characters become visible escapes."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _case_name(finding: Finding) -> str:
    return _x(" ".join(f"{k}={v}" for k, v in sorted(finding.subject.items())))


def _text(finding: Finding) -> str:
    lines = [finding.condition, f"Cause: {finding.cause}", f"Effect: {finding.effect}"]
    if finding.data_assets:
        lines.append(f"Data: {affected_data_text(finding.data_assets)}")
    paths = len(finding.evidence_paths)
    lines.append(f"Evidence (the most severe of {paths} paths):" if paths > 1 else "Evidence:")
    lines += [
        f"  {h.kind}: {h.shown}" + (f" [{h.file}:{h.line}]" if h.file else "")
        for h in finding.evidence
    ]
    lines.append(f"Remediation: {finding.remediation}")
    lines.append(f"Fingerprint: {finding.fingerprint}")
    return plain("\n".join(lines))  # read in the test widget: the engine's codes in words


# ------------------------------------------------------------------ escaping as ElementTree does


# What ElementTree replaces (CPython 3.11 ``_escape_cdata`` and ``_escape_attrib``), in its
# order: "&" first, so that no entity is escaped twice.
_TEXT_ENTITIES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"))
# In attributes also the double quote, and CR, LF and tab as character references (a parser
# would otherwise normalise them to spaces). The tab is "&#09;", with a leading zero.
_ATTR_ENTITIES = (
    *_TEXT_ENTITIES,
    ('"', "&quot;"),
    ("\r", "&#13;"),
    ("\n", "&#10;"),
    ("\t", "&#09;"),
)


def _replace_all(text: str, entities: tuple[tuple[str, str], ...]) -> str:
    for char, entity in entities:
        if char in text:
            text = text.replace(char, entity)
    return text


def _escape_text(text: str) -> str:
    """Element text as ElementTree writes it: only & < > are replaced."""
    return _replace_all(text, _TEXT_ENTITIES)


def _escape_attr(value: str) -> str:
    """An attribute value as ElementTree writes it (see ``_ATTR_ENTITIES``)."""
    return _replace_all(value, _ATTR_ENTITIES)


def _leaf(tag: str, attrs: str, text: str) -> str:
    """A test case's child on its own line, its text as it is (ET.indent changes only the
    text of elements that have children). The text is never empty here: ET would have
    self-closed an element without text."""
    return f"{_CHILD}<{tag}{attrs}>{_escape_text(text)}</{tag}>\n"


# ------------------------------------------------------------------ first pass: the counts


@dataclass
class _Suite:
    """One rule's test suite: its findings (in result order) and the counts in its attributes."""

    rule_id: str
    findings: list[Finding] = field(default_factory=list)
    failures: int = 0
    skipped: int = 0

    @property
    def tests(self) -> int:
        return max(1, len(self.findings))  # a rule without findings is one passing case


def _is_skipped(finding: Finding) -> bool:
    return finding.waived and finding.waiver is not None


def _suites(result: AuditResult, failing: Collection[str]) -> list[_Suite]:
    """A suite per rule in rule id order, counted. A finding of a rule the result does
    not list is in no suite; a rule listed twice has two suites (both as before)."""
    by_rule: dict[str, _Suite] = {}
    for finding in result.findings:
        suite = by_rule.get(finding.rule_id)
        if suite is None:
            suite = by_rule[finding.rule_id] = _Suite(finding.rule_id)
        suite.findings.append(finding)
        if _is_skipped(finding):
            suite.skipped += 1
        elif finding.fingerprint in failing:
            suite.failures += 1
    rules = sorted(result.rules, key=lambda rule: rule.id)
    return [by_rule.get(rule.id) or _Suite(rule.id) for rule in rules]


# ------------------------------------------------------------------ second pass: the text


def _case(rule_attr: str, name: str, finding: Finding, failing: Collection[str]) -> str:
    """One finding's test case: a <testcase> holding one <skipped>, <failure> or <system-out>."""
    parts = [f'{_CASE}<testcase classname="{rule_attr}" name="{_escape_attr(name)}">\n']
    waiver = finding.waiver
    if finding.waived and waiver is not None:  # the same test as _is_skipped
        message = _escape_attr(f"waived until {waiver.expires}")
        text = _x(f"{waiver.reason} (approved by {waiver.approved_by})")
        parts.append(_leaf("skipped", f' message="{message}"', text))
    elif finding.fingerprint in failing:
        severity = finding.severity.value
        message = _escape_attr(_x(f"[{severity}] {finding.title}"))
        attrs = f' message="{message}" type="{_escape_attr(severity)}"'
        parts.append(_leaf("failure", attrs, _x(_text(finding))))
    else:
        text = _x(f"[{finding.severity.value}, below the failure threshold] " + _text(finding))
        parts.append(_leaf("system-out", "", text))
    parts.append(f"{_CASE}</testcase>\n")
    return "".join(parts)


def _ordered(findings: list[Finding]) -> list[tuple[str, Finding]]:
    """The suite's findings with their case names, by case name then fingerprint
    (a stable sort, as before: equal keys keep the result's order)."""
    named = [(_case_name(f), f) for f in findings]
    named.sort(key=lambda pair: (pair[0], pair[1].fingerprint))
    return named


def _cases(suite: _Suite, failing: Collection[str]) -> Iterator[str]:
    """The suite's test cases, one string each."""
    rule_attr = _escape_attr(suite.rule_id)
    if not suite.findings:  # a child-less element: self-closed, as ET writes it
        yield f'{_CASE}<testcase classname="{rule_attr}" name="no finding" />\n'
    for name, finding in _ordered(suite.findings):
        yield _case(rule_attr, name, finding, failing)


def _suite_head(suite: _Suite) -> str:
    # Attribute order as ET kept it: the name at creation, the counts set afterwards.
    return (
        f'{_SUITE}<testsuite name="{_escape_attr(suite.rule_id)}" tests="{suite.tests}"'
        f' failures="{suite.failures}" errors="0" skipped="{suite.skipped}">\n'
    )


def junit_chunks(
    result: AuditResult, failing: Collection[str], *, batch: int = _BATCH
) -> Iterator[bytes]:
    """The UTF-8 bytes of the JUnit XML, ``batch`` test cases per chunk (the last one has
    the rest).

    ``failing`` holds the fingerprints of findings that fail the build. Besides the
    findings grouped by rule, only the current chunk's text is held, so the output can be
    written as it comes.
    """
    suites = _suites(result, failing)
    root = (
        f'<testsuites name="residency-auditor" tests="{sum(s.tests for s in suites)}"'
        f' failures="{sum(s.failures for s in suites)}" errors="0"'
        f' skipped="{sum(s.skipped for s in suites)}"'
    )
    if not suites:  # ET.indent leaves a child-less root alone: it is self-closed
        yield f"{_DECLARATION}{root} />\n".encode()
        return
    parts = [_DECLARATION, root, ">\n"]
    cases = 0
    for suite in suites:
        parts.append(_suite_head(suite))
        for case in _cases(suite, failing):
            parts.append(case)
            cases += 1
            if cases == batch:
                yield "".join(parts).encode("utf-8")
                parts = []
                cases = 0
        parts.append(f"{_SUITE}</testsuite>\n")
    parts.append("</testsuites>\n")
    yield "".join(parts).encode("utf-8")
