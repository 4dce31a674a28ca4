"""Apply waivers to findings: matched by fingerprint or by rule and subject; expiry enforced.

A finding is one rule applied to one root cause and lists the data assets it affects.
A waiver accepts some or all of them (``data_assets``, default all); a waiver written
before findings were grouped by root cause accepts one asset (its old fingerprint, or
``data_asset`` in its subject). A finding is waived only when the waivers that match it
accept every asset it affects: one whose data grew is reported, with a notice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from auditor.model.findings import Finding, Waiver
from auditor.model.waivers import WaiverSpec
from auditor.rules.engine import fingerprint

# A finding's earlier fingerprints, each with the data assets it stood for (empty when its
# fingerprint has not changed): see ``auditor.rules.engine.legacy_fingerprints``.
LegacyOf = Callable[[Finding], dict[str, frozenset[str]]]


def _no_legacy(finding: Finding) -> dict[str, frozenset[str]]:
    return {}


def _accepted(
    spec: WaiverSpec, finding: Finding, legacy: dict[str, frozenset[str]]
) -> set[str] | None:
    """The finding's data assets the waiver accepts, or None when it does not match it."""
    assets = {a.id for a in finding.data_assets}
    if spec.fingerprint is not None:
        if finding.fingerprint.startswith(spec.fingerprint):
            accepted = set(assets)
        else:
            earlier = [a for fp, a in legacy.items() if fp.startswith(spec.fingerprint)]
            if not earlier:
                return None
            accepted = set().union(*earlier) & assets
    else:
        by_subject = _by_subject(spec, finding, assets)
        if by_subject is None:
            # Written for the check's earlier id or subject (``formerly``): the same as a
            # waiver of the fingerprint that rule and subject made then.
            stood_for = legacy.get(fingerprint(spec.rule or "", spec.subject))
            if stood_for is None:
                return None
            by_subject = set(stood_for) & assets
        accepted = by_subject
    if spec.data_assets is not None:
        accepted &= set(spec.data_assets)
        if assets and not accepted:
            return None
    return accepted


def _by_subject(spec: WaiverSpec, finding: Finding, assets: set[str]) -> set[str] | None:
    """The assets a rule-and-subject waiver accepts of the finding as it is, or None."""
    if spec.rule != finding.rule_id:
        return None
    accepted = set(assets)
    for key, value in spec.subject.items():
        if key == "data_asset" and key not in finding.subject:
            if value not in assets:
                return None
            accepted = {value}
        elif finding.subject.get(key) != value:
            return None
    return accepted


def _matches(
    spec: WaiverSpec, finding: Finding, legacy: dict[str, frozenset[str]] | None = None
) -> bool:
    return _accepted(spec, finding, legacy or {}) is not None


def _where(spec: WaiverSpec) -> str:
    return str(spec.span) if spec.span else "waivers"


def _name(finding: Finding) -> str:
    subject = ", ".join(f"{k}={v}" for k, v in finding.subject.items())
    return f"{finding.rule_id} ({subject}; fingerprint {finding.fingerprint[:12]})"


def apply_waivers(
    findings: Sequence[Finding],
    waivers: Sequence[WaiverSpec],
    today: dt.date,
    legacy_of: LegacyOf = _no_legacy,
) -> tuple[list[Finding], list[str]]:
    """Findings with waiver status set, and notices every output must show.

    The first matching waiver is the finding's waiver. An expired waiver no longer
    waives: the finding counts again and a notice names the waiver. A live one waives
    when the live waivers matching the finding together accept every data asset it
    affects; otherwise the finding is reported and a notice names the assets no waiver
    accepts. A waiver that matches nothing is reported too, so stale exceptions do not
    pile up unseen.
    """
    notices: list[str] = []
    used: set[int] = set()
    result: list[Finding] = []
    # Candidates by rule id and by fingerprint prefix, so tens of thousands of findings
    # are not each compared with every waiver; the first matching waiver still wins.
    by_rule: dict[str, list[int]] = {}
    by_prefix: dict[int, dict[str, list[int]]] = {}
    for i, spec in enumerate(waivers):
        if spec.fingerprint is not None:
            length = len(spec.fingerprint)
            by_prefix.setdefault(length, {}).setdefault(spec.fingerprint, []).append(i)
        elif spec.rule is not None:
            by_rule.setdefault(spec.rule, []).append(i)
    for finding in findings:
        legacy = legacy_of(finding) if waivers else {}
        candidates = set(by_rule.get(finding.rule_id, ()))
        for length, prefixes in by_prefix.items():
            for fp in (finding.fingerprint, *legacy):
                candidates.update(prefixes.get(fp[:length], ()))
        matching: list[tuple[int, set[str]]] = []
        for i in sorted(candidates):
            accepted = _accepted(waivers[i], finding, legacy)
            if accepted is not None:
                matching.append((i, accepted))
        if not matching:
            result.append(finding)
            continue
        used.update(i for i, _ in matching)
        spec = waivers[matching[0][0]]
        expired = spec.expires < today
        if not expired:
            accepted = set().union(*(a for i, a in matching if waivers[i].expires >= today))
            new = [a.id for a in finding.data_assets if a.id not in accepted]
            if new:
                notices.append(
                    f"{_name(finding)} affects data no waiver accepts: {', '.join(new)} "
                    f"(waiver at {_where(spec)} accepts "
                    f"{', '.join(sorted(accepted)) or 'none of its data'}); it is reported until "
                    "a waiver names them"
                )
                result.append(finding)
                continue
        waiver = Waiver(
            reason=spec.reason,
            approved_by=spec.approved_by,
            expires=spec.expires.isoformat(),
            expired=expired,
            ticket=spec.ticket,
            source=_where(spec),
        )
        result.append(finding.model_copy(update={"waived": not expired, "waiver": waiver}))
    for index, spec in enumerate(waivers):
        if spec.expires < today and index in used:
            notices.append(
                f"waiver at {_where(spec)} (approved by {spec.approved_by}) expired on "
                f"{spec.expires.isoformat()}: its findings count again"
            )
        elif index not in used:
            notices.append(
                f"waiver at {_where(spec)} matches no finding: remove it or fix its subject"
            )
    return result, sorted(set(notices))
