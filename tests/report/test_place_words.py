"""Reports name places and subjects in words first, codes after ("Dublin, Ireland (Amazon Web
Services eu-west-1)", not "aws:eu-west-1 (IE, Dublin)"); the JSON keeps its ids. Each test
audits a small inventory through the CLI and reads what a person reads."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from auditor.cli import cli
from auditor.model.kb import ProcessingScope
from auditor.model.words import region_words, scope_words

ORG = {"name": "Acme GmbH", "country": "DE", "entity": "acme"}
INVENTORY: dict[str, Any] = {
    "organisation": ORG,
    "entities": [{"id": "acme", "name": "Acme GmbH", "country": "DE", "parents": []}],
    "data": [{"id": "crm", "name": "CRM contacts", "categories": ["user.contact.email"]}],
    "systems": [
        {
            "id": "bot",
            "name": "Customer bot",
            "purpose": "Answers customers",
            "components": [
                {"id": "app", "kind": "application", "operator": "acme", "country": "DE"},
                {
                    "id": "llm",
                    "kind": "model_api",
                    "vendor": "aws-bedrock",
                    "deployment": "in-region",
                    "region": "aws:eu-west-1",
                },
                {
                    "id": "index",
                    "kind": "vector_store",
                    "vendor": "aws",
                    "region": "aws:me-central-1",
                },
            ],
            "flows": [
                {"from": "app", "to": "llm", "data": ["crm"]},
                {"from": "app", "to": "index", "data": ["crm"]},
            ],
        }
    ],
}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("place-words")
    path = folder / "inventory.yaml"
    path.write_text(yaml.safe_dump(INVENTORY, sort_keys=False), encoding="utf-8")
    files = {kind: folder / f"report.{kind}" for kind in ("html", "md", "json")}
    result = CliRunner().invoke(
        cli,
        [
            "audit",
            str(path),
            "--no-config",
            "--quiet",
            "--today",
            "2026-12-04",
            "--fail-on",
            "never",
            "--html",
            str(files["html"]),
            "--markdown",
            str(files["md"]),
            "--json",
            str(files["json"]),
        ],
    )
    assert result.exit_code == 0, result.output
    text = {kind: file.read_text(encoding="utf-8") for kind, file in files.items()}
    # The HTML as a person reads it: no tags, entities resolved, one space between words.
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", text["html"], flags=re.S)
    text["page"] = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    return text


def test_a_region_reads_city_and_country_before_the_provider_code(
    outputs: dict[str, str],
) -> None:
    page = outputs["page"]
    assert "Dublin, Ireland (Amazon Web Services eu-west-1)" in page
    assert page.index("Dublin, Ireland") < page.index("eu-west-1")
    # The inventory's own value is quoted only as the reason, after the words.
    assert "aws:eu-west-1 (" not in page
    assert "(IE, Dublin)" not in page


def test_a_region_without_a_city_reads_its_country_first(outputs: dict[str, str]) -> None:
    # The catalogue names no city for me-central-1.
    assert "United Arab Emirates (Amazon Web Services me-central-1)" in outputs["page"]
    assert "aws:me-central-1 (" not in outputs["page"]
    assert "(AE, " not in outputs["page"]


def test_the_json_keeps_its_ids_and_gives_the_words_in_its_text_fields(
    outputs: dict[str, str],
) -> None:
    result = json.loads(outputs["json"])
    rows = {row["component"]: row for row in result["inventory_register"]}
    assert rows["llm"]["processing"] == "Dublin, Ireland (Amazon Web Services eu-west-1)"
    assert rows["app"]["processing"] == "Germany"  # a country code in the inventory
    transfers = [t for t in result["transfers"] if t["component"] == "index"]
    assert transfers and {t["country"] for t in transfers} == {"AE"}  # ids stay codes
    for finding in result["findings"]:
        assert finding["subject"].get("component") in (None, "app", "llm", "index")


def test_markdown_top_exposures_name_things_first_and_ids_last(outputs: dict[str, str]) -> None:
    section = outputs["md"].split("### Top exposures", 1)[1].split("###", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("- ")]
    assert lines
    for line in lines:
        assert line.startswith("- **Customer bot, ")
        assert "CRM contacts" in line  # the data, by name
        assert re.search(r" · inventory `bot/(llm|index)`$", line)
        assert "(bot/" not in line


def test_region_words_say_what_is_unknown() -> None:
    assert region_words("eu-west-1", "Amazon Web Services", "Dublin", "Ireland") == (
        "Dublin, Ireland (Amazon Web Services eu-west-1)"
    )
    assert region_words("eu-west-1", "Amazon Web Services", None, "Ireland") == (
        "Ireland (Amazon Web Services eu-west-1)"
    )
    assert region_words("xx-west-9", "Amazon Web Services") == (
        "country unknown (Amazon Web Services xx-west-9)"
    )
    assert region_words("eu-west-2", None, "London", "United Kingdom") == (
        "London, United Kingdom (eu-west-2)"
    )


def test_every_processing_scope_has_its_own_words() -> None:
    texts = [scope_words(scope) for scope in ProcessingScope]
    assert len(set(texts)) == len(texts)
    for scope, text in zip(ProcessingScope, texts, strict=True):
        assert text.split()[0] in ("in", "anywhere", "at"), text  # reads after "processing"
        assert "_" not in text and text != scope.value


def test_the_vendor_sheet_says_where_an_option_keeps_data_in_words() -> None:
    result = CliRunner().invoke(cli, ["vendor", "show", "aws-bedrock"])
    assert result.exit_code == 0, result.output
    assert "in-region: processing in the region, storage in the region" in result.output
    # A zone of the catalogue by its name, not the bare scope code.
    assert "eu: processing anywhere in Amazon Bedrock 'eu.' geographic inference profiles" in (
        result.output
    )
    assert "processing data zone" not in result.output
    result = CliRunner().invoke(cli, ["vendor", "show", "mistral-ai"])
    assert result.exit_code == 0, result.output
    assert "us: processing in the United States, storage in the United States" in result.output
