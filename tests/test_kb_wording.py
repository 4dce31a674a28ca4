"""Wording that says a fact has no primary source (issue 17): each kind, and what is left alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from auditor.kb.wording import (
    KNOWLEDGE,
    RESEARCH_NOTES,
    Unsourced,
    heading,
    message,
    pattern,
    unsourced_wording,
)

FLAGGED = {
    Unsourced.MEMORY: ["# the section number is from memory", "note: (tag mem) unverified"],
    Unsourced.GENERAL_KNOWLEDGE: [
        'source: "general knowledge"',
        "note: the ARM type name is common knowledge",
        'source: "well-known EKS node label prefix"',
        "note: a well known prefix",
        "note: widely known",
    ],
    Unsourced.RESEARCH_NOTES: [
        f'source: "{name} Part C (terraform_catalog.google)"' for name in RESEARCH_NOTES
    ]
    + ["# Sources: shared/kb/laws.md sections 5, 6", 'source: "KB research notes Laws.md"']
    + ["note: the compiled notes give 29 Nov 2016", "(as described in the KB law notes)"],
}
LEFT_ALONE = [
    "note: the measure covers memory encryption",
    "source: https://example.org/.well-known/security.txt",
    "source: https://example.org/bylaws.md",
    "source: https://example.org/my-laws.md",
    "note: the release notes of version 5.0",
    'source: "https://github.com/hashicorp/terraform-provider-google/blob/e03b762/website/docs/r/x.html.markdown"',
]


@pytest.mark.parametrize("kind", list(Unsourced))
def test_every_kind_is_found_told_and_counted(kind: Unsourced) -> None:
    for line in FLAGGED[kind]:
        match = pattern(kind).search(line)
        assert match, f"{kind.value}: {line!r} not found"
        said, hint = message(kind, match.group())
        assert repr(match.group()) in said and hint
    assert "(3): not allowed" in heading(kind, 3)


def test_other_wording_is_left_alone() -> None:
    for line in LEFT_ALONE:
        assert not [kind for kind in Unsourced if pattern(kind).search(line)], line


def test_every_knowledge_folder_of_an_extra_rules_dir_is_read(tmp_path: Path) -> None:
    for folder in KNOWLEDGE:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.yaml").write_text("# ok\n# from ci-scanners.md\n", encoding="utf-8")
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "x.yaml").write_text("# laws.md argues\n", encoding="utf-8")
    found = [
        line
        for line in unsourced_wording([tmp_path])
        if not line.diagnostic.path.startswith("rules/")
    ]
    assert sorted(Path(line.diagnostic.path).parent.name for line in found) == sorted(KNOWLEDGE)
    assert {(line.kind, line.diagnostic.line) for line in found} == {(Unsourced.RESEARCH_NOTES, 2)}
