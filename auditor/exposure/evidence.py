"""Evidence-path steps, shared between the exposures, transfers and findings that pass through them."""

from __future__ import annotations

import functools

from auditor.model.common import SourceSpan
from auditor.model.findings import Hop, make_hop


@functools.lru_cache(maxsize=1 << 16)
def hop(node: str, kind: str, span: SourceSpan | None, label: str | None = None) -> Hop:
    """An evidence-path step.

    Hops are frozen, and the same step (a data asset, a flow, a law) recurs in
    the path of every exposure that passes through it: one instance serves them
    all (bounded, so a long-lived process does not grow with it). ``label`` is the step for
    people where ``node`` names components by id.
    """
    return make_hop(
        node=node,
        kind=kind,
        file=span.path if span else None,
        line=span.line if span else None,
        label=label if label != node else None,
    )
