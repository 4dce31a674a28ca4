"""Finding texts and ids: placeholders filled from the subject row, fingerprints of the subject."""

from __future__ import annotations

import hashlib
import re

from hypothesis import given
from hypothesis import strategies as st

from auditor.rules.engine import fingerprint, fingerprinter
from auditor.rules.schema import fill

NAMES = ["system", "law_name", "data_asset", "count", "open_weights", "absent_field"]


def reference(template: str, row: dict[str, object]) -> str:
    """The meaning of a placeholder, written plainly: the row's value, or left as it is."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(row[name]) if name in row else match.group(0)

    return re.sub(r"\{([a-z_]+)\}", value, template)


pieces = st.one_of(
    st.sampled_from([f"{{{n}}}" for n in NAMES]),
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
    row=st.dictionaries(st.sampled_from(NAMES[:-1]), values),
)
def test_fill_replaces_placeholders_and_nothing_else(template: str, row: dict[str, object]) -> None:
    assert fill(template, row) == reference(template, row)


def test_examples() -> None:
    row: dict[str, object] = {"system": "triage", "count": 3, "open_weights": False}
    assert fill("{system} has {count} paths", row) == "triage has 3 paths"
    assert fill("{absent_field} and {system}", row) == "{absent_field} and triage"
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
