"""The DORA register of information: template definitions (data) and a filled register.

Regulation (EU) 2022/2554 (DORA) Art. 28(3) makes financial entities keep a register of
their ICT third-party arrangements; Commission Implementing Regulation (EU) 2024/2956
lays down its templates (B_01.01 ... B_99.01) and the EBA publishes the plain-CSV
reporting format (column codes ``c0010``, closed lists as ``eba_`` codes). The template
definitions are knowledge-base data (``rules/dora/templates.yaml``), each with its
source; the register the auditor fills from an inventory is built from them.
"""

from __future__ import annotations

from pydantic import Field

from auditor.model.common import Located, Provenance, StrictModel

COLUMN_CODE = r"^c[0-9]{4}$"
TEMPLATE_CODE = r"^B_[0-9]{2}\.[0-9]{2}$"


class DoraValue(StrictModel):
    """One member of a closed list: the code a filing carries and its label."""

    code: str = Field(pattern=r"^eba_[A-Za-z]+:[A-Za-z0-9]+$", description="e.g. eba_CT:x212")
    label: str = Field(min_length=1)


class DoraValueList(Located):
    """A closed list of values a column takes (the EBA's list of possible values)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    prefix: str | None = Field(
        default=None,
        description=(
            "For open code lists (countries, currencies): the prefix put before the ISO code, "
            "e.g. eba_GA: for countries. values then holds only the special members."
        ),
    )
    values: list[DoraValue] = Field(default_factory=list)
    provenance: Provenance


class DoraColumn(StrictModel):
    """One column of a template."""

    code: str = Field(pattern=COLUMN_CODE, description="The CSV header, e.g. c0010.")
    label: str = Field(min_length=1, description="The column's name in the published layout.")
    values: str | None = Field(
        default=None, description="Id of the closed list (value_lists) the column takes."
    )


class DoraTemplate(Located):
    """A template of the register of information and its columns, in order."""

    code: str = Field(pattern=TEMPLATE_CODE)
    name: str
    columns: list[DoraColumn] = Field(min_length=1)
    provenance: Provenance

    @property
    def file_name(self) -> str:
        """The table's file in a plain-CSV report package, e.g. b_05.01.csv."""
        return f"{self.code.lower()}.csv"

    def column(self, code: str) -> DoraColumn:
        """The column with that code (KeyError if the template has none)."""
        for column in self.columns:
            if column.code == code:
                return column
        raise KeyError(f"{self.code} has no column {code}")


class DoraPackage(Located):
    """The report-package files the EBA's plain-CSV format expects besides the tables."""

    report_package_type: str = Field(description="documentType of META-INF/reportPackage.json.")
    xbrl_csv_type: str = Field(description="documentType of reports/report.json.")
    module: str = Field(description="The DORA taxonomy module reports/report.json extends.")
    parameters: list[str] = Field(
        min_length=1, description="The names parameters.csv gives a value, in order."
    )
    provenance: Provenance


class DoraCatalogue(StrictModel):
    """``rules/dora/templates.yaml``: the templates the auditor fills, their lists, the package."""

    package: DoraPackage
    value_lists: list[DoraValueList] = Field(min_length=1)
    templates: list[DoraTemplate] = Field(min_length=1)

    def template(self, code: str) -> DoraTemplate:
        """The template with that code (KeyError if not recorded)."""
        for template in self.templates:
            if template.code == code:
                return template
        raise KeyError(f"no DORA template {code} in the knowledge base")

    def value_list(self, ident: str) -> DoraValueList:
        """The closed list with that id (KeyError if not recorded)."""
        for values in self.value_lists:
            if values.id == ident:
                return values
        raise KeyError(f"no DORA value list {ident} in the knowledge base")


class DoraTable(StrictModel):
    """One filled template: its column codes and rows of cell values ('' = left empty)."""

    template: str
    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


class UnfilledField(StrictModel):
    """A field of the register the inventory could not fill, and why."""

    template: str = Field(description="Template code, e.g. B_05.01, or 'parameters'.")
    template_name: str = Field(description="The template's name, e.g. ICT service supply chains.")
    column: str = Field(description="Column code (c0010) or parameter name.")
    label: str = Field(description="The column's name in the published layout.")
    row: str = Field(description="Which row, in words: the provider, system and component.")
    line: int | None = Field(
        default=None, description="Line of that row in the template's CSV file (the header is 1)."
    )
    reason: str = Field(description="Why it is empty and who can fill it.")


class CriticalProvider(StrictModel):
    """A provider of the register the ESAs designated as a critical ICT third-party service
    provider (DORA Art. 31(1)(a), list published under Art. 31(9)).

    The register's templates (Implementing Regulation (EU) 2024/2956, as recorded in
    ``rules/dora/templates.yaml``) have no column for the designation, so it is written
    beside the report package, never inside a template: a column the EBA's format does
    not define would make the filing fail its checks.
    """

    code: str = Field(description="The provider's code as in B_05.01 c0010 (its LEI), or ''.")
    name: str = Field(description="The provider's legal name as in B_05.01 c0050.")
    b_05_01_line: int = Field(description="Line of the provider in b_05.01.csv (header is 1).")
    listed_as: str = Field(description="The provider's name as the ESAs' list spells it.")
    designated_on: str = Field(description="Date the ESAs published the list (YYYY-MM-DD).")
    sources: tuple[str, ...] = Field(description="Where the designation was read.")
    as_of: str = Field(description="The sources' date (YYYY-MM-DD).")


class DoraRegister(StrictModel):
    """The part of the register of information an inventory can fill, and what it leaves."""

    organisation: str
    financial_entity: bool = Field(
        description="The organisation is a DORA financial entity (declared or by its sector)."
    )
    reference_date: str | None
    tables: tuple[DoraTable, ...]
    parameters: tuple[tuple[str, str], ...]
    unfilled: tuple[UnfilledField, ...]
    package: DoraPackage
    sources: tuple[str, ...] = Field(description="Where the template definitions come from.")
    critical_providers: tuple[CriticalProvider, ...] = Field(
        default=(),
        description="Providers of B_05.01 the ESAs designated as critical (outside the templates).",
    )


__all__ = [
    "COLUMN_CODE",
    "TEMPLATE_CODE",
    "CriticalProvider",
    "DoraCatalogue",
    "DoraColumn",
    "DoraPackage",
    "DoraRegister",
    "DoraTable",
    "DoraTemplate",
    "DoraValue",
    "DoraValueList",
    "UnfilledField",
]
