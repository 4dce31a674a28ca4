"""Issue 18: what a person reads has no unfilled placeholder and no raw snake_case code.

Every output a person reads, for all four examples: HTML (its visible text, outside
``<code>``), PDF text, Markdown, the terminal summary; and ``auditor explain`` of every
check and ``auditor rules list``. Codes are the model's closed vocabularies written with
an underscore (``no_valid_tool``, ``lapsed_operative``, ``provider_managed``,
``model_provider``, evidence-gap kinds ...); the JSON and SARIF keep them.
"""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pypdf
import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.model.words import RAW_CODES, code_tokens, country_in_sentence, generic_title
from auditor.rules.load import load_rules
from tests.conftest import ROOT

EXAMPLES = ("hospital", "bank", "ministry", "startup-saas")
CHECKS = sorted(p.stem for p in (ROOT / "rules" / "checks").glob("*.yaml"))
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_HIDDEN = re.compile(r"<(script|style|svg|code)\b.*?</\1>", re.S)


# Codes without an underscore that read like words but are codes where they stand:
# a party's role or a law's trigger in parentheses after a name ("Microsoft Corporation
# (hosting)", "(territorial)"), transfer tools ("dpf, sccs"), a parenthesised list of
# access kinds ("(metadata, processing, secrecy)"), the "global" place and the scope of an
# adequacy decision ("(dpf certified)", "(full)").
_ACCESS = r"(?:stored|processing|transit|metadata|compelled assistance|secrecy)"
_WORD_CODES = (
    re.compile(
        r"\((?:hosting|operator|model provider|subprocessor|support"
        r"|territorial|incorporated|presence|control)\)"
    ),
    re.compile(r"(?<![\w./-])(?:dpf|sccs|bcrs)(?![\w/-])"),
    re.compile(rf"\({_ACCESS}(?:, {_ACCESS})+\)"),
    re.compile(r"\(global\)"),
    re.compile(r"\((?:full|commercial|partial|dpf certified)\)"),
)


def problems(text: str) -> list[str]:
    """Unfilled placeholders, raw codes and empty subjects ("entity ;") in a text."""
    found = _PLACEHOLDER.findall(text) + code_tokens(text)
    found += re.findall(r"\b(?:entity|component|system) ;", text)
    # A name ending in a full stop, then the sentence's own: "Banque de l'Alzette S.A.. It"
    found += re.findall(r"\w\.\.(?!\.)\s", text)
    for pattern in _WORD_CODES:
        found += pattern.findall(text)
    return sorted(set(found))


def visible(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", _HIDDEN.sub(" ", page)))


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext"):
        out = subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True
        )
        return out.stdout.decode("utf-8")
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return "\n".join(page.extract_text() for page in reader.pages)


def bookmarks(path: Path) -> list[str]:
    """Every title in the PDF's outline (its bookmarks), depth first."""
    titles: list[str] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(str(item.title))

    walk(pypdf.PdfReader(io.BytesIO(path.read_bytes())).outline)
    return titles


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """Each example's HTML, PDF text, Markdown and terminal text, through the CLI."""
    folder = tmp_path_factory.mktemp("plain")
    texts: dict[str, dict[str, str]] = {}
    for name in EXAMPLES:
        page, pdf, md = folder / f"{name}.html", folder / f"{name}.pdf", folder / f"{name}.md"
        args = ["audit", str(ROOT / "examples" / name), "--today", "2026-11-28"]
        terminal = CliRunner().invoke(cli, args)
        assert terminal.exit_code in (0, 1), terminal.output
        written = CliRunner().invoke(
            cli, [*args, "--html", str(page), "--pdf", str(pdf), "--markdown", str(md)]
        )
        assert written.exit_code in (0, 1), written.output
        raw = page.read_text(encoding="utf-8")
        texts[name] = {
            "html": visible(raw),
            "pdf": pdf_text(pdf),
            # Not checked by the test over every text: the headings and bookmarks tests read them.
            "raw-html": raw,
            "bookmarks": "\n".join(bookmarks(pdf)),
            # Markdown escapes underscores; inline code spans are ids, like <code> in HTML.
            "markdown": re.sub(r"`[^`]*`", " ", md.read_text(encoding="utf-8")).replace("\\_", "_"),
            "terminal": terminal.output,
        }
    return texts


@pytest.mark.parametrize("kind", ["html", "pdf", "markdown", "terminal"])
@pytest.mark.parametrize("example", EXAMPLES)
def test_reports_have_no_placeholder_or_raw_code(
    outputs: dict[str, dict[str, str]], example: str, kind: str
) -> None:
    assert problems(outputs[example][kind]) == []


@pytest.mark.parametrize("example", EXAMPLES)
def test_finding_headings_and_bookmarks_name_the_rule_in_words(
    outputs: dict[str, dict[str, str]], example: str
) -> None:
    """Issue 18: a group of findings is headed by its rule's title in words, the id only in
    small print (a ``code`` element); the PDF bookmark is the title alone."""
    titles = {rule.id: generic_title(rule.title) for rule in load_rules()}
    page = outputs[example]["raw-html"]
    headings = re.findall(r'<h4 class="(?:group|rule)-title"[^>]*>(.*?)</h4>', page, re.S)
    for heading in headings:
        rule_id = re.findall(r'<code class="rule-id">([^<]+)</code>', heading)
        assert len(rule_id) == 1, heading
        words = visible(heading)
        assert words.startswith(titles[rule_id[0]]), heading
        assert not any(ident in words for ident in titles), heading
        assert problems(words) == [], heading
    marks = outputs[example]["bookmarks"].splitlines()
    assert problems("\n".join(marks)) == []
    assert not [m for m in marks if any(ident in m for ident in titles)]
    rule_marks = [m for m in marks if m in titles.values()]
    if headings:
        assert rule_marks, marks


@pytest.mark.parametrize("example", EXAMPLES)
def test_scored_providers_are_named_not_given_by_id(
    outputs: dict[str, dict[str, str]], example: str
) -> None:
    """Issue 18: "Raise the sovereignty level of azure-openai", "owner of the azure-openai
    relationship", "azure-openai is below the policy's minimum": the vendor's display name
    (from the catalogue) is what a reader meets, in every output."""
    result = CliRunner().invoke(
        cli, ["audit", str(ROOT / "examples" / example), "--today", "2026-11-28", "--json", "-"]
    )
    cards = [
        card
        for card in json.loads(result.output)["scores"]
        if card["kind"] == "provider" and card["name"] != card["subject"]
    ]
    if example != "startup-saas":
        assert cards  # the examples score catalogue vendors
    for kind in ("html", "pdf", "markdown", "terminal"):
        text = " ".join(outputs[example][kind].split())
        for card in cards:
            ident = card["subject"]
            for said in (
                f"sovereignty level of {ident}",
                f"owner of the {ident} relationship",
                f"{ident} is below",
                f"{ident} cannot be shown",
                f" of {ident}:",  # "deployment GlobalStandard of azure-openai: may be ..."
            ):
                assert said not in text, (kind, said)
    page = " ".join(outputs[example]["html"].split())
    for card in cards:
        assert card["name"] in page


@pytest.mark.parametrize("check", CHECKS)
def test_explain_writes_every_check_in_words(check: str) -> None:
    result = CliRunner().invoke(cli, ["explain", check])
    assert result.exit_code == 0, result.output
    assert problems(result.output) == []


def test_rules_list_writes_titles_in_words() -> None:
    result = CliRunner().invoke(cli, ["rules", "list"])
    assert result.exit_code == 0
    assert len(result.output.splitlines()) == len(CHECKS)
    assert problems(result.output) == []


def test_the_detector_finds_what_the_issue_reported() -> None:
    # The codes and fragments issue 18 found in the reports are all caught.
    for code in ("no_valid_tool", "lapsed_operative", "provider_managed", "model_provider"):
        assert code in RAW_CODES
        assert problems(f"the tool is {code} here") == [code]
    assert problems("US CLOUD Act reaches data at {data_asset}") == ["{data_asset}"]
    assert problems("subject: entity ; kind gap") == ["entity ;"]
    # And those that read like words (issue 18, second pass).
    assert problems("Microsoft Corporation (hosting) can be compelled") == ["(hosting)"]
    assert problems("reach (territorial) of the law") == ["(territorial)"]
    assert problems("tools recorded: dpf, sccs.") == ["dpf", "sccs"]
    assert problems("can obtain this data (metadata, processing, secrecy)") == [
        "(metadata, processing, secrecy)"
    ]
    assert problems("data goes to anywhere (global)") == ["(global)"]
    assert problems("Decision 2023/1795 of 2023-07-10 (dpf certified)") == [
        "(dpf certified)",
        "dpf",
    ]
    assert (
        problems("the hosting provider Microsoft Corporation; standard contractual clauses") == []
    )
    # A code inside a path, a dotted key or an id is not prose.
    assert problems("examples/no_valid_tool.yaml user.provider_managed.x") == []


# Issue 18, names pass: components, data assets, facts, vendors and countries by name.
_SMALL_PRINT = re.compile(r"<(small|code)\b.*?</\1>", re.S)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Each example's JSON result and its SARIF, GitLab and JUnit files, through the CLI."""
    folder = tmp_path_factory.mktemp("machine")
    found: dict[str, dict[str, Any]] = {}
    for name in EXAMPLES:
        sarif, gitlab, junit = (folder / f"{name}.{ext}" for ext in ("sarif", "gl.json", "xml"))
        args = ["audit", str(ROOT / "examples" / name), "--today", "2026-11-28"]
        files = ["--sarif", str(sarif), "--gitlab-sast", str(gitlab), "--junit", str(junit)]
        written = CliRunner().invoke(cli, [*args, "--json", "-", *files])
        assert written.exit_code in (0, 1), written.output
        found[name] = {
            "json": json.loads(written.output),
            "sarif": sarif.read_text(encoding="utf-8"),
            "gitlab": gitlab.read_text(encoding="utf-8"),
            "junit": html.unescape(junit.read_text(encoding="utf-8")),
        }
    return found


def _keys(result: dict[str, Any]) -> set[str]:
    return {f"{row['system']}/{row['component']}" for row in result["inventory_register"]}


@pytest.mark.parametrize("example", EXAMPLES)
def test_components_are_named_not_given_by_id(
    outputs: dict[str, dict[str, str]], results: dict[str, dict[str, Any]], example: str
) -> None:
    """Scorecard reasons ("bank-advisor/llm: support location unknown") and evidence steps
    ("flow a/app -> a/llm", "held at a/db", "a/llm (model_api, ...)") name a component "the
    <component name> of <system name>"; its id stays only in small print (``<small>``,
    ``<code>``) and in the JSON."""
    result = results[example]["json"]
    keys = _keys(result)
    page = " ".join(visible(_SMALL_PRINT.sub(" ", outputs[example]["raw-html"])).split())
    terminal = outputs[example]["terminal"]
    for key in keys:
        assert key not in page, key
        assert key not in terminal, key
        for kind in ("pdf", "markdown"):
            text = " ".join(outputs[example][kind].split())
            for said in (f"{key}:", f"{key} ->", f"-> {key}", f"held at {key}"):
                assert said not in text, (kind, said)
        # An evidence step starts with the component (the PDF's tables interleave columns).
        assert f"{key} (" not in " ".join(outputs[example]["markdown"].split()), key
    # The words stand where the ids stood: each scored system's reasons are in the page.
    for card in result["scores"]:
        for objective in card["objectives"]:
            if not objective["reasons_named"]:  # reasons about the inventory, not a component
                continue
            for named, reason in zip(objective["reasons_named"], objective["reasons"], strict=True):
                assert named.startswith("the ") or named[0].isdigit(), named
                assert reason.split(": ", 1)[1] == named.split(": ", 1)[1] or named[0].isdigit()
    names = [
        line
        for card in result["scores"]
        if card["kind"] == "system"
        for o in card["objectives"]
        for line in o["reasons_named"]
    ]
    shown = " ".join(outputs[example]["html"].split())
    assert names
    assert all(" ".join(line.split()) in shown for line in names)
    # The JSON keeps the ids for machines.
    assert any(
        reason.split(": ", 1)[0] in keys
        for card in result["scores"]
        for o in card["objectives"]
        for reason in o["reasons"]
    )


@pytest.mark.parametrize("example", EXAMPLES)
def test_data_affected_names_the_data(results: dict[str, dict[str, Any]], example: str) -> None:
    """Finding texts and the SARIF, GitLab and JUnit "Data affected" give a data asset's
    display name, not its id."""
    result = results[example]["json"]
    renamed = {
        a["id"]: a["name"]
        for f in result["findings"]
        for a in f["data_assets"]
        if a["name"] != a["id"]
    }
    assert renamed
    texts = {
        "sarif": re.findall(r"Data affected: ([^\"]*)", results[example]["sarif"]),
        "gitlab": re.findall(r"Data affected\.\*\* ([^\"]*)", results[example]["gitlab"]),
        "junit": re.findall(r"Data: (.*)", results[example]["junit"]),
        "condition": [f["condition"] for f in result["findings"]],
    }
    for kind, found in texts.items():
        assert found, kind
        said = " ".join(found)
        assert any(name in said for name in renamed.values()), kind
        for ident in renamed:
            assert not re.search(rf"(?<![\w/-]){re.escape(ident)}(?![\w/-])", said), (kind, ident)


def test_kb_facts_are_named_in_words(results: dict[str, dict[str, Any]]) -> None:
    """ "law us-fisa-702", "entity microsoft-ireland-operations": a kb-fact finding names the
    fact by display names; its subject keeps the id."""
    checked = 0
    for example in EXAMPLES:
        for finding in results[example]["json"]["findings"]:
            if not finding["rule_id"].startswith("kb-fact-"):
                continue
            checked += 1
            subject = finding["subject"]["fact"]
            assert subject.split(" ")[0] in {
                "law",
                "entity",
                "vendor",
                "jurisdiction",
                "adequacy",
                "region",
                "regions",
                "zone",
                "transfer",
            }
            for text in (finding["title"], finding["condition"]):
                assert subject not in text, text
                assert not re.search(r"\b(?:law|entity|vendor) [a-z0-9]+(?:-[a-z0-9]+)+\b", text), (
                    text
                )
    assert checked


def test_vendor_show_says_how_a_law_reaches_in_words() -> None:
    result = CliRunner().invoke(cli, ["vendor", "show", "azure-openai"])
    assert result.exit_code == 0, result.output
    assert "via hosting" not in result.output and "via operator" not in result.output
    assert "the hosting provider Microsoft Corporation is incorporated in the United States" in (
        result.output
    )
    assert "in_force" not in result.output and "lapsed_operative" not in result.output
    assert "\n  entity microsoft-" not in result.output
    assert "the entity Microsoft Ireland Operations Limited (" in result.output
    assert problems(result.output.split("Facts and their sources:")[0]) == []


def test_vendor_show_says_a_head_office_is_not_an_incorporation() -> None:
    # The incorporation trigger fires on either seat. Alibaba Group Holding Limited is a
    # Cayman Islands company whose head office its Form 20-F/A puts in Hong Kong: the sheet
    # must not call it incorporated there.
    result = CliRunner().invoke(cli, ["vendor", "show", "alibaba-model-studio"])
    assert result.exit_code == 0, result.output
    laws = result.output.split("Laws that can reach data", 1)[1].split("\n\n", 1)[0]
    assert "Alibaba Group Holding Limited is incorporated in Hong Kong" not in laws
    assert (
        "the model provider Alibaba Group Holding Limited has its head office in Hong Kong "
        "(incorporated in the Cayman Islands)"
    ) in laws


def test_compare_names_the_operator_without_the_vendor_id() -> None:
    result = CliRunner().invoke(
        cli, ["compare", str(ROOT / "examples" / "procurement" / "options.yaml")]
    )
    assert result.exit_code in (0, 1), result.output
    assert "through the operator OVH SAS (FR);" in result.output
    assert not re.search(r"\((?:catalogue )?vendor [a-z0-9-]+\)", result.output)


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("United States", "the United States"),
        ("United Kingdom", "the United Kingdom"),
        ("United Arab Emirates", "the United Arab Emirates"),
        ("Netherlands", "the Netherlands"),
        ("Philippines", "the Philippines"),
        ("Czech Republic", "the Czech Republic"),
        ("Cayman Islands", "the Cayman Islands"),
        ("Republic of Korea", "the Republic of Korea"),
        ("Isle of Man", "the Isle of Man"),
        ("France", "France"),
        ("Czechia", "Czechia"),
        ("North Korea", "North Korea"),
        ("the Bahamas", "the Bahamas"),
    ],
)
def test_country_names_take_their_article_in_sentences(name: str, said: str) -> None:
    assert country_in_sentence(name) == said


_BARE = re.compile(
    r"\b(?:for|of|in|to|from) (?:United States|United Kingdom|Netherlands|United Arab Emirates"
    r"|Philippines|Czech Republic|Cayman Islands|Isle of Man)\b"
)


@pytest.mark.parametrize("example", EXAMPLES)
def test_sentences_give_countries_their_article(
    outputs: dict[str, dict[str, str]], example: str
) -> None:
    """ "The adequacy decision for United States", "Authorities of United States", "does
    business in United Kingdom": in a sentence a country takes its article."""
    for kind in ("html", "pdf", "markdown", "terminal"):
        text = " ".join(outputs[example][kind].split())
        assert _BARE.findall(text) == [], kind


@pytest.mark.parametrize("example", EXAMPLES)
def test_reports_never_give_memory_as_a_source_and_count_facts_in_good_grammar(
    outputs: dict[str, dict[str, str]], example: str
) -> None:
    """No report offers "memory" as where a fact came from, and a secondary source is never
    called unconfirmed: the limitations say which is which, with the right number."""
    text = outputs[example]["html"]
    assert "memory" not in text.lower()
    assert (
        "1 knowledge-base facts" not in text and "1 of" not in text.split("findings rest")[0][-8:]
    )
    for count in re.findall(r"(\d+) knowledge-base facts? used could not be confirmed", text):
        noun = "fact" if count == "1" else "facts"
        assert f"{count} knowledge-base {noun} used could not be confirmed" in text


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_plan_names_the_facts_to_check_again(
    outputs: dict[str, dict[str, str]], example: str
) -> None:
    """ "Have the knowledge base's facts on law US CLOUD Act checked again", not on "law
    us-cloud-act": the plan's decisions name a fact's law, entity or vendor by its name."""
    for kind in ("html", "pdf"):
        text = " ".join(outputs[example][kind].split())
        for decision in re.findall(r"facts on (.{0,60}?) checked again", text):
            assert not re.fullmatch(r"(?:law|entity|vendor) [a-z0-9]+(?:-[a-z0-9]+)*", decision), (
                kind,
                decision,
            )


def test_a_zone_country_is_where_the_data_may_be_not_where_it_is(
    outputs: dict[str, dict[str, str]],
) -> None:
    # Mistral's EU endpoint may process in any of its EU/EFTA data centres, Switzerland among
    # them: page 1 says the operator may handle the data there, not that it does.
    page = outputs["hospital"]["html"]
    assert "Mistral AI SAS may handle the data on the territory of Switzerland" in page
    assert "the data may be stored or processed in Switzerland" in page
    assert "Mistral AI SAS handles the data on the territory of Switzerland" not in page
    assert "the data is stored or processed in Switzerland" not in page


def test_vendor_show_says_a_named_place_of_worldwide_inference_is_a_may() -> None:
    # Model Studio's Global mode infers worldwide, mainland China named among its places: the
    # PRC laws reach the operator through that place, as a place it may handle the data in.
    result = CliRunner().invoke(cli, ["vendor", "show", "alibaba-model-studio"])
    assert result.exit_code == 0, result.output
    laws = result.output.split("Laws that can reach data", 1)[1].split("\n\n", 1)[0]
    assert (
        "PRC National Intelligence Law (in force): the operator Alibaba (Netherlands) B.V. "
        "may handle the data on the territory of China"
    ) in laws
    assert "handles the data on the territory of China" not in laws
