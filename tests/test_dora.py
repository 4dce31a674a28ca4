"""The DORA register of information: template definitions, LEIs, and `auditor dora` end to end."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from auditor.audit import AuditOptions, run_audit
from auditor.cli import main
from auditor.kb import load_knowledge_base
from auditor.model.common import lei_problem
from auditor.model.dora import DoraCatalogue
from auditor.model.words import code_tokens
from auditor.report.html import render_html
from tests.conftest import EXAMPLES, TODAY

# The published layout, transcribed here independently of rules/dora/templates.yaml so a
# slip in either shows: the EBA annotated table layout for DORA 4.0
# (https://www.eba.europa.eu/sites/default/files/2024-12/7ae0363a-ad3d-42d9-a192-34711416c039/
# annotated_templates.zip), i.e. Annex I of Implementing Regulation (EU) 2024/2956 as the
# EBA's plain-CSV format codes it. Column code -> first words of the column's name.
PUBLISHED_COLUMNS = {
    "B_02.02": {
        "c0010": "Contractual arrangement reference number",
        "c0020": "LEI of the entity making use",
        "c0030": "Identification code of the ICT third-party service provider",
        "c0040": "Type of code to identify",
        "c0050": "Function identifier",
        "c0060": "Type of ICT services",
        "c0070": "Start date",
        "c0080": "End date",
        "c0090": "Reason of the termination",
        "c0100": "Notice period for the financial entity",
        "c0110": "Notice period for the ICT third-party service provider",
        "c0120": "Country of the governing law",
        "c0130": "Country of provision",
        "c0140": "Storage of data",
        "c0150": "Location of the data at rest",
        "c0160": "Location of management of the data",
        "c0170": "Sensitiveness of the data stored",
        "c0180": "Level of reliance",
    },
    "B_05.01": {
        "c0010": "Identification code of ICT third-party service provider",
        "c0020": "Type of code to identify",
        "c0030": "Additional identification code",
        "c0040": "Type of additional identification code",
        "c0050": "Legal name",
        "c0060": "Name of the ICT third-party service provider in Latin alphabet",
        "c0070": "Type of person",
        "c0080": "Country of the ICT third-party service provider’s headquarters",
        "c0090": "Currency",
        "c0100": "Total annual expense",
        "c0110": "Identification code of the ICT third-party service provider’s ultimate parent",
        "c0120": "Type of code to identify the ICT third-party service provider’s ultimate parent",
    },
    "B_05.02": {
        "c0010": "Contractual arrangement reference number",
        "c0020": "Type of ICT services",
        "c0030": "Identification code of the ICT third-party service provider",
        "c0040": "Type of code to identify",
        "c0050": "Rank",
        "c0060": "Identification code of the recipient of sub-contracted ICT services",
        "c0070": "Type of code to identify the recipient",
    },
    "B_07.01": {
        "c0010": "Contractual arrangement reference number",
        "c0020": "Identification code of the ICT third-party service provider",
        "c0030": "Type of code to identify",
        "c0040": "Type of ICT services",
        "c0050": "Substitutability",
        "c0060": "Reason if the ICT third-party service provider is considered not substitutable",
        "c0070": "Date of the last audit",
        "c0080": "Existence of an exit plan",
        "c0090": "Possibility of reintegration",
        "c0100": "Impact of discontinuing the ICT services",
        "c0110": "Are there alternative ICT third-party service providers identified?",
        "c0120": "Identification of alternative ICT TPP",
    },
}

# The EBA codes of the closed lists the auditor writes or names, from the EBA list of
# possible values (3 March 2025) and validation rules (20 March 2025): v8817_m allows a
# legal person only eba_qCO:qx2000 (LEI) or eba_qCO:qx2002 (EUID).
PUBLISHED_VALUES = {
    "identification_code_type": {"eba_qCO:qx2000", "eba_qCO:qx2002"},
    "type_of_person": {"eba_CT:x212", "eba_CT:x213"},
    "yes_no": {"eba_BT:x28", "eba_BT:x29"},
    "ict_service_type": {f"eba_TA:S{n:02d}" for n in range(1, 20)},
    "data_sensitiveness": {"eba_ZZ:x791", "eba_ZZ:x792", "eba_ZZ:x793"},
    "substitutability": {"eba_ZZ:x959", "eba_ZZ:x960", "eba_ZZ:x961", "eba_ZZ:x962"},
    "reason_not_substitutable": {"eba_ZZ:x963", "eba_ZZ:x964", "eba_ZZ:x965"},
    "reintegration": {"eba_ZZ:x798", "eba_ZZ:x966", "eba_ZZ:x967"},
    "discontinuing_impact": {"eba_ZZ:x791", "eba_ZZ:x792", "eba_ZZ:x793", "eba_ZZ:x799"},
    "country": {"eba_GA:qx2007"},
}

ITS = "http://data.europa.eu/eli/reg_impl/2024/2956/oj"


def _lei(prefix: str) -> str:
    """A well-formed test LEI: 18 characters and the two ISO 7064 MOD 97-10 check digits."""
    number = int("".join(str(int(char, 36)) for char in prefix + "00"))
    return f"{prefix}{98 - number % 97:02d}"


@pytest.fixture(scope="module")
def catalogue() -> DoraCatalogue:
    dora = load_knowledge_base().kb.dora
    assert dora is not None
    return dora


def _read_csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _run(*args: str) -> tuple[int, str]:
    """Run the command line through its error boundary: (exit code, stdout and stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return code, out.getvalue() + err.getvalue()


# -- the template definitions -------------------------------------------------------------


def test_recorded_templates_have_the_published_column_codes(catalogue: DoraCatalogue) -> None:
    assert {t.code for t in catalogue.templates} == set(PUBLISHED_COLUMNS)
    for template in catalogue.templates:
        published = PUBLISHED_COLUMNS[template.code]
        assert [c.code for c in template.columns] == list(published), template.code
        for column in template.columns:
            assert column.label.startswith(published[column.code]), (template.code, column.code)


def test_recorded_value_lists_have_the_published_codes(catalogue: DoraCatalogue) -> None:
    for ident, codes in PUBLISHED_VALUES.items():
        assert {v.code for v in catalogue.value_list(ident).values} == codes, ident
    assert catalogue.value_list("country").prefix == "eba_GA:"
    # Columns name their list: the codes people see in a filing belong to that list.
    b0501 = catalogue.template("B_05.01")
    assert b0501.column("c0020").values == "identification_code_type"
    assert b0501.column("c0070").values == "type_of_person"
    assert b0501.column("c0080").values == "country"
    assert catalogue.template("B_07.01").column("c0050").values == "substitutability"


def test_every_definition_cites_the_regulation_or_the_eba(catalogue: DoraCatalogue) -> None:
    for template in catalogue.templates:
        sources = " ".join(template.provenance.source)
        assert ITS in sources and "eba.europa.eu" in sources, template.code
    for values in catalogue.value_lists:
        assert any("eba.europa.eu" in s or ITS in s for s in values.provenance.source), values.id
    assert catalogue.package.module.endswith("/dora/4.0/mod/dora.json")


# -- LEIs ---------------------------------------------------------------------------------


def test_lei_check_digits() -> None:
    assert lei_problem("9695001J8OSOVX4TP939") is None  # OVH Groupe SA, from its ESEF report
    assert lei_problem(_lei("TESTLEI00000000001")) is None
    assert "check digits" in (lei_problem("9695001J8OSOVX4TP938") or "")
    assert "20 characters" in (lei_problem("9695001J8OSOVX4TP9") or "")
    assert "upper-case" in (lei_problem("9695001j8osovx4tp939") or "")


def test_catalogue_leis_are_valid_and_sourced() -> None:
    kb = load_knowledge_base()
    with_lei = [e for e in kb.kb.entities if e.lei]
    assert with_lei, "the catalogue records at least one LEI"
    for entity in with_lei:
        assert entity.lei is not None and lei_problem(entity.lei) is None
        assert entity.lei_provenance is not None and entity.lei_provenance.source


def test_invalid_lei_in_an_inventory_names_file_and_line(tmp_path: Path) -> None:
    inventory = tmp_path / "bank"
    shutil.copytree(EXAMPLES / "bank", inventory)
    entities = inventory / "entities.yaml"
    text = entities.read_text(encoding="utf-8")
    entities.write_text(
        text.replace(
            "    name: Moselle Digital Services S.A.\n",
            "    name: Moselle Digital Services S.A.\n    lei: 5299001ABCDEFGHIJK12\n",
        ),
        encoding="utf-8",
    )
    line = (
        entities.read_text(encoding="utf-8").splitlines().index("    lei: 5299001ABCDEFGHIJK12") + 1
    )
    code, output = _run("dora", str(inventory), "-o", str(tmp_path / "register"))
    assert code == 3
    assert f"entities.yaml:{line}:" in output
    assert "LEI check digits" in output and "GLEIF" in output
    assert "Traceback" not in output
    assert not (tmp_path / "register").exists()


# -- auditor dora on the bank example -------------------------------------------------------


@pytest.fixture(scope="module")
def bank_register(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dora") / "register"
    code, output = _run(
        "dora", str(EXAMPLES / "bank"), "-o", str(out), "--reference-date", "2026-12-31"
    )
    assert code == 0, output
    assert "fields left to fill" in output
    assert "critical ICT third-party service providers: Amazon Web Services EMEA SARL" in output
    return out


def test_the_package_has_the_eba_files(bank_register: Path) -> None:
    for name in (
        "META-INF/reportPackage.json",
        "reports/report.json",
        "reports/parameters.csv",
        "reports/FilingIndicators.csv",
        "reports/b_02.02.csv",
        "reports/b_05.01.csv",
        "reports/b_05.02.csv",
        "reports/b_07.01.csv",
        "unfilled.md",
        "unfilled.json",
    ):
        assert (bank_register / name).is_file(), name
    report = json.loads((bank_register / "reports/report.json").read_text())
    assert report["documentInfo"]["extends"] == [
        "http://www.eba.europa.eu/eu/fr/xbrl/crr/fws/dora/4.0/mod/dora.json"
    ]
    indicators = _read_csv(bank_register / "reports/FilingIndicators.csv")
    assert indicators[0] == ["templateID", "reported"]
    assert ["B_05.01", "true"] in indicators
    parameters = dict(_read_csv(bank_register / "reports/parameters.csv")[1:])
    assert parameters["refPeriod"] == "2026-12-31"
    assert parameters["entityID"] == ""  # the bank declares no LEI: left empty, not invented


def test_headers_are_the_recorded_column_codes(
    bank_register: Path, catalogue: DoraCatalogue
) -> None:
    for template in catalogue.templates:
        rows = _read_csv(bank_register / "reports" / template.file_name)
        assert rows[0] == [c.code for c in template.columns]
        assert len(rows) > 1, template.code
        assert all(len(row) == len(rows[0]) for row in rows)


def test_providers_are_named_with_their_seats(bank_register: Path) -> None:
    rows = _read_csv(bank_register / "reports/b_05.01.csv")
    header, body = rows[0], rows[1:]
    by_name = {row[header.index("c0050")]: row for row in body}
    aws = by_name["Amazon Web Services EMEA SARL"]
    assert aws[header.index("c0080")] == "eba_GA:LU"
    assert aws[header.index("c0070")] == "eba_CT:x212"
    assert (
        by_name[
            "Hangzhou DeepSeek Artificial Intelligence Fundamental Technology Research Co., Ltd."
        ][header.index("c0080")]
        == "eba_GA:CN"
    )
    # Every identification code given is a valid LEI of type LEI, and vice versa.
    for template in ("b_05.01", "b_05.02", "b_02.02", "b_07.01"):
        table = _read_csv(bank_register / f"reports/{template}.csv")
        for row in table[1:]:
            for value in row:
                if len(value) == 20 and value.isalnum():
                    assert lei_problem(value) is None, (template, value)


def test_a_hyperscaler_under_an_llm_api_is_a_rank_2_subcontractor(bank_register: Path) -> None:
    rows = _read_csv(bank_register / "reports/b_05.02.csv")
    header = rows[0]
    ranks = [row[header.index("c0050")] for row in rows[1:]]
    assert set(ranks) == {"1", "2"}
    unfilled = json.loads((bank_register / "unfilled.json").read_text())["unfilled"]
    chain = {(u["row"], u["line"]) for u in unfilled if u["template"] == "B_05.02"}
    rank2 = [
        (row, line)
        for row, line in chain
        if row.startswith(
            "Amazon Web Services, Inc. (rank 2, hosting of Amazon Web Services EMEA SARL)"
        )
    ]
    assert rank2, sorted(chain)
    for _, line in rank2:
        assert rows[line - 1][header.index("c0050")] == "2"
    assert any(r.startswith("Microsoft Corporation (rank 2") for r, _ in chain)


def test_storage_and_processing_countries_come_from_the_inventory(bank_register: Path) -> None:
    rows = _read_csv(bank_register / "reports/b_02.02.csv")
    header = rows[0]
    processing = {row[header.index("c0160")] for row in rows[1:]}
    assert {"eba_GA:DE", "eba_GA:SE", "eba_GA:CN", "eba_GA:LU"} <= processing
    unfilled = json.loads((bank_register / "unfilled.json").read_text())["unfilled"]
    # The 'eu.' inference profile spans several countries: left empty, with the reason.
    zone = [u for u in unfilled if u["template"] == "B_02.02" and u["column"] == "c0160"]
    assert any("not one country" in u["reason"] for u in zone)
    # Storage: a vector store keeps data; a model API whose retention nobody states is
    # unknown (empty and listed), never "no".
    storage = {row[header.index("c0140")] for row in rows[1:]}
    assert {"eba_BT:x28", ""} <= storage
    unknown = [u for u in unfilled if u["template"] == "B_02.02" and u["column"] == "c0140"]
    assert any("DeepSeek API" in u["row"] and "retention" in u["reason"] for u in unknown)
    for field in unknown:
        assert rows[field["line"] - 1][header.index("c0140")] == ""


def test_unfilled_fields_are_listed_with_reasons(bank_register: Path) -> None:
    data = json.loads((bank_register / "unfilled.json").read_text())
    fields = data["unfilled"]
    assert fields
    for field in fields:
        assert field["reason"] and field["label"] and field["row"]
    keys = {(f["template"], f["column"]) for f in fields}
    assert ("B_07.01", "c0050") in keys  # substitutability is the entity's assessment
    assert ("B_05.01", "c0100") in keys  # annual expense is not in an inventory
    assert ("parameters", "entityID") in keys
    substitutability = next(
        f
        for f in fields
        if (f["template"], f["column"]) == ("B_07.01", "c0050")
        and "Amazon Web Services EMEA SARL" in f["row"]
        and "Claude" in f["row"]
    )
    assert "open-weights alternatives" in substitutability["reason"]
    # Every empty cell of a row is either listed or does not apply; every listed cell is empty.
    for field in fields:
        if field["line"] is None:
            continue
        table = _read_csv(bank_register / f"reports/{field['template'].lower()}.csv")
        assert table[field["line"] - 1][table[0].index(field["column"])] == ""
    markdown = (bank_register / "unfilled.md").read_text()
    assert "## ICT third-party service providers (B_05.01)" in markdown
    # Read by a register officer: component kinds and entities in words, not codes or ids.
    assert not code_tokens(markdown), sorted(set(code_tokens(markdown)))
    assert "the inventory only gives the component kind (hosted model API)" in markdown
    # Every row of every field is in the Markdown, named or by its line: none hidden in "more".
    rows_cell = {}
    section = ""
    for table_line in markdown.splitlines():
        if table_line.startswith("## "):
            section = table_line
        cells = table_line.split(" | ")
        if len(cells) == 3 and cells[0].startswith("| ") and "(c0" in cells[0]:
            rows_cell[(section, cells[0][2:], cells[2].rstrip(" |"))] = cells[1]
    for field in fields:
        if field["line"] is None:
            continue
        heading = f"## {field['template_name']} ({field['template']})"
        cell = rows_cell[(heading, f"{field['label']} ({field['column']})", field["reason"])]
        named = f"line {field['line']}: " in cell
        numbered = re.search(rf"\(lines [0-9, ]*\b{field['line']}\b", cell)
        assert named or numbered, (field, cell)
    assert "no LEI is declared for Banque de l'Alzette S.A. (entity 'banque-alzette')" in markdown
    assert "Substitutability of the ICT third-party service provider (c0050)" in markdown


def test_output_is_deterministic_and_replaces_an_earlier_register(
    bank_register: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again"
    assert (
        _run("dora", str(EXAMPLES / "bank"), "-o", str(again), "--reference-date", "2026-12-31")[0]
        == 0
    )
    files = sorted(p.relative_to(bank_register) for p in bank_register.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    for name in files:
        assert (bank_register / name).read_bytes() == (again / name).read_bytes(), name
    # Written again over itself: replaced whole, nothing left behind.
    (again / "reports" / "stale.csv").write_text("old")
    assert _run("dora", str(EXAMPLES / "bank"), "-o", str(again))[0] == 0
    assert not (again / "reports" / "stale.csv").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["again"]


def test_refuses_to_replace_a_folder_it_did_not_write(tmp_path: Path) -> None:
    target = tmp_path / "notes"
    target.mkdir()
    (target / "keep.txt").write_text("mine")
    code, output = _run("dora", str(EXAMPLES / "bank"), "-o", str(target))
    assert code == 2
    assert "not a register written by auditor dora" in output
    assert (target / "keep.txt").read_text() == "mine"


def test_leis_fill_codes_parent_codes_and_recipients(tmp_path: Path) -> None:
    """With LEIs declared, the codes, the rank-2 recipient and the entity ID are filled."""
    bank_lei, aws_lei, amazon_lei = (
        _lei("TESTBANK0000000001"),
        _lei("TESTAWSEMEA0000001"),
        _lei("TESTAMAZON00000001"),
    )
    inventory = tmp_path / "bank"
    shutil.copytree(EXAMPLES / "bank", inventory)
    entities = inventory / "entities.yaml"
    text = entities.read_text(encoding="utf-8").replace(
        "    name: Banque de l'Alzette S.A.\n",
        f"    name: Banque de l'Alzette S.A.\n    lei: {bank_lei}\n",
    )
    text += (
        "  - id: aws-emea-sarl\n    name: Amazon Web Services EMEA SARL\n    country: LU\n"
        f"    lei: {aws_lei}\n    parents:\n      - entity: amazon-com-inc\n        controlling: true\n"
        "  - id: amazon-com-inc\n    name: Amazon.com, Inc.\n    country: US\n"
        f"    lei: {amazon_lei}\n    parents: []\n"
    )
    entities.write_text(text, encoding="utf-8")
    out = tmp_path / "register"
    code, output = _run("dora", str(inventory), "-o", str(out))
    assert code == 0, output
    b0501 = _read_csv(out / "reports/b_05.01.csv")
    header = b0501[0]
    aws = next(
        row for row in b0501[1:] if row[header.index("c0050")] == "Amazon Web Services EMEA SARL"
    )
    assert aws[header.index("c0010")] == aws_lei
    assert aws[header.index("c0020")] == "eba_qCO:qx2000"
    assert aws[header.index("c0110")] == amazon_lei  # ultimate parent
    assert aws[header.index("c0120")] == "eba_qCO:qx2000"
    b0502 = _read_csv(out / "reports/b_05.02.csv")
    h = b0502[0]
    recipients = {row[h.index("c0060")] for row in b0502[1:] if row[h.index("c0050")] == "2"}
    assert aws_lei in recipients
    parameters = dict(_read_csv(out / "reports/parameters.csv")[1:])
    assert parameters["entityID"] == f"rs:{bank_lei}.IND"
    b0202 = _read_csv(out / "reports/b_02.02.csv")
    assert {row[b0202[0].index("c0020")] for row in b0202[1:]} == {bank_lei}


# -- the audit report's scope -------------------------------------------------------------


def test_audit_report_scope_names_unfillable_dora_fields_for_a_financial_entity() -> None:
    bank = run_audit([EXAMPLES / "bank"], AuditOptions(today=TODAY))
    assert bank.dora_gaps
    html = render_html(bank)
    section = html[html.index('id="scope-dora"') : html.index('id="limitations"')]
    assert "financial entity under DORA" in section
    assert "ICT third-party service providers" in section and "Total annual expense" in section
    hospital = run_audit([EXAMPLES / "hospital"], AuditOptions(today=TODAY))
    assert hospital.dora_gaps == []
    assert 'id="scope-dora"' not in render_html(hospital)


def test_a_catalogue_lei_fills_the_ultimate_parent_code(tmp_path: Path) -> None:
    """3DS OUTSCALE (ministry example): its ultimate parent's LEI comes from the catalogue."""
    out = tmp_path / "register"
    code, output = _run("dora", str(EXAMPLES / "ministry"), "-o", str(out))
    assert code == 0, output
    assert "not declared a DORA financial entity" in output  # a ministry: said, not refused
    rows = _read_csv(out / "reports/b_05.01.csv")
    header = rows[0]
    outscale = next(row for row in rows[1:] if row[header.index("c0050")] == "3DS OUTSCALE SAS")
    parent = outscale[header.index("c0110")]
    assert lei_problem(parent) is None
    dassault = next(e for e in load_knowledge_base().kb.entities if e.id == "dassault-systemes-se")
    assert parent == dassault.lei
    assert outscale[header.index("c0120")] == "eba_qCO:qx2000"


def test_catalogue_leis_fill_the_bank_register(bank_register: Path) -> None:
    """Microsoft's two entities and Amazon.com, Inc. carry catalogue LEIs; the rest stay listed."""
    leis = {e.id: e.lei for e in load_knowledge_base().kb.entities if e.lei}
    microsoft_ie, microsoft, amazon = (
        leis["microsoft-ireland-operations"],
        leis["microsoft-corporation"],
        leis["amazon-com-inc"],
    )
    b0501 = _read_csv(bank_register / "reports/b_05.01.csv")
    header = b0501[0]
    by_name = {row[header.index("c0050")]: row for row in b0501[1:]}
    ireland = by_name["Microsoft Ireland Operations Limited"]
    assert ireland[header.index("c0010")] == microsoft_ie
    assert ireland[header.index("c0020")] == "eba_qCO:qx2000"
    assert ireland[header.index("c0110")] == microsoft  # its ultimate parent's code
    assert by_name["Microsoft Corporation"][header.index("c0010")] == microsoft
    for name in ("Amazon Web Services EMEA SARL", "Amazon Web Services, Inc."):
        assert by_name[name][header.index("c0010")] == ""  # no LEI recorded: empty, not guessed
        assert by_name[name][header.index("c0110")] == amazon
    # The providers whose code stays empty are exactly those listed as unfilled, with the reason.
    unfilled = json.loads((bank_register / "unfilled.json").read_text())["unfilled"]
    missing = {
        u["row"]: u["reason"]
        for u in unfilled
        if (u["template"], u["column"]) == ("B_05.01", "c0010")
    }
    assert set(missing) == {
        name for name, row in by_name.items() if row[header.index("c0010")] == ""
    }
    assert set(missing) == {
        "Amazon Web Services EMEA SARL",
        "Amazon Web Services, Inc.",
        "Hangzhou DeepSeek Artificial Intelligence Fundamental Technology Research Co., Ltd.",
        "Moselle Digital Services S.A.",
    }
    assert all("no LEI is recorded" in reason for reason in missing.values())
    # The contracts with Microsoft Ireland Operations name it by its LEI.
    b0202 = _read_csv(bank_register / "reports/b_02.02.csv")
    h = b0202[0]
    azure = [row for row in b0202[1:] if row[h.index("c0030")] == microsoft_ie]
    assert azure
    assert {row[h.index("c0040")] for row in azure} == {"eba_qCO:qx2000"}
    assert not [
        u
        for u in unfilled
        if (u["template"], u["column"]) == ("B_02.02", "c0030")
        and u["row"].startswith("Microsoft Ireland Operations Limited")
    ]


def test_a_provider_that_is_its_own_ultimate_parent_is_listed_not_left_silently(
    bank_register: Path,
) -> None:
    """Microsoft Corporation has no controlling parent. The EBA existence rule e23674_e wants
    B_05.01 c0110 filled, and the template definitions recorded in rules/dora/templates.yaml
    do not say which code goes there for a provider at the top of its own chain: the column
    stays empty and unfilled.md says why, instead of a code the register invents."""
    b0501 = _read_csv(bank_register / "reports/b_05.01.csv")
    header = b0501[0]
    top = next(r for r in b0501[1:] if r[header.index("c0050")] == "Microsoft Corporation")
    assert top[header.index("c0110")] == "" == top[header.index("c0120")]
    unfilled = json.loads((bank_register / "unfilled.json").read_text())["unfilled"]
    (entry,) = [
        u
        for u in unfilled
        if (u["template"], u["column"], u["row"]) == ("B_05.01", "c0110", "Microsoft Corporation")
    ]
    reason = entry["reason"]
    assert "its own ultimate parent" in reason and "e23674_e" in reason
    assert "do not say" in reason and "Annex I" in reason
    assert entry["line"] == b0501.index(top) + 1
    markdown = (bank_register / "unfilled.md").read_text()
    assert "Microsoft Corporation" in markdown and "e23674_e" in markdown


def test_catalogue_leis_name_where_they_were_read() -> None:
    for entity in load_knowledge_base().kb.entities:
        if entity.lei is None:
            continue
        provenance = entity.lei_provenance
        assert provenance is not None, entity.id
        # Read in GLEIF or the issuer's own filing (confirmed) or in a copy (secondary); an
        # LEI nobody read is not recorded at all.
        assert provenance.confidence in ("confirmed", "secondary"), entity.id
        assert provenance.note and "check" in provenance.note.lower(), entity.id


def test_a_name_that_a_spreadsheet_would_run_is_neutralised(tmp_path: Path) -> None:
    inventory = tmp_path / "bank"
    shutil.copytree(EXAMPLES / "bank", inventory)
    entities = inventory / "entities.yaml"
    hostile = '=HYPERLINK("http://x")|calc'
    entities.write_text(
        entities.read_text(encoding="utf-8").replace(
            "    name: Moselle Digital Services S.A.\n", f"    name: '{hostile}'\n"
        ),
        encoding="utf-8",
    )
    out = tmp_path / "register"
    assert _run("dora", str(inventory), "-o", str(out))[0] == 0
    rows = _read_csv(out / "reports/b_05.01.csv")
    names = [row[rows[0].index("c0050")] for row in rows[1:]]
    assert "'" + hostile in names and hostile not in names
    markdown = (out / "unfilled.md").read_text()
    assert hostile.replace("|", "\\|") in markdown  # a pipe cannot break the table


def test_a_family_at_the_top_of_the_chain_is_not_asked_for_an_lei(tmp_path: Path) -> None:
    """Issue 21: OVH SAS's chain ends at the Klaba family (ministry example). A family has no
    LEI, so the ultimate-parent code is left empty for that reason, not listed as an LEI to add."""
    out = tmp_path / "register"
    code, output = _run("dora", str(EXAMPLES / "ministry"), "-o", str(out))
    assert code == 0, output
    rows = _read_csv(out / "reports/b_05.01.csv")
    header = rows[0]
    ovh = next(row for row in rows[1:] if row[header.index("c0050")] == "OVH SAS")
    assert ovh[header.index("c0110")] == "" == ovh[header.index("c0120")]
    unfilled = json.loads((out / "unfilled.json").read_text(encoding="utf-8"))
    entries = unfilled["unfilled"]
    parent = [
        e
        for e in entries
        if e["template"] == "B_05.01" and e["column"] == "c0110" and "OVH SAS" in e["row"]
    ]
    assert len(parent) == 1
    reason = parent[0]["reason"]
    assert reason.startswith("the ultimate parent is a natural person or family, which has no LEI")
    assert "Klaba family" in reason and "add lei" not in reason
    assert "klaba-family" not in (out / "unfilled.md").read_text(encoding="utf-8")


def test_an_inventory_person_with_an_lei_is_refused_with_file_and_line(tmp_path: Path) -> None:
    inventory = tmp_path / "bank"
    shutil.copytree(EXAMPLES / "bank", inventory)
    entities = inventory / "entities.yaml"
    lei = _lei("TESTPERSON00000001")
    entities.write_text(
        entities.read_text(encoding="utf-8")
        + f"  - id: jane-doe\n    name: Jane Doe\n    natural_person: true\n    lei: {lei}\n",
        encoding="utf-8",
    )
    code, output = _run("dora", str(inventory), "-o", str(tmp_path / "register"))
    assert code == 3, output  # invalid input
    assert "entities.yaml:37:" in output and "natural person or family has no LEI" in output
    assert "Traceback" not in output


def test_providers_the_esas_designated_critical_are_listed_beside_the_templates(
    bank_register: Path, catalogue: DoraCatalogue
) -> None:
    # B_05.01 has no column for the designation (DORA Art. 31): the templates keep exactly
    # their recorded columns, and the designation is a side CSV and a section of unfilled.md.
    b0501 = _read_csv(bank_register / "reports/b_05.01.csv")
    assert b0501[0] == [c.code for c in catalogue.template("B_05.01").columns]
    assert not (bank_register / "reports/critical_providers.csv").exists()
    rows = _read_csv(bank_register / "critical_providers.csv")
    header, body = rows[0], rows[1:]
    by_name = {row[1]: row for row in body}
    assert set(by_name) == {"Amazon Web Services EMEA SARL", "Microsoft Ireland Operations Limited"}
    microsoft = by_name["Microsoft Ireland Operations Limited"]
    assert microsoft[0] == "549300WCLFVEBTBNRF76"
    assert microsoft[header.index("List published on")] == "2025-11-18"
    # The line points at the provider's row in b_05.01.csv, and the codes agree.
    line = int(microsoft[header.index("Line in b_05.01.csv")])
    assert b0501[line - 1][b0501[0].index("c0050")] == "Microsoft Ireland Operations Limited"
    assert b0501[line - 1][0] == microsoft[0]
    # A provider that is not itself designated is not listed (its group member may be).
    assert "Microsoft Corporation" not in by_name and "Amazon Web Services, Inc." not in by_name
    assert by_name["Amazon Web Services EMEA SARL"][header.index("Source")].startswith("https://")
    markdown = (bank_register / "unfilled.md").read_text(encoding="utf-8")
    assert "## Providers designated as critical ICT third-party service providers" in markdown
    assert "| Microsoft Ireland Operations Limited `549300WCLFVEBTBNRF76` (line 6) |" in markdown
    unfilled = json.loads((bank_register / "unfilled.json").read_text(encoding="utf-8"))
    assert {p["listed_as"] for p in unfilled["critical_providers"]} == {
        "Amazon Web Services EMEA Sarl",
        "Microsoft Ireland Operations Limited",
    }
