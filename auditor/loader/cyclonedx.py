"""Read a CycloneDX JSON BOM (1.4 to 1.7) into typed models, for ``auditor import cyclonedx``.

Only what an inventory draft can use is read: components (models, data,
applications, nested ones too), services (nested too) with their providers,
endpoints and data flows, dependencies and properties. Everything else in the
BOM is ignored, so BOMs from any generator (cdxgen, syft, the CycloneDX
examples, ``auditor bom``) load. A file that is not JSON, not a CycloneDX BOM or
of another spec version is an :class:`~auditor.errors.InputError` naming the
file, the line and what to do.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from auditor.errors import Diagnostic, InputError

# Machine-learning models and services' data flows are read from 1.5 on; 1.4 BOMs
# (services with data classifications) are common output of older generators.
SUPPORTED_SPEC_VERSIONS = ("1.4", "1.5", "1.6", "1.7")
MAX_BOM_BYTES = 64 * 1024 * 1024


class _Lenient(BaseModel):
    """A part of a BOM: keys the draft does not use are ignored, not errors."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class CdxProperty(_Lenient):
    """A name-value property."""

    name: str
    value: str = ""


class CdxAddress(_Lenient):
    """A postal address (only the country is used)."""

    country: str | None = None


class CdxOrganization(_Lenient):
    """An organisational entity: provider, supplier, manufacturer."""

    name: str | None = None
    address: CdxAddress | None = None
    url: list[str] = Field(default_factory=list)


class CdxLicense(_Lenient):
    """A licence by SPDX id or by name."""

    id: str | None = None
    name: str | None = None


class CdxLicenseChoice(_Lenient):
    """A licence or an SPDX expression."""

    license: CdxLicense | None = None
    expression: str | None = None

    def text(self) -> str | None:
        """The licence in one string."""
        if self.expression:
            return self.expression
        if self.license is not None:
            return self.license.id or self.license.name
        return None


class CdxModelCard(_Lenient):
    """A model card (only its properties are read)."""

    properties: list[CdxProperty] = Field(default_factory=list)


class CdxComponentData(_Lenient):
    """A data set of a data component."""

    type: str | None = None
    name: str | None = None
    classification: str | None = None
    description: str | None = None


class CdxExternalReference(_Lenient):
    """A link (website, distribution, ...)."""

    type: str | None = None
    url: str | None = None


class CdxComponent(_Lenient):
    """A component: application, machine-learning model, data set, library, ..."""

    type: str
    bom_ref: str | None = Field(default=None, alias="bom-ref")
    name: str
    version: str | None = None
    description: str | None = None
    supplier: CdxOrganization | None = None
    manufacturer: CdxOrganization | None = None
    publisher: str | None = None
    licenses: list[CdxLicenseChoice] = Field(default_factory=list)
    hashes: list[object] = Field(default_factory=list)
    model_card: CdxModelCard | None = Field(default=None, alias="modelCard")
    data: list[CdxComponentData] = Field(default_factory=list)
    external_references: list[CdxExternalReference] = Field(
        default_factory=list, alias="externalReferences"
    )
    properties: list[CdxProperty] = Field(default_factory=list)
    components: list[CdxComponent] = Field(default_factory=list)


class CdxServiceData(_Lenient):
    """Data entering or leaving a service."""

    flow: str = "unknown"
    classification: str = ""
    name: str | None = None
    description: str | None = None
    source: list[str] = Field(default_factory=list)
    destination: list[str] = Field(default_factory=list)


class CdxService(_Lenient):
    """A service: an API, a hosted model, a data store reached over the network."""

    bom_ref: str | None = Field(default=None, alias="bom-ref")
    provider: CdxOrganization | None = None
    name: str
    description: str | None = None
    endpoints: list[str] = Field(default_factory=list)
    x_trust_boundary: bool | None = Field(default=None, alias="x-trust-boundary")
    trust_zone: str | None = Field(default=None, alias="trustZone")
    data: list[CdxServiceData] = Field(default_factory=list)
    properties: list[CdxProperty] = Field(default_factory=list)
    services: list[CdxService] = Field(default_factory=list)


class CdxDependency(_Lenient):
    """What one bom-ref depends on."""

    ref: str
    depends_on: list[str] = Field(default_factory=list, alias="dependsOn")


class CdxMetadata(_Lenient):
    """The BOM's metadata."""

    component: CdxComponent | None = None
    manufacturer: CdxOrganization | None = None
    supplier: CdxOrganization | None = None
    properties: list[CdxProperty] = Field(default_factory=list)


class CdxBom(_Lenient):
    """A CycloneDX BOM, as far as the inventory draft reads it."""

    bom_format: str = Field(alias="bomFormat")
    spec_version: str = Field(alias="specVersion")
    serial_number: str | None = Field(default=None, alias="serialNumber")
    metadata: CdxMetadata | None = None
    components: list[CdxComponent] = Field(default_factory=list)
    services: list[CdxService] = Field(default_factory=list)
    dependencies: list[CdxDependency] = Field(default_factory=list)


def _line_of(text: str, key: str) -> tuple[int | None, int | None]:
    """Line and column of the first ``"key":`` in the text (JSON keeps no positions)."""
    match = re.search(rf'"{re.escape(key)}"\s*:', text)
    if match is None:
        return None, None
    line = text.count("\n", 0, match.start()) + 1
    return line, match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1


_WHAT_TO_DO = (
    "give a CycloneDX BOM in JSON format, spec version 1.4 to 1.7 (an XML BOM or an "
    "older version can be converted with cyclonedx-cli: "
    "cyclonedx convert --input-file bom.xml --output-file bom.json --output-version v1_6)"
)


def read_cyclonedx(path: Path) -> CdxBom:
    """Read and check a CycloneDX JSON BOM; an :class:`InputError` says what is wrong and where."""
    shown = str(path)
    try:
        if path.stat().st_size > MAX_BOM_BYTES:
            raise InputError(
                f"{shown} is larger than {MAX_BOM_BYTES // (1024 * 1024)} MiB",
                [Diagnostic(shown, None, None, "the BOM is too large to import", _WHAT_TO_DO)],
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(
            f"cannot read {shown}: {exc.strerror or exc}",
            [Diagnostic(shown, None, None, "the BOM file cannot be read", "check the path")],
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{shown} is not UTF-8 text",
            [Diagnostic(shown, None, None, f"byte {exc.start} is not UTF-8", _WHAT_TO_DO)],
        ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{shown} is not JSON",
            [Diagnostic(shown, exc.lineno, exc.colno, f"not JSON: {exc.msg}", _WHAT_TO_DO)],
        ) from None
    if not isinstance(document, dict) or document.get("bomFormat") != "CycloneDX":
        line, column = _line_of(text, "bomFormat")
        found = document.get("bomFormat") if isinstance(document, dict) else None
        raise InputError(
            f"{shown} is not a CycloneDX BOM",
            [
                Diagnostic(
                    shown,
                    line or 1,
                    column or 1,
                    f"bomFormat is {found!r}, not 'CycloneDX'"
                    if found is not None
                    else "no bomFormat: 'CycloneDX'",
                    _WHAT_TO_DO,
                )
            ],
        )
    version = document.get("specVersion")
    if version not in SUPPORTED_SPEC_VERSIONS:
        line, column = _line_of(text, "specVersion")
        raise InputError(
            f"{shown}: CycloneDX specVersion {version!r} is not read",
            [
                Diagnostic(
                    shown,
                    line or 1,
                    column or 1,
                    f"specVersion {version!r} is not one of {', '.join(SUPPORTED_SPEC_VERSIONS)}",
                    _WHAT_TO_DO,
                )
            ],
        )
    try:
        return CdxBom.model_validate(document)
    except ValidationError as exc:
        problems = [
            Diagnostic(
                shown,
                None,
                None,
                f"{'/'.join(str(p) for p in error['loc'])}: {error['msg']}",
                "fix the BOM where its generator wrote this value; the CycloneDX schema "
                "says what each field holds",
            )
            for error in exc.errors()
        ]
        raise InputError(f"{shown} has {len(problems)} malformed part(s)", problems) from None


def property_values(properties: list[CdxProperty], name: str) -> list[str]:
    """Every value of the property ``name``, in order."""
    return [p.value for p in properties if p.name == name]


def first_property(properties: list[CdxProperty], name: str) -> str | None:
    """The first value of the property ``name``, if any."""
    return next((p.value for p in properties if p.name == name), None)


__all__ = [
    "SUPPORTED_SPEC_VERSIONS",
    "CdxBom",
    "CdxComponent",
    "CdxDependency",
    "CdxOrganization",
    "CdxProperty",
    "CdxService",
    "CdxServiceData",
    "first_property",
    "property_values",
    "read_cyclonedx",
]
