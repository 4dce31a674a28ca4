"""Waivers are matched through an index (issue 9); the first matching waiver must still win."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from auditor.audit import AuditOptions, run_audit
from auditor.audit.waivers import _matches, apply_waivers
from auditor.model.waivers import WaiverSpec
from tests.conftest import EXAMPLES, TODAY


@pytest.mark.parametrize("seed", range(20))
def test_indexed_matching_picks_the_same_waiver_as_trying_each_in_order(seed: int) -> None:
    findings = run_audit([EXAMPLES / "bank"], AuditOptions(today=TODAY, use_waivers=False)).findings
    rng = random.Random(seed)
    waivers = []
    for n in range(rng.randrange(1, 40)):
        finding = rng.choice(findings)
        base = {
            "reason": f"accepted risk number {n}",
            "approved_by": "CISO",
            "expires": (TODAY + dt.timedelta(days=rng.choice([-5, 30]))).isoformat(),
        }
        if rng.random() < 0.5:
            spec = {"fingerprint": finding.fingerprint[: rng.randrange(8, 33)]}
        else:
            keys = rng.sample(sorted(finding.subject), rng.randrange(0, len(finding.subject) + 1))
            subject = {k: finding.subject[k] for k in keys}
            if rng.random() < 0.2 and keys:
                subject[keys[0]] = "something-else"
            spec = {"rule": finding.rule_id, "subject": subject}
        waivers.append(WaiverSpec.model_validate({**base, **spec}))
    applied, _ = apply_waivers(findings, waivers, TODAY)
    assert [f.fingerprint for f in applied] == [f.fingerprint for f in findings]
    for before, after in zip(findings, applied, strict=True):
        first = next((w for w in waivers if _matches(w, before)), None)
        if first is None:
            assert after.waiver is None
        else:
            assert after.waiver is not None
            assert after.waiver.reason == first.reason
            assert after.waived == (first.expires >= TODAY)
