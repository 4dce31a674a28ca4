"""Apply waivers to findings: matched by fingerprint or by rule and subject; expiry enforced."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from auditor.model.findings import Finding, Waiver
from auditor.model.waivers import WaiverSpec


def _matches(spec: WaiverSpec, finding: Finding) -> bool:
    if spec.fingerprint is not None:
        return finding.fingerprint.startswith(spec.fingerprint)
    if spec.rule != finding.rule_id:
        return False
    return all(finding.subject.get(key) == value for key, value in spec.subject.items())


def _where(spec: WaiverSpec) -> str:
    return str(spec.span) if spec.span else "waivers"


def apply_waivers(
    findings: Sequence[Finding], waivers: Sequence[WaiverSpec], today: dt.date
) -> tuple[list[Finding], list[str]]:
    """Findings with waiver status set, and notices every output must show.

    An expired waiver no longer waives: the finding counts again and a notice
    names the waiver. A waiver that matches nothing is reported too, so stale
    exceptions do not pile up unseen.
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
        candidates = list(by_rule.get(finding.rule_id, ()))
        for length, prefixes in by_prefix.items():
            candidates += prefixes.get(finding.fingerprint[:length], ())
        index = min((i for i in candidates if _matches(waivers[i], finding)), default=None)
        if index is None:
            result.append(finding)
            continue
        spec = waivers[index]
        used.add(index)
        expired = spec.expires < today
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
