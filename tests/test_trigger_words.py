"""Each way a law reaches a party has one vocabulary (issue 17): every trigger kind has all
its phrasings, and the finding, the summary, the TIA and the AI-BOM read them from one place."""

from __future__ import annotations

import dataclasses

import pytest

from auditor.model.kb import TriggerKind
from auditor.model.words import TriggerWords, code_tokens, trigger_words, trigger_words_of


@pytest.mark.parametrize("kind", list(TriggerKind))
def test_every_trigger_kind_has_every_phrasing(kind: TriggerKind) -> None:
    phrasing = trigger_words(kind)
    for field in dataclasses.fields(TriggerWords):
        text = getattr(phrasing, field.name)
        assert text.strip(), f"{kind.value}: no {field.name} phrasing"
        assert not code_tokens(text), f"{kind.value}: {field.name} shows a code"
    assert phrasing.bom.count("{}") == 1  # the country goes in once
    assert trigger_words_of(kind.value) == phrasing


def test_the_kinds_read_differently() -> None:
    for field in dataclasses.fields(TriggerWords):
        texts = [getattr(trigger_words(k), field.name) for k in TriggerKind]
        assert len(set(texts)) == len(texts), field.name


def test_a_code_no_kind_has_reads_as_words_not_a_crash() -> None:
    phrasing = trigger_words_of("provider_category")
    assert phrasing.party == "provider category"
    assert phrasing.bom.format("France") == "provider category (France)"
