"""Match checks over the exposure result and turn matches into findings."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import assert_never

from auditor.exposure import ExposureResult, Gap, ResidencyBreach, hop
from auditor.kb.index import KnowledgeIndex
from auditor.model.findings import (
    Exposure,
    Finding,
    Hop,
    ObjectiveScore,
    Scorecard,
    Transfer,
    make_finding,
    make_hop,
)
from auditor.model.inventory import Inventory
from auditor.model.policy import SEVERITY_RANK, Policy, Severity
from auditor.rules.schema import Condition, Op, Over, RuleSpec, Scalar, fill

Row = dict[str, object]


def fingerprint(rule_id: str, subject: dict[str, str]) -> str:
    """Stable id of a finding: rule and subject ids (including the law), never line numbers.

    The SHA-256 of ``rule_id|key=value|...`` over the subject's keys in sorted order, cut to
    32 hex digits (baselines and waivers store it).
    """
    return fingerprinter(rule_id, list(subject))(list(subject.values()))


def fingerprinter(rule_id: str, names: Sequence[str]) -> Callable[[Sequence[str]], str]:
    """``fingerprint(rule_id, dict(zip(names, values)))`` as a function of the values, with
    the sorting done once per rule rather than once per finding."""
    last = {name: i for i, name in enumerate(names)}  # a repeated name keeps its last value
    order = sorted(last.items())
    labels = [(name + "=", i) for name, i in order]
    prefix = rule_id + "|"

    def of(values: Sequence[str]) -> str:
        text = prefix + "|".join([label + values[i] for label, i in labels])
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]

    return of


def _compare(op: Op, actual: object, expected: Scalar | list[Scalar] | None) -> bool:
    if op is Op.EQ:
        return actual == expected
    if op is Op.NE:
        return actual != expected
    if op is Op.IN:
        return isinstance(expected, list) and actual in expected
    if op is Op.NOT_IN:
        return isinstance(expected, list) and actual not in expected
    if op is Op.CONTAINS:
        return isinstance(actual, str | list | tuple) and expected in actual
    if op in (Op.GT, Op.GTE, Op.LT, Op.LTE):
        if (
            not isinstance(actual, int | float)
            or not isinstance(expected, int | float)
            or isinstance(expected, bool)
        ):
            return False
        if op is Op.GT:
            return actual > expected
        if op is Op.GTE:
            return actual >= expected
        if op is Op.LT:
            return actual < expected
        return actual <= expected
    if op is Op.IS_TRUE:
        return actual is True
    if op is Op.IS_FALSE:
        return actual is False
    if op is Op.NOT_EMPTY:
        return bool(actual)
    assert_never(op)


Predicate = Callable[[Row], bool]


def _predicate(condition: Condition) -> Predicate:
    """One condition as a function of the row, with the common operators inlined."""
    name, op, expected = condition.field, condition.op, condition.value
    if op is Op.EQ:
        return lambda row: row.get(name) == expected
    if op is Op.NE:
        return lambda row: row.get(name) != expected
    if op is Op.IS_TRUE:
        return lambda row: row.get(name) is True
    if op is Op.IS_FALSE:
        return lambda row: row.get(name) is False
    if op is Op.IN and isinstance(expected, list):
        return lambda row: row.get(name) in expected
    return lambda row: _compare(op, row.get(name), expected)


def compile_where(conditions: Iterable[Condition]) -> Predicate:
    """All conditions as one function of the row: each holds as :func:`_compare` says.

    The engine tests every rule against every row of its kind (hundreds of
    thousands of tests in a large estate); compiled once, each test is a few
    direct comparisons rather than a dispatch on the operator.
    """
    tests = [_predicate(c) for c in conditions]

    def every(row: Row) -> bool:
        for test in tests:  # noqa: SIM110 - a loop, not all() over a generator: hot path
            if not test(row):
                return False
        return True

    return every


class RowBuilder:
    """Flat rows of each subject kind, with evidence attached under private keys."""

    def __init__(
        self,
        result: ExposureResult,
        kb: KnowledgeIndex,
        scores: list[Scorecard],
        policy: Policy | None,
        today: dt.date,
        inventory: Inventory,
    ) -> None:
        self.result = result
        self._rows: dict[Over, list[Row]] = {}
        self.kb = kb
        self.scores = scores
        self.policy = policy
        self.today = today
        self.criticality = {s.id: s.criticality.value for s in inventory.systems}
        self.kinds = {
            f"{s.id}/{c.id}": c.kind.value for s in inventory.systems for c in s.components
        }
        self.sensitivity = {a.id: kb.taxonomy.sensitivity(a).value for a in inventory.data}

    def rows(self, over: Over) -> list[Row]:
        """The subject rows of one kind, built once per audit."""
        if over not in self._rows:
            self._rows[over] = self._build(over)
        return self._rows[over]

    def release(self, over: Over) -> None:
        """Forget the rows of one kind (built again if asked for)."""
        self._rows.pop(over, None)

    def _build(self, over: Over) -> list[Row]:
        if over is Over.EXPOSURE:
            return [self._exposure(e) for e in self.result.exposures]
        if over is Over.TRANSFER:
            return [self._transfer(t) for t in self.result.transfers]
        if over is Over.GAP:
            return [self._gap(g) for g in self.result.gaps]
        if over is Over.COMPONENT:
            return [self._component(c) for c in self.result.components]
        if over is Over.RESIDENCY:
            return [self._residency(b) for b in self.result.residency]
        if over is Over.KB_FACT:
            return self._facts()
        if over is Over.SEAL:
            return self._seals()
        assert_never(over)

    def _exposure(self, e: Exposure) -> Row:
        law = self.kb.laws[e.law]
        # The exposure's fields as JSON values (what model_dump(mode="json") gives, without
        # its cost for 100,000s of rows): all strings but two enums; its lists become texts.
        row = dict(e.__dict__)
        del row["path"], row["access"], row["mitigation_reasons"]
        row["mitigation"] = e.mitigation.value
        row["sensitivity"] = e.sensitivity.value
        row.update(
            {
                "jurisdiction_name": self.kb.country_name(e.jurisdiction),
                "access_text": ", ".join(a.value for a in e.access),
                "mitigation_text": "; ".join(e.mitigation_reasons),
                "citation": law.citation,
                "law_status": law.status.value,
                "secrecy": law.secrecy,
                "component_kind": self.kinds.get(f"{e.system}/{e.component}", ""),
                "criticality": self.criticality.get(e.system, ""),
                "_path": e.path,
                "_law": e.law,
            }
        )
        return row

    def _transfer(self, t: Transfer) -> Row:
        return {
            **t.model_dump(mode="json", exclude={"path", "tools", "supplementary_measures"}),
            "tools_text": ", ".join(t.tools) or "none",
            "measures_text": ", ".join(t.supplementary_measures) or "none",
            "sensitivity": self.sensitivity[t.data_asset],
            "_path": t.path,
        }

    def _gap(self, g: Gap) -> Row:
        return {
            "kind": g.kind,
            "system": g.system,
            "component": g.component,
            "entity": g.entity,
            "detail": g.detail,
            "data_assets_text": ", ".join(g.data_assets),
            "sensitivity": g.sensitivity.value,
            "_path": [
                make_hop(
                    node=g.detail,
                    kind="gap",
                    file=g.span.path if g.span else None,
                    line=g.span.line if g.span else None,
                )
            ],
        }

    @staticmethod
    def _component(c: Row) -> Row:
        row = dict(c)
        row["_path"] = [
            make_hop(
                node=f"{c['system']}/{c['component']}",
                kind="component",
                file=str(c["_span_file"]) or None,
                line=int(str(c["_span_line"])) or None,
            )
        ]
        return row

    @staticmethod
    def _residency(b: ResidencyBreach) -> Row:
        return {
            "data_asset": b.data_asset,
            "system": b.system,
            "component": b.component,
            "kind": b.kind,
            "role": b.role,
            "where": b.where,
            "allowed": b.allowed,
            "law": b.law,
            "mitigation": b.mitigation,
            "origin": b.origin,
            "sensitivity": b.sensitivity.value,
            "confidence": b.confidence,
            # The requirement's step is the same for every breach of it: one shared instance.
            "_path": [*b.path, hop(f"{b.origin}: {b.allowed}", "policy", b.span)],
            "_law": b.law or None,
        }

    def _facts(self) -> list[Row]:
        max_age = self.policy.max_fact_age_days if self.policy else 730
        rows: list[Row] = []
        for fact in self.kb.facts():
            if fact.subject not in self.result.facts_used:
                continue
            age = (self.today - fact.provenance.as_of).days
            path, _, line = fact.where.partition(":")
            rows.append(
                {
                    "fact": fact.subject,
                    "kind": fact.subject.split(" ")[0],
                    "confidence": fact.provenance.confidence.value,
                    "as_of": fact.provenance.as_of.isoformat(),
                    "age_days": age,
                    "stale": age > max_age,
                    "note": fact.provenance.note or "",
                    "where": fact.where,
                    "_path": [
                        make_hop(
                            node=f"{fact.subject} (as of {fact.provenance.as_of}, {fact.provenance.confidence.value})",
                            kind="kb",
                            file=path or None,
                            line=int(line.split(":")[0]) if line else None,
                        )
                    ],
                }
            )
        return rows

    def _seals(self) -> list[Row]:
        rows: list[Row] = []
        for card in self.scores:
            for objective in card.objectives:
                # A floor the inventory cannot show to be met is reported too, never passed.
                if objective.minimum is None or (
                    objective.seal is not None and objective.seal >= objective.minimum
                ):
                    continue
                row = _seal_row(card, objective)
                span = self.policy.span_of("minimum_seal") if self.policy else None
                if span is not None:
                    row["_path"] = [
                        *row["_path"],  # type: ignore[misc]
                        make_hop(
                            node="policy minimum_seal",
                            kind="policy",
                            file=span.path,
                            line=span.line,
                        ),
                    ]
                rows.append(row)
        return rows


def _seal_row(card: Scorecard, objective: ObjectiveScore) -> Row:
    return {
        "subject": card.subject,
        "subject_kind": card.kind,
        "objective": objective.objective,
        "objective_name": objective.name,
        "seal": objective.seal if objective.seal is not None else -1,
        "seal_text": f"SEAL-{objective.seal}" if objective.seal is not None else "not assessed",
        "assessed": objective.seal is not None,
        "minimum": objective.minimum,
        "reasons_text": "; ".join(objective.reasons),
        "_path": [
            make_hop(
                node=(
                    f"{card.subject}: {objective.objective} "
                    f"{'SEAL-' + str(objective.seal) if objective.seal is not None else 'not assessed'}"
                    f", policy minimum SEAL-{objective.minimum}"
                ),
                kind="score",
            )
        ],
    }


def _severity_of(rule: RuleSpec, policy: Policy | None) -> Callable[[Row], Severity]:
    """A rule's severity as a function of the matching row: the policy's override, else the
    first ``severity_when`` case whose fields equal (or are in) its values, else the rule's
    own (a constant when it cannot vary)."""
    fixed: Severity | None = None
    if policy is not None and rule.id in policy.severity_overrides:
        fixed = policy.severity_overrides[rule.id]
    elif not rule.severity_when:
        fixed = rule.severity
    if fixed is not None:
        constant = fixed
        return lambda row: constant
    # Each case as compiled conditions: equal to the value, or in the list.
    cases = [
        (
            compile_where(
                Condition(field=name, op=Op.IN if isinstance(wanted, list) else Op.EQ, value=wanted)
                for name, wanted in case.when.items()
            ),
            case.severity,
        )
        for case in rule.severity_when
    ]
    otherwise = rule.severity

    def severity(row: Row) -> Severity:
        for holds, level in cases:
            if holds(row):
                return level
        return otherwise

    return severity


# Which inventory step a finding points at, by kind of step (earlier is preferred).
_LOCATION_ORDER = {"component": 0, "flow": 1, "data": 2, "policy": 3, "gap": 4}
_OTHER_STEP = len(_LOCATION_ORDER)


def _location(path: list[Hop]) -> tuple[str | None, int | None]:
    """The inventory line a finding points at: the first step of its path of the most
    preferred kind (its component, else flow, data, policy, gap), else the first inventory
    step, else the first step if it names a file."""
    best: Hop | None = None
    best_rank = _OTHER_STEP + 1
    for step in path:
        if not step.file or step.file.startswith("rules/"):
            continue
        rank = _LOCATION_ORDER.get(step.kind, _OTHER_STEP)
        if rank < best_rank:
            best, best_rank = step, rank
            if rank == 0:
                break
    if best is not None:
        return best.file, best.line
    return (path[0].file, path[0].line) if path and path[0].file else (None, None)


def _rule_findings(
    rule: RuleSpec,
    rows: list[Row],
    kb: KnowledgeIndex,
    policy: Policy | None,
    text: Callable[[str], str],
) -> list[Finding]:
    """One finding per subject the rule matches, from its most severe matching row."""
    found: list[Finding] = []
    groups: dict[tuple[str, ...], list[tuple[Severity, Row]]] = {}
    where = compile_where(rule.match.where)
    severity_of = _severity_of(rule, policy)
    fingerprint_of = fingerprinter(rule.id, rule.subject)
    frameworks = list(rule.frameworks)  # one list for all the rule's findings: they are frozen
    names = rule.subject
    for row in rows:
        if where(row):
            key = tuple([str(row.get(name, "")) for name in names])
            groups.setdefault(key, []).append((severity_of(row), row))
    for key, items in sorted(groups.items()):
        # Rows arrive in a fixed order (every subject list is sorted), so the first
        # of the most severe matches is a deterministic choice.
        severity, row = (
            items[0] if len(items) == 1 else max(items, key=lambda item: SEVERITY_RANK[item[0]])
        )
        subject = dict(zip(rule.subject, key, strict=True))
        path = row.get("_path")
        # The row's path is its exposure's (or its own) list: shared, as both are frozen.
        evidence: list[Hop] = path if isinstance(path, list) else []
        file, line = _location(evidence)
        law_id = row.get("_law")
        law = kb.laws.get(str(law_id)) if law_id else None
        # Stripped as the other texts are; conditions name their subject, so rarely repeat
        # and are not kept in the table of shared texts.
        condition = fill(rule.messages.condition, row).strip()
        if len(items) > 1:
            condition += f" ({len(items)} matching paths; the most severe is shown)"
        found.append(
            make_finding(
                rule_id=rule.id,
                severity=severity,
                title=text(fill(rule.title, row)),
                fingerprint=fingerprint_of(key),
                subject=subject,
                condition=condition,
                cause=text(fill(rule.messages.cause, row)),
                effect=text(fill(rule.messages.effect, row)),
                law=law.id if law else None,
                citation=law.citation if law else None,
                evidence=evidence,
                remediation=text(fill(rule.remediation, row)),
                frameworks=frameworks,
                confidence=str(row.get("confidence", "confirmed")),
                location_file=file,
                location_line=line,
            )
        )
    return found


def evaluate(
    rules: list[RuleSpec], builder: RowBuilder, kb: KnowledgeIndex, policy: Policy | None
) -> list[Finding]:
    """Every finding, one per rule and subject, worst match first, sorted deterministically."""
    disabled = set(policy.disabled_rules) if policy else set()
    # Causes, effects and remediations repeat across findings (a few hundred distinct
    # texts among tens of thousands): keep one copy of each.
    texts: dict[str, str] = {}

    def text(value: str) -> str:
        # Stripped as validating the finding would strip it (a placeholder filled with
        # nothing can leave a space at either end).
        value = value.strip()
        return texts.setdefault(value, value)

    # Rules of one subject kind run together, and that kind's rows are dropped before
    # the next kind's are built: at most one kind's rows is held beside the findings.
    # (Knowledge-base fact rows are few, and the audit counts them afterwards.)
    by_kind: dict[Over, list[RuleSpec]] = {}
    for rule in rules:
        by_kind.setdefault(rule.match.over, []).append(rule)
    findings: list[Finding] = []
    for over, kind_rules in by_kind.items():
        for rule in kind_rules:
            if rule.id not in disabled:
                findings += _rule_findings(rule, builder.rows(over), kb, policy, text)
        if over is not Over.KB_FACT:
            builder.release(over)
    findings.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.rule_id, f.fingerprint))
    return findings
