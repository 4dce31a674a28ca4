"""Match checks over the exposure result and turn matches into findings."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from operator import attrgetter
from typing import assert_never

from auditor.exposure import ExposureResult
from auditor.exposure.rows import (
    ComponentRow,
    ExposureRow,
    GapRow,
    KbFactRow,
    ResidencyRow,
    Row,
    SealRow,
    TransferRow,
)
from auditor.kb.index import KnowledgeIndex
from auditor.model.common import Confidence, SourceSpan
from auditor.model.findings import (
    AffectedData,
    EvidencePath,
    Exposure,
    Finding,
    Hop,
    ObjectiveScore,
    Scorecard,
    Sensitivity,
    Transfer,
    affected_data_text,
    make_affected_data,
    make_evidence_path,
    make_finding,
    make_hop,
)
from auditor.model.inventory import Inventory
from auditor.model.kb import CONTENT_ACCESS, ReachStrength
from auditor.model.policy import SEVERITY_RANK, Policy, Severity
from auditor.model.words import (
    LOCATION_ROLE_WORDS,
    country_in_sentence,
    join_words,
    transfer_tools_words,
    trigger_words_of,
    words,
)
from auditor.rules.schema import (
    Condition,
    Op,
    Over,
    RuleSpec,
    Scalar,
    components_text,
    fill,
    row_placeholders,
)

# Subject kinds whose rows are each about one data asset (``data_asset``): before findings
# were grouped by root cause, their checks named ``data_asset`` in the subject.
PER_ASSET_KINDS = frozenset({Over.EXPOSURE, Over.TRANSFER, Over.RESIDENCY})


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


# Per finding fingerprint: the fingerprints the finding had under its check's earlier ids
# or subjects (``formerly``), each with the data assets the rows it stood for carried.
Formers = dict[str, dict[str, frozenset[str]]]


def legacy_fingerprints(
    rule: RuleSpec, finding: Finding, formers: Formers | None = None
) -> dict[str, frozenset[str]]:
    """The fingerprints ``finding`` had before, each with the data assets it stood for: one
    per affected asset (the subject with ``data_asset`` added) for a check over per-asset rows
    that leaves ``data_asset`` out of its subject (from before findings were grouped by root
    cause), and those under the check's earlier ids or subjects (``formerly``, recorded in
    ``formers`` by :func:`evaluate`). Empty when the finding's own fingerprint is the one it
    always had.

    Baselines and waivers written before such a change name these.
    """
    found = dict((formers or {}).get(finding.fingerprint, {}))
    if rule.match.over in PER_ASSET_KINDS and "data_asset" not in rule.subject:
        for asset in finding.data_assets:
            old = fingerprint(rule.id, {**finding.subject, "data_asset": asset.id})
            found[old] = found.get(old, frozenset()) | {asset.id}
    return found


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
    """One condition as a function of the row, with the common operators inlined.

    Loading a check makes sure each field it names is one of its rows' fields.
    """
    get, op, expected = attrgetter(condition.field), condition.op, condition.value
    if op is Op.EQ:
        return lambda row: get(row) == expected
    if op is Op.NE:
        return lambda row: get(row) != expected
    if op is Op.IS_TRUE:
        return lambda row: get(row) is True
    if op is Op.IS_FALSE:
        return lambda row: get(row) is False
    if op is Op.IN and isinstance(expected, list):
        return lambda row: get(row) in expected
    return lambda row: _compare(op, get(row), expected)


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
    """The typed rows of each subject kind: exposures and transfers with the knowledge
    base's words, knowledge-base facts and sovereignty floors; gaps, components and
    residency breaches come as rows from the exposure engine."""

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
        self._rows: dict[Over, Sequence[Row]] = {}
        self._fact_rows: list[KbFactRow] | None = None
        self.kb = kb
        self.scores = scores
        self.policy = policy
        self.today = today
        self.criticality = {s.id: s.criticality.value for s in inventory.systems}
        # Display names of systems and components (the inventory's name, else the id).
        self.names = {
            (s.id, c.id): (s.name or s.id, c.name or c.id)
            for s in inventory.systems
            for c in s.components
        }
        self.kinds = {
            f"{s.id}/{c.id}": c.kind.value for s in inventory.systems for c in s.components
        }
        levels = {a.id: kb.taxonomy.sensitivity(a) for a in inventory.data}
        self.sensitivity = {key: level.value for key, level in levels.items()}
        # What a finding says about each data asset it affects (name, categories, sensitivity).
        self.assets: dict[str, tuple[str, list[str], Sensitivity]] = {
            a.id: (a.name or a.id, list(a.categories), levels[a.id]) for a in inventory.data
        }

    def _names(self, system: str, component: str) -> tuple[str, str]:
        """The display names of a system and its component (the ids if not in the inventory)."""
        return self.names.get((system, component), (system, component))

    def rows(self, over: Over) -> Sequence[Row]:
        """The subject rows of one kind, built once per audit."""
        if over not in self._rows:
            self._rows[over] = self._build(over)
        return self._rows[over]

    def release(self, over: Over) -> None:
        """Forget the rows of one kind (built again if asked for)."""
        self._rows.pop(over, None)

    def fact_rows(self) -> list[KbFactRow]:
        """The knowledge-base facts the audit's conclusions rest on (built once per audit)."""
        if self._fact_rows is None:
            self._fact_rows = self._facts()
        return self._fact_rows

    def _build(self, over: Over) -> Sequence[Row]:
        if over is Over.EXPOSURE:
            policy = self._policy_reach()
            return [self._exposure(e, policy) for e in self.result.exposures]
        if over is Over.TRANSFER:
            return [self._transfer(t) for t in self.result.transfers]
        if over is Over.GAP:
            return self.result.gaps
        if over is Over.COMPONENT:
            return self.result.components
        if over is Over.RESIDENCY:
            return self.result.residency
        if over is Over.KB_FACT:
            return self.fact_rows()
        if over is Over.SEAL:
            return self._seals()
        if over is Over.DRIFT:
            return self.result.drift
        assert_never(over)

    def _policy_reach(self) -> dict[tuple[str, str, str, str, str], str]:
        """What the policy says of each reach it does not allow, by (data asset, system,
        component, law, party role): the first requirement's words."""
        said: dict[tuple[str, str, str, str, str], str] = {}
        for r in self.result.residency:
            if r.kind == "reach":
                said.setdefault(
                    (r.data_asset, r.system, r.component, r.law, r.role),
                    f"The policy does not allow this law to reach the data: {r.origin} allows "
                    f"only {r.allowed}{': ' + r.detail if r.detail else ''}. ",
                )
        return said

    def _exposure(
        self, e: Exposure, policy: dict[tuple[str, str, str, str, str], str]
    ) -> ExposureRow:
        law = self.kb.laws[e.law]
        policy_text = policy.get((e.data_asset, e.system, e.component, e.law, e.party_role), "")
        reach_text = ""
        if e.strength == ReachStrength.CONTESTED.value:
            cap = contested_cap(self.policy)
            # Words, not codes: the party, the country and the cap as a reader needs them.
            reach_text = (
                f"This is a contested reach: {e.strength_note}; whether the authorities of "
                f"{country_in_sentence(self.kb.country_name(e.jurisdiction))} can compel "
                f"{e.party_name} through that presence is disputed, so it is rated at most "
                f"{cap.value}. "
            )
        compelled_text = "can be compelled"
        if e.reach_confidence == Confidence.UNCONFIRMED.value:
            compelled_text = "may be compellable"
            reach_text += (
                f"No source read confirms that {law.short_name} can reach a party through "
                f"{trigger_words_of(e.trigger).reach}: this finding is a precaution, "
                "not a reading of the law (the knowledge base's entry says what was searched). "
            )
        law_status_text = ""
        if law.status.in_flux:
            law_status_text = (
                f"The status of {law.short_name} is in flux (as of {law.provenance.as_of}): "
                f"{law.status.words}. "
            )
        return ExposureRow(
            data_asset=e.data_asset,
            system=e.system,
            component=e.component,
            system_name=self._names(e.system, e.component)[0],
            component_name=self._names(e.system, e.component)[1],
            party=e.party,
            party_name=e.party_name,
            party_role=e.party_role,
            party_role_text=f"the {words(e.party_role)}",
            law=e.law,
            law_name=e.law_name,
            jurisdiction=e.jurisdiction,
            trigger=e.trigger,
            strength=e.strength,
            strength_note=e.strength_note,
            reach_confidence=e.reach_confidence,
            compelled_text=compelled_text,
            reach_text=reach_text,
            mitigation=e.mitigation.value,
            sensitivity=e.sensitivity.value,
            confidence=e.confidence,
            jurisdiction_name=self.kb.country_name(e.jurisdiction),
            jurisdiction_text=country_in_sentence(self.kb.country_name(e.jurisdiction)),
            access_text=join_words([words(a.value) for a in e.access]),
            content_reached=bool(set(e.access) & CONTENT_ACCESS),
            mitigation_text="; ".join(e.mitigation_reasons),
            citation=law.citation,
            law_status=law.status.value,
            law_status_text=law_status_text,
            secrecy=law.secrecy,
            component_kind=self.kinds.get(f"{e.system}/{e.component}", ""),
            criticality=self.criticality.get(e.system, ""),
            policy_allows=not policy_text,
            policy_text=policy_text,
            evidence=e.path,  # shared with the exposure: both are frozen
            cited_law=e.law,
        )

    def _transfer(self, t: Transfer) -> TransferRow:
        return TransferRow(
            data_asset=t.data_asset,
            data_asset_name=t.data_asset_name or t.data_asset,
            system=t.system,
            component=t.component,
            system_name=self._names(t.system, t.component)[0],
            component_name=self._names(t.system, t.component)[1],
            exporter=t.exporter,
            exporter_name=t.exporter_name or t.exporter,
            importer=t.importer,
            importer_name=t.importer_name,
            country=t.country,
            country_name=t.country_name,
            country_text=country_in_sentence(t.country_name),
            role=t.role,
            role_text=join_words(
                [LOCATION_ROLE_WORDS.get(r, words(r)) for r in t.role.split(", ") if r]
            ),
            adequacy=t.adequacy,
            conclusion=t.conclusion.value,
            explanation=t.explanation,
            scc_module=t.scc_module or "none",
            tools_text=join_words(
                transfer_tools_words(t.tools, t.exporter, t.importer, t.exporter_name)
            )
            or "none",
            measures_text=join_words([words(m) for m in t.supplementary_measures]) or "none",
            sensitivity=self.sensitivity[t.data_asset],
            evidence=t.path,
        )

    def _facts(self) -> list[KbFactRow]:
        max_age = self.policy.max_fact_age_days if self.policy else 730
        rows: list[KbFactRow] = []
        for fact in self.kb.facts():
            if fact.subject not in self.result.facts_used:
                continue
            age = (self.today - fact.provenance.as_of).days
            path, _, line = fact.where.partition(":")
            rows.append(
                KbFactRow(
                    fact=fact.subject,
                    kind=fact.subject.split(" ")[0],
                    confidence=fact.provenance.confidence.value,
                    as_of=fact.provenance.as_of.isoformat(),
                    age_days=age,
                    stale=age > max_age,
                    note=fact.provenance.note or "",
                    where=fact.where,
                    evidence=[
                        make_hop(
                            node=f"{fact.subject} (as of {fact.provenance.as_of}, {fact.provenance.confidence.value})",
                            kind="kb",
                            file=path or None,
                            line=int(line.split(":")[0]) if line else None,
                            label=f"{fact.shown} (as of {fact.provenance.as_of}, "
                            f"{fact.provenance.confidence.value})",
                        )
                    ],
                    fact_name=fact.shown,
                )
            )
        return rows

    def _seals(self) -> list[SealRow]:
        rows: list[SealRow] = []
        span = self.policy.span_of("minimum_seal") if self.policy else None
        for card in self.scores:
            for objective in card.objectives:
                # A floor the inventory cannot show to be met is reported too, never passed.
                if objective.minimum is None or (
                    objective.seal is not None and objective.seal >= objective.minimum
                ):
                    continue
                rows.append(_seal_row(card, objective, objective.minimum, span))
        return rows


def _seal_row(
    card: Scorecard, objective: ObjectiveScore, minimum: int, span: SourceSpan | None
) -> SealRow:
    seal_text = f"SEAL-{objective.seal}" if objective.seal is not None else "not assessed"
    evidence = [
        make_hop(
            node=(
                f"{card.name or card.subject}: {objective.objective} "
                f"{'SEAL-' + str(objective.seal) if objective.seal is not None else 'not assessed'}"
                f", policy minimum SEAL-{minimum}"
            ),
            kind="score",
        )
    ]
    if span is not None:
        evidence.append(
            make_hop(node="policy minimum_seal", kind="policy", file=span.path, line=span.line)
        )
    return SealRow(
        subject=card.subject,
        subject_kind=card.kind,
        subject_name=card.name or card.subject,
        objective=objective.objective,
        objective_name=objective.name,
        seal=objective.seal if objective.seal is not None else -1,
        seal_text=seal_text,
        assessed=objective.seal is not None,
        minimum=minimum,
        reasons_text="; ".join(objective.shown_reasons),
        evidence=evidence,
    )


def contested_cap(policy: Policy | None) -> Severity:
    """The highest severity of a finding on a contested (presence-only) reach."""
    return policy.contested_reach_max_severity if policy else Severity.MEDIUM


def _severity_of(rule: RuleSpec, policy: Policy | None) -> Callable[[Row], Severity]:
    """A rule's severity as a function of the matching row, at most the policy's cap for a
    contested reach (:func:`contested_cap`)."""
    uncapped = _uncapped_severity_of(rule, policy)
    if rule.match.over is not Over.EXPOSURE:
        return uncapped
    cap = contested_cap(policy)
    contested = ReachStrength.CONTESTED.value

    def severity(row: Row) -> Severity:
        level = uncapped(row)
        if (
            getattr(row, "strength", None) == contested
            and SEVERITY_RANK[level] > SEVERITY_RANK[cap]
        ):
            return cap
        return level

    return severity


def _uncapped_severity_of(rule: RuleSpec, policy: Policy | None) -> Callable[[Row], Severity]:
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
    """The inventory line a finding points at: an evidence gap its path starts with, else the
    first step of its path of the most preferred kind (its component, else flow, data,
    policy, gap), else the first inventory step, else the first step if it names a file."""
    if path and path[0].kind == "gap" and path[0].file and not path[0].file.startswith("rules/"):
        # An evidence gap points at the missing fact (an entity's unknown owner is one
        # line of the inventory, however many components rely on the entity).
        return path[0].file, path[0].line
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


def _row_assets(row: Row) -> Sequence[str]:
    """The ids of the data assets a row is about: its own, or those reaching its component."""
    if isinstance(row, ExposureRow | TransferRow | ResidencyRow):
        return (row.data_asset,)
    if isinstance(row, ComponentRow | GapRow):
        return row.data_assets
    return ()


def _path_key(path: list[Hop]) -> tuple[tuple[str, str, str | None, int | None], ...]:
    return tuple([(h.node, h.kind, h.file, h.line) for h in path if h.kind != "data"])


AssetInfo = dict[str, tuple[str, list[str], Sensitivity]]


def _affected(
    items: list[tuple[Severity, Row]], assets: AssetInfo
) -> tuple[list[AffectedData], list[EvidencePath]]:
    """The data assets of a root cause's rows (each with its worst severity, most severe
    first) and each distinct path once (leaving out the data-asset step), with the assets
    it carries, in the order the rows came."""
    worst: dict[str, Severity] = {}
    paths: dict[tuple[tuple[str, str, str | None, int | None], ...], tuple[list[Hop], list[str]]]
    paths = {}
    for severity, row in items:
        ids = _row_assets(row)
        for asset in ids:
            known = worst.get(asset)
            if known is None or SEVERITY_RANK[severity] > SEVERITY_RANK[known]:
                worst[asset] = severity
        key = _path_key(row.evidence)
        entry = paths.get(key)
        if entry is None:
            paths[key] = ([h for h in row.evidence if h.kind != "data"], list(ids))
        else:
            entry[1].extend(a for a in ids if a not in entry[1])
    affected = []
    for asset, severity in worst.items():
        name, categories, sensitivity = assets.get(asset, (asset, [], Sensitivity.INTERNAL))
        affected.append(
            make_affected_data(
                id=asset,
                name=name,
                categories=categories,
                sensitivity=sensitivity,
                severity=severity,
            )
        )
    affected.sort(key=lambda a: (-SEVERITY_RANK[a.severity], -a.sensitivity.rank, a.id))
    evidence_paths = [
        make_evidence_path(data_assets=sorted(ids), path=path) for path, ids in paths.values()
    ]
    return affected, evidence_paths


def _former_fingerprints(rule: RuleSpec, rows: Sequence[Row]) -> dict[str, frozenset[str]]:
    """The fingerprints a root cause's rows had under the check's earlier ids or subjects,
    each with the data assets of the rows it stood for."""
    found: dict[str, frozenset[str]] = {}
    for former in rule.formerly:
        names = former.subject or rule.subject
        of = fingerprinter(former.id or rule.id, names)
        for row in rows:
            old = of([str(getattr(row, name)) for name in names])
            found[old] = found.get(old, frozenset()) | frozenset(_row_assets(row))
    return found


def _rule_findings(
    rule: RuleSpec,
    rows: Sequence[Row],
    kb: KnowledgeIndex,
    policy: Policy | None,
    text: Callable[[str], str],
    assets: AssetInfo,
    formers: Formers | None = None,
) -> list[Finding]:
    """One finding per root cause the rule matches (the values of its ``subject``): the
    texts from its most severe matching row, the data assets and paths from all of them.
    Fingerprints under the check's earlier ids or subjects go into ``formers``."""
    found: list[Finding] = []
    groups: dict[tuple[str, ...], list[tuple[Severity, Row]]] = {}
    where = compile_where(rule.match.where)
    severity_of = _severity_of(rule, policy)
    fingerprint_of = fingerprinter(rule.id, rule.subject)
    frameworks = list(rule.frameworks)  # one list for all the rule's findings: they are frozen
    getters = [attrgetter(name) for name in rule.subject]
    # Only a check whose texts name every component pays for listing them (one does).
    names_components = any(
        "{components_text}" in text
        for text in (
            rule.title,
            rule.messages.condition,
            rule.messages.cause,
            rule.messages.effect,
            rule.remediation,
        )
    )
    for row in rows:
        if where(row):
            key = tuple([str(get(row)) for get in getters])
            groups.setdefault(key, []).append((severity_of(row), row))
    for key, items in sorted(groups.items()):
        # Rows arrive in a fixed order (every subject list is sorted), so the first
        # of the most severe matches is a deterministic choice.
        severity, row = (
            items[0] if len(items) == 1 else max(items, key=lambda item: SEVERITY_RANK[item[0]])
        )
        subject = dict(zip(rule.subject, key, strict=True))
        subject_names = _subject_names(subject, row)
        affected, evidence_paths = _affected(items, assets)
        values = (
            {
                "data_assets_text": affected_data_text(affected),
                "data_assets_count": str(len(affected)),
            }
            if affected
            else row_placeholders(row)
        )
        if names_components:
            values["components_text"] = components_text([r for _, r in items])
        # The row's path is its exposure's (or its own) list: shared, as both are frozen.
        evidence = row.evidence
        file, line = _location(evidence)
        law = kb.laws.get(row.cited_law) if row.cited_law else None
        # Stripped as the other texts are; conditions name their subject, so rarely repeat
        # and are not kept in the table of shared texts.
        condition = fill(rule.messages.condition, row, values).strip()
        if len(evidence_paths) > 1 and "{components_text}" not in rule.messages.condition:
            # (A condition naming every component already says where the paths go.)
            condition += f" ({len(evidence_paths)} paths; the most severe is shown)"
        if rule.formerly and formers is not None:
            formers[fingerprint_of(key)] = _former_fingerprints(rule, [r for _, r in items])
        found.append(
            make_finding(
                rule_id=rule.id,
                severity=severity,
                title=text(fill(rule.title, row, values)),
                fingerprint=fingerprint_of(key),
                subject=subject,
                subject_names=subject_names,
                condition=condition,
                cause=text(fill(rule.messages.cause, row, values)),
                effect=text(fill(rule.messages.effect, row, values)),
                law=law.id if law else None,
                citation=law.citation if law else None,
                reach_strength=getattr(row, "strength", None),
                evidence=evidence,
                remediation=text(fill(rule.remediation, row, values)),
                frameworks=frameworks,
                # Rows with no confidence of their own rest on the inventory alone.
                confidence=str(getattr(row, "confidence", "confirmed")),
                location_file=file,
                location_line=line,
                data_assets=affected,
                evidence_paths=evidence_paths,
            )
        )
    return found


def _subject_names(subject: dict[str, str], row: Row) -> dict[str, str]:
    """The display name of each subject id that has one: the row's ``<field>_name`` (the
    ``subject_name`` of a scored provider, the ``importer_name`` of a transfer's importer),
    where it says more than the id. People read names first (issue 17), ids in small print."""
    names: dict[str, str] = {}
    for key, ident in subject.items():
        name = getattr(row, f"{key}_name", None)
        if ident and isinstance(name, str) and name and name != ident:
            names[key] = name
    return names


def evaluate(
    rules: list[RuleSpec],
    builder: RowBuilder,
    kb: KnowledgeIndex,
    policy: Policy | None,
    formers: Formers | None = None,
) -> list[Finding]:
    """Every finding, one per rule and subject, worst match first, sorted deterministically.

    ``formers``, when given, receives the fingerprints findings had under their checks'
    earlier ids or subjects (see :func:`legacy_fingerprints`)."""
    formers = {} if formers is None else formers
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
                findings += _rule_findings(
                    rule, builder.rows(over), kb, policy, text, builder.assets, formers
                )
        if over is not Over.KB_FACT:
            builder.release(over)
    findings.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.rule_id, f.fingerprint))
    return findings
