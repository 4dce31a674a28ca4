"""The library façade: load, check, audit. Every CLI command is a thin call into here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import InputError
from auditor.kb import KnowledgeIndex, load_knowledge_base
from auditor.kb.index import Fact
from auditor.kb.resolve import check_inventory
from auditor.loader.inventory import load_inventory
from auditor.model.common import Confidence
from auditor.model.inventory import Inventory, InventoryFragment


def load_checked_inventory(
    paths: Sequence[Path], rule_dirs: Sequence[Path] = ()
) -> tuple[Inventory, KnowledgeIndex]:
    """Load the knowledge base and the inventory, and check every reference between them."""
    kb = load_knowledge_base(rule_dirs)
    inventory = load_inventory(paths)
    problems = check_inventory(inventory, kb)
    if problems:
        raise InputError(f"the inventory has {len(set(problems))} problem(s)", problems)
    return inventory, kb


def inventory_json_schema() -> dict[str, Any]:
    """JSON Schema of one inventory file (a fragment: every section optional)."""
    schema = InventoryFragment.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://residency-auditor.invalid/schema/inventory.json"
    schema["title"] = "residency-auditor inventory file"
    return schema


@dataclass(frozen=True)
class KnowledgeReport:
    """What ``auditor kb check`` prints."""

    kb: KnowledgeIndex
    unconfirmed: list[Fact]
    stale: list[Fact]
    max_age_days: int | None
    today: dt.date

    def render(self) -> str:
        """Plain-text report."""
        meta = self.kb.kb.meta
        counts = (
            f"{len(self.kb.laws)} laws, {len(self.kb.jurisdictions)} jurisdictions, "
            f"{len(self.kb.entities)} entities, {len(self.kb.vendors)} vendors, "
            f"{len(self.kb.regions)} regions of {len(self.kb.region_catalogues)} providers"
        )
        lines = [
            f"knowledge base {meta.version} (as of {meta.as_of}): valid",
            counts,
            f"oldest fact: {self.kb.oldest_fact()}",
            "",
            f"unconfirmed facts ({len(self.unconfirmed)}): reports mark findings built on them",
        ]
        lines += [
            f"  {f.where}: {f.subject}" + (f" ({f.provenance.note})" if f.provenance.note else "")
            for f in self.unconfirmed
        ]
        if self.max_age_days is not None:
            lines += [
                "",
                f"facts older than {self.max_age_days} days on {self.today} ({len(self.stale)}):",
            ]
            lines += [f"  {f.where}: {f.subject} (as of {f.provenance.as_of})" for f in self.stale]
        return "\n".join(lines)


def knowledge_report(
    rule_dirs: Sequence[Path] = (), *, max_age_days: int | None, today: dt.date
) -> KnowledgeReport:
    """Validate the knowledge base and list unconfirmed and stale facts."""
    kb = load_knowledge_base(rule_dirs)
    facts = sorted(kb.facts(), key=lambda f: (f.subject, f.where))
    unconfirmed = [f for f in facts if f.provenance.confidence is Confidence.UNCONFIRMED]
    stale: list[Fact] = []
    if max_age_days is not None:
        limit = today - dt.timedelta(days=max_age_days)
        stale = [f for f in facts if f.provenance.as_of < limit]
    return KnowledgeReport(kb, unconfirmed, stale, max_age_days, today)
