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
    for finding in findings:
        match = next(((i, w) for i, w in enumerate(waivers) if _matches(w, finding)), None)
        if match is None:
            result.append(finding)
            continue
        index, spec = match
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
