"""Codes in words, for every text a person reads (issue 18).

The JSON, SARIF and rule files keep the codes (``model_provider``, ``no_valid_tool``);
reports, ``auditor explain`` and ``auditor rules list`` write them out, and print a check's
texts with their placeholders in words where no finding fills them in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import assert_never

# Kept in common (no model imports) so that the models can use it while this module, which
# reads their vocabularies when it loads, is still loading; re-exported here.
from auditor.model.common import join_words as join_words
from auditor.model.kb import ProcessingScope, TriggerKind

# Words for the closed vocabularies a reader meets in the report (the JSON keeps the codes).
CODE_WORDS: dict[str, str] = {
    # access parties
    "operator": "operator",
    "hosting": "hosting provider",
    "model_provider": "model provider",
    "subprocessor": "subprocessor",
    "support": "support provider",
    # what a law reaches
    "stored": "stored data",
    "processing": "data in processing",
    "transit": "data in transit",
    "metadata": "metadata",
    "compelled_assistance": "compelled assistance",
    "secrecy": "gag orders",
    # mitigation
    "none": "not mitigated",
    "partial": "partly mitigated",
    "mitigated": "mitigated",
    # sensitivity
    "special_category": "special-category",
    "personal": "personal",
    "confidential": "confidential",
    "internal": "internal",
    "public": "public",
    # transfer conclusions
    "adequacy": "adequacy decision",
    "safeguards": "Art. 46 safeguards",
    "safeguards_incomplete": "safeguards incomplete",
    "derogation": "Art. 49 derogation",
    "no_valid_tool": "no valid transfer tool",
    "unknown": "cannot be assessed",
    # transfer tools
    "dpf": "EU-US Data Privacy Framework",
    "sccs": "standard contractual clauses",
    "bcrs": "binding corporate rules",
    # keys
    "provider_managed": "keys managed by the provider",
    "customer_managed_in_provider_kms": "customer keys in the provider's key service",
    "customer_held_external": "keys held outside the provider",
    # component kinds
    "model_api": "hosted model API",
    "model_weights": "self-hosted open-weights model",
    "inference_endpoint": "inference endpoint",
    "vector_store": "vector store",
    "database": "database",
    "object_storage": "object storage",
    "fine_tuning": "fine-tuning service",
    "logging": "logging",
    "application": "application",
    "identity": "identity service",
}
# Evidence-gap kinds (auditor/exposure/gaps.py), shown in a finding's subject.
CODE_WORDS.update(
    {
        "unknown_location": "location unknown",
        "unbounded_processing": "processing location unbounded",
        "unknown_access_location": "access location unknown",
        "unknown_key_custody": "key custody unknown",
        "unknown_operator": "operator unknown",
        "unknown_owner": "owner unknown",
        "unknown_country": "country unknown",
    }
)


# Why a component touches a place (``LocationRole``), as a reader says it: "for processing
# and storage". Apart from CODE_WORDS, where "processing" and "support" name an access and a
# party.
LOCATION_ROLE_WORDS: dict[str, str] = {
    "storage": "storage",
    "processing": "processing",
    "admin": "administration",
    "support": "support",
    "telemetry": "telemetry",
    "backup": "backups",
    "key_custody": "key custody",
}


# How far an EU adequacy decision reaches (``AdequacyScope``), after the decision's name.
ADEQUACY_SCOPE_WORDS: dict[str, str] = {
    "full": "in full",
    "commercial": "for commercial organisations only",
    "dpf_certified": "for organisations certified under the EU-US Data Privacy Framework only",
    "partial": "in part (see the knowledge-base note)",
}


def _enum_codes() -> dict[str, str]:
    """Every value of the model's closed vocabularies written with an underscore, in words."""
    import enum

    from auditor.model import findings, inventory, kb, policy

    codes: dict[str, str] = {}
    for module in (findings, inventory, kb, policy):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, enum.StrEnum):
                for member in value:
                    if "_" in member.value:
                        codes[member.value] = member.value.replace("_", " ")
    return codes


# Every snake_case code a reader could meet: the explicit words above win.
RAW_CODES: dict[str, str] = {**_enum_codes(), **CODE_WORDS}
RAW_CODES = {code: text for code, text in RAW_CODES.items() if "_" in code}
# A snake_case token standing on its own (not part of a path, a dotted key, an id or a URL).
_CODE_TOKEN = re.compile(r"(?<![\w./:#@{\[-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w/}\]-]|\.[a-z])")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def words(code: object) -> str:
    """A code in words: its entry in :data:`CODE_WORDS`, else with spaces for underscores."""
    text = str(code)
    return CODE_WORDS.get(text, text.replace("_", " "))


def category_words(key: str) -> str:
    """A data category's taxonomy key in words, as the TIA and the transfer register write it:
    ``user.financial.bank_account`` -> "bank account"."""
    return key.rsplit(".", 1)[-1].replace("_", " ")


def plain(text: str) -> str:
    """The known codes inside a sentence in words ("a model_api component" -> "a hosted
    model API component"). A bare code (an attribute value, a CSS class) is left as it is."""
    if "_" not in text or " " not in text:
        return text
    return _CODE_TOKEN.sub(lambda m: RAW_CODES.get(m.group(0), m.group(0)), text)


# Country names that take the definite article in a sentence ("the adequacy decision for the
# United States"); tables list the bare names.
_WITH_ARTICLE = frozenset(
    {
        "Bahamas",
        "Central African Republic",
        "Comoros",
        "Czech Republic",
        "Democratic Republic of the Congo",
        "Dominican Republic",
        "European Economic Area",
        "European Free Trade Association",
        "European Union",
        "Gambia",
        "Holy See",
        "Isle of Man",
        "Maldives",
        "Netherlands",
        "Philippines",
        "Seychelles",
    }
)
_ARTICLE_PATTERN = re.compile(
    r"^(?:United |Republic |Kingdom |Federated |State of )|(?: Islands| Republic| Emirates)$"
)


def country_in_sentence(name: str) -> str:
    """A country's name as it stands inside a sentence: "the United States", "the
    Netherlands", "the Cayman Islands", "the Republic of Korea"; "France" as it is."""
    if name.startswith("the ") or name.startswith("The "):
        return name
    if name in _WITH_ARTICLE or _ARTICLE_PATTERN.search(name):
        return f"the {name}"
    return name


# The words of a region whose country the knowledge base does not know.
UNKNOWN_COUNTRY = "country unknown"


def region_words(
    code: str, provider: str | None, city: str | None = None, country: str | None = None
) -> str:
    """A provider's region as a person reads it: words first, the region code after, in
    parentheses: "Dublin, Ireland (Amazon Web Services eu-west-1)", "Ireland (Amazon Web
    Services eu-west-1)" without a city, "country unknown (Amazon Web Services xx-west-9)" for a
    region the catalogue does not have. ``provider`` is the provider's display name (its
    catalogue name; None where the sentence names it already), ``country`` the country's name
    (both as the knowledge base has them)."""
    where = ", ".join(part for part in (city, country) if part) or UNKNOWN_COUNTRY
    return f"{where} ({provider} {code})" if provider else f"{where} ({code})"


def place_in_sentence(label: str) -> str:
    """A country's place label as it stands after "in": "the United States", "the
    Netherlands (Microsoft Azure westeurope)"; a label naming a city ("Dublin, Ireland (...)")
    as it is."""
    head, paren, tail = label.partition(" (")
    if ", " in head:
        return label
    return country_in_sentence(head) + paren + tail


def code_tokens(text: str) -> list[str]:
    """The known raw codes a text still shows (for tests and checks of the outputs)."""
    return [t for t in _CODE_TOKEN.findall(text) if t in RAW_CODES]


_GENERIC = {
    "system": "the system",
    "component": "the component",
    "data_assets_text": "the data concerned",
    "data_assets_count": "the number of data assets",
    "country_text": "the country",
    "jurisdiction_text": "the jurisdiction",
}


def generic(text: str) -> str:
    """A check's text with its placeholders in words, for where no finding fills them
    (the rule catalogue, ``auditor explain``, ``auditor rules list``):
    "data at the {component_name} of {system_name}" -> "data at a system's component"."""
    starts_with_placeholder = text.startswith("{")
    text = text.replace("{system}/{component}", "a system's component")
    text = text.replace("the {component_name} of {system_name}", "a system's component")
    text = text.replace("The {component_name} of {system_name}", "A system's component")
    text = text.replace("Critical system {system_name}", "A critical system")
    text = text.replace("Critical system {system}", "A critical system")
    text = text.replace("system {system}", "a system")

    def name(match: re.Match[str]) -> str:
        field = match.group(1)
        if field in _GENERIC:
            return _GENERIC[field]
        for suffix in ("_name", "_text"):
            field = field.removesuffix(suffix)
        return "the " + words(field)

    text = _PLACEHOLDER.sub(name, text)
    return text[:1].upper() + text[1:] if starts_with_placeholder else text


# A title's placeholders as a heading says them for every finding of the check (issue 18).
_TITLE_WORDS = {
    "subject_name": "a system or provider",
    "subject": "a system or provider",
    "objective": "a sovereignty objective",
    "law_name": "a foreign law",
    "country_name": "a country outside the EEA",
    "country_text": "a country outside the EEA",
    "jurisdiction_text": "a foreign jurisdiction",
    "service_name": "a service",
}
# A parenthesis that only fills in one finding's details: "({role_text} in {where})".
_TITLE_DETAIL = re.compile(r" \([^()]*\{[a-z_]+\}[^()]*\)")
# A trailing ": {fact}" naming the one finding's subject.
_TITLE_TAIL = re.compile(r":\s*\{[a-z_]+\}\s*$")


def generic_title(title: str) -> str:
    """A check's title for every finding it raises, without a placeholder: the heading of a
    group of findings, its PDF bookmark, the rule catalogue, ``auditor rules list``.

    "{law_name} can reach data at the {component_name} of {system_name}" -> "A foreign law
    can reach data at a system's component"; "... leaves the area the policy allows
    ({role_text} in {where})" -> "... leaves the area the policy allows".
    """
    text = _TITLE_TAIL.sub("", _TITLE_DETAIL.sub("", " ".join(title.split())))
    starts_with_placeholder = text.startswith("{")
    for field, phrase in _TITLE_WORDS.items():
        text = text.replace("{" + field + "}", phrase)
    text = generic(text)
    return text[:1].upper() + text[1:] if starts_with_placeholder else text


@dataclass(frozen=True)
class TriggerWords:
    """One way a law reaches a party (DESIGN.md 3.2), in each sentence a report writes it.

    One place for the vocabulary, so that the finding, the page-1 summary, the transfer
    impact assessment and the AI-BOM cannot drift apart (issue 17)."""

    party: str  # after a party: "the operator X {party} the United States"
    reach: str  # "No source read confirms that LAW can reach a party through {reach}"
    reason: str  # the TIA's "why the law reaches"
    bom: str  # the AI-BOM's "how", with {} for the country: "incorporated in {}"


# The territorial reach through a place that is one of several (a zone's country, or one a
# worldwide option names): the party may handle the data there, not does (issue 17).
MAY_HANDLE_WORDS = "may handle the data on the territory of"


def trigger_words(trigger: TriggerKind) -> TriggerWords:
    """The phrasings of one trigger kind (a test walks every member)."""
    match trigger:
        case TriggerKind.INCORPORATED:
            return TriggerWords(
                party="is incorporated in or controlled from",
                reach="its incorporation in the country",
                reason="the party is incorporated in the country",
                bom="incorporated in {}",
            )
        case TriggerKind.CONTROL:
            return TriggerWords(
                party="is controlled from",
                reach="a parent in the country that controls it",
                reason="a company controlling the party is incorporated there",
                bom="controlled from {}",
            )
        case TriggerKind.PRESENCE:
            return TriggerWords(
                party="does business in",
                reach="its presence (a subsidiary, office or operations) in the country",
                reason="the party does business there (contested reach)",
                bom="does business in {}: a contested reach",
            )
        case TriggerKind.TERRITORIAL:
            return TriggerWords(
                party="handles the data on the territory of",
                reach="a place in the country where the data is kept or handled",
                reason="the data is stored, processed, administered or supported there",
                bom="the data is in {}",
            )
        case _:
            assert_never(trigger)


def scope_words(scope: ProcessingScope) -> str:
    """Where a deployment option handles data, after "processed" or "processing": "in the
    region", "anywhere the vendor operates" (a test walks every member)."""
    match scope:
        case ProcessingScope.REGION:
            return "in the region"
        case ProcessingScope.GEOGRAPHY:
            return "in the region's geography"
        case ProcessingScope.DATA_ZONE:
            return "anywhere in the vendor's data zone"
        case ProcessingScope.GLOBAL:
            return "anywhere the vendor operates"
        case ProcessingScope.FIXED:
            return "at a fixed place"
        case _:
            assert_never(scope)


def trigger_words_of(code: str) -> TriggerWords:
    """The phrasings of a trigger code as results carry it; a code no member has (a result
    written by another version) reads as its words everywhere."""
    try:
        return trigger_words(TriggerKind(code))
    except ValueError:
        shown = words(code)
        return TriggerWords(party=shown, reach=shown, reason=shown, bom=f"{shown} ({{}})")


def transfer_tools_words(
    tools: Sequence[str], exporter: str, importer: str, exporter_name: str
) -> list[str]:
    """A transfer's tools in words. A provider that exports to itself (seated in the EEA,
    handling the data outside it) transfers onward under its own tools, which the inventory
    does not record; the organisation's tools with it cover none of that (GDPR Art. 44)."""
    if tools:
        return [words(tool) for tool in tools]
    if exporter == importer:
        return [
            f"none recorded for {exporter_name}'s onward transfer (the organisation's own "
            "tools with it do not cover that transfer)"
        ]
    return []
