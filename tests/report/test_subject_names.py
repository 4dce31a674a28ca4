"""Findings name their subjects the way people know them (issue 17): display names first,
ids in small print; countries by name in the texts, never by code."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _audit(tmp_path: Path, example: str) -> tuple[dict[str, object], str]:
    out, page = tmp_path / "result.json", tmp_path / "report.html"
    args = ["audit", str(EXAMPLES / example), "--no-config", "--fail-on", "never", "--quiet"]
    args += ["--today", "2026-11-28", "--json", str(out), "--html", str(page)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text(encoding="utf-8")), page.read_text(encoding="utf-8")


def _by_rule(result: dict[str, object], rule: str) -> list[dict[str, object]]:
    findings = result["findings"]
    assert isinstance(findings, list)
    return [f for f in findings if f["rule_id"] == rule]


def test_an_entity_a_country_and_an_importer_are_named_before_their_ids(tmp_path: Path) -> None:
    result, page = _audit(tmp_path, "bank")
    [china] = _by_rule(result, "gdpr-transfer-without-valid-tool")
    assert china["subject_names"]["country"] == "China"
    assert china["subject_names"]["importer"].startswith("Hangzhou DeepSeek")
    # In the report's small print the name comes first, the id after it in code type.
    assert re.search(r'<span class="k">country</span> China <small><code>CN</code>', page)
    # The ministry's hosting company has an ownership gap: its entity is named, then its id.
    result, page = _audit(tmp_path, "ministry")
    owner = next(
        f
        for f in _by_rule(result, "evidence-gap-ownership")
        if f["subject"]["entity"] == "numeria-services-sas"  # type: ignore[index]
    )
    assert owner["subject_names"]["entity"] == "Numeria Services SAS"
    assert re.search(
        r'<span class="k">entity</span> Numeria Services SAS <small><code>numeria-services-sas</code>',
        page,
    )
    assert '<span class="k">entity</span> numeria-services-sas' not in page


def test_a_stale_fact_is_named_by_what_it_is_about(tmp_path: Path) -> None:
    result, page = _audit(tmp_path, "startup-saas")
    [stale] = [f for f in _by_rule(result, "kb-fact-stale") if "alphabet" in str(f["subject"])]
    assert stale["subject"]["fact"] == "entity alphabet-inc"
    assert (
        '<span class="k">fact</span> entity Alphabet Inc. <small><code>entity alphabet-inc' in page
    )


def test_texts_name_countries_not_codes(tmp_path: Path) -> None:
    result, _ = _audit(tmp_path, "startup-saas")
    texts = [f["condition"] for f in result["findings"]]  # type: ignore[union-attr]
    assert any("controlled from the United States" in t for t in texts)
    assert any("delivered from the United States" in t for t in texts)
    assert not [t for t in texts if re.search(r"\b(from|in) (US|CN|GB|CH)\b", t)]


def _register_cells(page: str) -> list[str]:
    """The text of every cell of Appendix A (the inventory register), tags dropped."""
    start = page.index('id="register-systems"')
    section = page[start : page.index("</section>", start)]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", section, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", " ", c)) for c in cells]


def test_the_register_names_data_and_components_before_their_ids(tmp_path: Path) -> None:
    _, page = _audit(tmp_path, "ministry")
    row = re.search(r'<tr id="system-courrier-assistant">(.*?)</tr>', page, re.S)
    assert row
    data_cell = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)[4]
    assert "Letters and e-mails from citizens" in html.unescape(data_cell)
    assert "courriers-usagers" not in data_cell  # the id is in the JSON, not this column
    # A.2: the component's name, the system's name, then the ids in code type
    assert (
        "<td><strong>Drafting service (retrieval of the letter, prompt assembly)</strong><br>"
        "of Assistant de réponse aux courriers des usagers<br>"
        "<code>courrier-assistant/app</code></td>"
    ) in page
    # No cell reads "a (b (c))": a place with its own parenthesis stands after a comma.
    cells = _register_cells(page)
    assert [c for c in cells if re.search(r"\([^()]*\(", c)] == []
    assert any(
        "keys managed by the provider, held in Paris, France (Scaleway fr-par)" in c for c in cells
    )


def test_graph_hover_texts_name_the_node_before_its_id(tmp_path: Path) -> None:
    _, page = _audit(tmp_path, "ministry")
    titles = re.findall(r"<g><title>([^<]*)</title>", page)
    assert titles
    data = [html.unescape(t) for t in titles if "id data:" in t]
    assert "Letters and e-mails from citizens · id data:courriers-usagers · declared at " in (
        " ".join(data)
    )
    assert not any(t.startswith(("data:", "entity:", "country:", "law:")) for t in titles)
