"""Finding texts, ids and locations: placeholders filled from the subject row, fingerprints
of the subject, the inventory line a finding points at."""

from __future__ import annotations

import hashlib
import re

from hypothesis import given
from hypothesis import strategies as st

from auditor.exposure.rows import ComponentRow
from auditor.model.findings import Hop
from auditor.rules.engine import _location, fingerprint, fingerprinter
from auditor.rules.schema import Over, check_fields, fill

# Check fields of component rows of each JSON type, and names that are not check fields:
# absent, the evidence the row carries for the finding, a method of the row's tuple.
NAMES = ["system", "vendor", "retention_days", "open_weights", "data_assets"]
NOT_FIELDS = ["absent_field", "evidence", "count", "_fields"]
BLANK = ComponentRow._make([""] * len(ComponentRow._fields))


def reference(template: str, row: ComponentRow) -> str:
    """The meaning of a placeholder, written plainly: the row's value, or left as it is."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(getattr(row, name)) if name in check_fields(Over.COMPONENT) else match.group(0)

    return re.sub(r"\{([a-z_]+)\}", value, template)


pieces = st.one_of(
    st.sampled_from([f"{{{n}}}" for n in NAMES + NOT_FIELDS]),
    st.sampled_from(["{", "}", "{{", "}}", "{0}", "{system.name}", "{system[0]}", "{!r}", "{:>9}"]),
    st.text(max_size=12),
)
values = st.one_of(
    st.text(max_size=10),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=3), max_size=2),
)


@given(
    template=st.lists(pieces, max_size=8).map("".join),
    fields=st.dictionaries(st.sampled_from(NAMES), values),
)
def test_fill_replaces_placeholders_and_nothing_else(
    template: str, fields: dict[str, object]
) -> None:
    row = BLANK._replace(**fields)
    assert fill(template, row) == reference(template, row)


def test_examples() -> None:
    row = BLANK._replace(system="triage", retention_days=3, open_weights=False)
    assert fill("{system} keeps prompts {retention_days} days", row) == (
        "triage keeps prompts 3 days"
    )
    assert fill("{absent_field} and {system}", row) == "{absent_field} and triage"
    assert fill("{evidence} {count} {_fields}", row) == "{evidence} {count} {_fields}"
    assert fill("{{system}} {system.name} {0}", row) == "{triage} {system.name} {0}"
    assert fill("open weights: {open_weights}", row) == "open weights: False"
    assert fill("no placeholder {", row) == "no placeholder {"


def reference_fingerprint(rule_id: str, subject: dict[str, str]) -> str:
    """The fingerprint as baselines and waivers have stored it since the first release."""
    text = rule_id + "|" + "|".join(f"{k}={v}" for k, v in sorted(subject.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def test_a_fingerprint_never_changes() -> None:
    subject = {
        "system": "triage",
        "component": "llm",
        "data_asset": "clinical-notes",
        "law": "us-cloud-act",
    }
    assert fingerprint("us-cloud-act-exposure", subject) == "d8c2dff60e1bc1e27d89d1cb01f1d68d"


@given(
    rule_id=st.text(max_size=8),
    pairs=st.lists(st.tuples(st.sampled_from(NAMES), st.text(max_size=6)), min_size=1, max_size=6),
)
def test_a_rule_s_fingerprinter_gives_the_subject_s_fingerprint(
    rule_id: str, pairs: list[tuple[str, str]]
) -> None:
    names = [name for name, _ in pairs]
    values = [value for _, value in pairs]
    subject = dict(zip(names, values, strict=True))  # a repeated name keeps its last value
    expected = reference_fingerprint(rule_id, subject)
    assert fingerprinter(rule_id, names)(values) == expected
    assert fingerprint(rule_id, subject) == expected


def test_fingerprints_do_not_depend_on_the_order_of_the_subject_fields() -> None:
    one = fingerprinter("r", ["system", "law_name"])(["triage", "CLOUD Act"])
    other = fingerprinter("r", ["law_name", "system"])(["CLOUD Act", "triage"])
    assert one == other == fingerprint("r", {"system": "triage", "law_name": "CLOUD Act"})


def reference_location(path: list[Hop]) -> tuple[str | None, int | None]:
    """The location rule written plainly: an evidence gap in the inventory that the path
    starts with (an entity's unknown owner, then the components relying on it), else the
    first inventory step of the most preferred kind."""
    inventory = [h for h in path if h.file and not h.file.startswith("rules/")]
    if inventory and path[0] is inventory[0] and path[0].kind == "gap":
        return path[0].file, path[0].line
    for kind in ("component", "flow", "data", "policy", "gap"):
        for step in inventory:
            if step.kind == kind:
                return step.file, step.line
    if inventory:
        return inventory[0].file, inventory[0].line
    return (path[0].file, path[0].line) if path and path[0].file else (None, None)


steps = st.builds(
    Hop,
    node=st.sampled_from(["a", "b"]),
    kind=st.sampled_from(["component", "flow", "data", "policy", "gap", "entity", "law", "kb"]),
    file=st.sampled_from([None, "", "systems/a.yaml", "data.yaml", "rules/laws/x.yaml"]),
    line=st.one_of(st.none(), st.integers(1, 99)),
)


@given(path=st.lists(steps, max_size=8))
def test_a_finding_points_at_the_first_inventory_step_of_the_most_preferred_kind(
    path: list[Hop],
) -> None:
    assert _location(path) == reference_location(path)
