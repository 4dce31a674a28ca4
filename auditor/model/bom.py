"""The part of CycloneDX 1.6 that ``auditor bom`` writes: an AI bill of materials.

The models mirror the CycloneDX 1.6 JSON schema field for field (same names
through aliases, same nesting), so a dump by alias is a CycloneDX document. They
cover only what the export fills: services, machine-learning models with their
model cards, data assets, the organisation's systems, and properties in the
``residency-auditor`` namespace (documented in docs/cyclonedx.md).

cyclonedx-python-lib's own model has no model card and no trust zone (both are
left unimplemented in its 11.x model), so the export builds these typed models
and the report layer checks the result with the library's validator against the
official schema.
"""

from __future__ import annotations

import enum

from pydantic import Field

from auditor.model.common import StrictModel

SPEC_VERSION = "1.6"

# Property namespace (CycloneDX property taxonomy: lower-case namespace, ':' as the
# only delimiter, names of letters, digits, '-', '_' and ' '). Documented in
# docs/cyclonedx.md; every name the export writes is a member of Prop.
NAMESPACE = "residency-auditor"


class Prop(enum.StrEnum):
    """Every property name the export writes, in the ``residency-auditor`` namespace."""

    ID = f"{NAMESPACE}:id"
    KIND = f"{NAMESPACE}:kind"
    SYSTEM_OWNER = f"{NAMESPACE}:system:owner"
    SYSTEM_CRITICALITY = f"{NAMESPACE}:system:criticality"
    SYSTEM_AI_ACT_RISK = f"{NAMESPACE}:system:ai_act_risk"
    VENDOR = f"{NAMESPACE}:vendor"
    DEPLOYMENT = f"{NAMESPACE}:deployment"
    REGION = f"{NAMESPACE}:region"
    COUNTRY = f"{NAMESPACE}:country"
    ON_PREM_COUNTRY = f"{NAMESPACE}:on_prem:country"
    OPERATOR_ID = f"{NAMESPACE}:operator:id"
    OPERATOR_CONTROLLED_FROM = f"{NAMESPACE}:operator:controlled_from"
    HOSTING = f"{NAMESPACE}:hosting"
    HOSTING_ID = f"{NAMESPACE}:hosting:id"
    MODEL_PROVIDER = f"{NAMESPACE}:model_provider"
    MODEL_PROVIDER_ID = f"{NAMESPACE}:model_provider:id"
    SUBPROCESSOR = f"{NAMESPACE}:subprocessor"
    SUBPROCESSOR_ID = f"{NAMESPACE}:subprocessor:id"
    SUPPORT = f"{NAMESPACE}:support"
    SUPPORT_ID = f"{NAMESPACE}:support:id"
    ENGAGED_BY_ID = f"{NAMESPACE}:engaged_by:id"
    HOLDS = f"{NAMESPACE}:holds"
    LOCATION = f"{NAMESPACE}:location"  # + ":<role>" (storage, processing, ...)
    JURISDICTION = f"{NAMESPACE}:jurisdiction"
    EXPOSURE = f"{NAMESPACE}:exposure"
    EXPOSURE_LAW = f"{NAMESPACE}:exposure:law"
    MODEL_WEIGHTS = f"{NAMESPACE}:model:weights"
    MODEL_FAMILY = f"{NAMESPACE}:model:family"
    MODEL_VENDOR = f"{NAMESPACE}:model:vendor"
    MODEL_PUBLISHER = f"{NAMESPACE}:model:publisher"
    DATA_CATEGORY = f"{NAMESPACE}:data:category"
    DATA_SUBJECT = f"{NAMESPACE}:data:subject"
    DATA_RESIDENCY = f"{NAMESPACE}:data:residency"
    DATA_VOLUME = f"{NAMESPACE}:data:volume"
    ORGANISATION_COUNTRY = f"{NAMESPACE}:organisation:country"
    ORGANISATION_ENTITY = f"{NAMESPACE}:organisation:entity"
    # One entity the inventory itself declares (not the catalogue's), on the chain of a party:
    # its record as the inventory states it, as JSON (id, name, country, parents, ...).
    ENTITY = f"{NAMESPACE}:entity"
    KB_VERSION = f"{NAMESPACE}:kb:version"
    KB_AS_OF = f"{NAMESPACE}:kb:as_of"


def location_property(role: str, country: bool = False, declared: bool = False) -> str:
    """``residency-auditor:location:<role>`` (the place in words), ``...:countries`` (its ISO
    country codes, comma-separated) or ``...:declared`` (the inventory's own ``locations:``)."""
    return f"{Prop.LOCATION}:{role}" + (
        ":countries" if country else ":declared" if declared else ""
    )


# A party other than the operator: its name, and its entity id where the inventory declares it.
PARTY_PROPERTIES = {
    "hosting": (Prop.HOSTING, Prop.HOSTING_ID),
    "model_provider": (Prop.MODEL_PROVIDER, Prop.MODEL_PROVIDER_ID),
    "subprocessor": (Prop.SUBPROCESSOR, Prop.SUBPROCESSOR_ID),
    "support": (Prop.SUPPORT, Prop.SUPPORT_ID),
}


class Property(StrictModel):
    """A CycloneDX name-value pair."""

    name: str
    value: str


class Address(StrictModel):
    """CycloneDX postalAddress: only the country is ever known to the auditor."""

    country: str


class OrganizationalEntity(StrictModel):
    """CycloneDX organizationalEntity: a legal entity by name (and country of its seat)."""

    name: str
    address: Address | None = None


class License(StrictModel):
    """CycloneDX license by name (model licences are rarely SPDX ids)."""

    name: str


class LicenseChoice(StrictModel):
    """CycloneDX licenseChoice holding one named licence."""

    license: License


class ToolComponent(StrictModel):
    """The tool that wrote the BOM (metadata.tools.components[])."""

    type: str = "application"
    name: str
    version: str


class Tools(StrictModel):
    """CycloneDX 1.5+ metadata.tools."""

    components: list[ToolComponent]


class ModelCard(StrictModel):
    """CycloneDX modelCard: what the auditor knows of a model, as properties."""

    properties: list[Property] = Field(default_factory=list)


class ComponentData(StrictModel):
    """CycloneDX componentData for a data asset."""

    type: str = "dataset"
    name: str
    classification: str | None = None
    description: str | None = None


class Component(StrictModel):
    """A CycloneDX component: an AI system (application), a model, or a data asset."""

    type: str
    bom_ref: str = Field(alias="bom-ref")
    supplier: OrganizationalEntity | None = None
    manufacturer: OrganizationalEntity | None = None
    publisher: str | None = None
    name: str
    version: str | None = None
    description: str | None = None
    licenses: list[LicenseChoice] | None = None
    model_card: ModelCard | None = Field(default=None, alias="modelCard")
    data: list[ComponentData] | None = None
    properties: list[Property] | None = None


class DataFlow(enum.StrEnum):
    """CycloneDX dataFlowDirection, relative to the service."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class ServiceData(StrictModel):
    """CycloneDX serviceData: one data asset entering or leaving a service."""

    flow: DataFlow
    classification: str
    name: str
    description: str | None = None
    source: list[str] | None = None
    destination: list[str] | None = None


class Service(StrictModel):
    """A CycloneDX service: one component of an AI system, run by someone somewhere."""

    bom_ref: str = Field(alias="bom-ref")
    provider: OrganizationalEntity | None = None
    name: str
    description: str | None = None
    endpoints: list[str] | None = None
    x_trust_boundary: bool | None = Field(default=None, alias="x-trust-boundary")
    trust_zone: str | None = Field(default=None, alias="trustZone")
    data: list[ServiceData] | None = None
    properties: list[Property] | None = None


class Dependency(StrictModel):
    """CycloneDX dependency: what a system, service or model relies on."""

    ref: str
    depends_on: list[str] = Field(default_factory=list, alias="dependsOn")


class Metadata(StrictModel):
    """CycloneDX metadata: the tool, the organisation, the inventory as a whole."""

    timestamp: str | None = None
    tools: Tools
    manufacturer: OrganizationalEntity | None = None
    component: Component
    properties: list[Property] = Field(default_factory=list)


class Bom(StrictModel):
    """A CycloneDX 1.6 BOM as ``auditor bom`` writes it."""

    schema_url: str = Field(
        default="http://cyclonedx.org/schema/bom-1.6.schema.json", alias="$schema"
    )
    bom_format: str = Field(default="CycloneDX", alias="bomFormat")
    spec_version: str = Field(default=SPEC_VERSION, alias="specVersion")
    serial_number: str = Field(alias="serialNumber")
    version: int = 1
    metadata: Metadata
    components: list[Component] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    dependencies: list[Dependency] = Field(default_factory=list)


__all__ = [
    "NAMESPACE",
    "PARTY_PROPERTIES",
    "SPEC_VERSION",
    "Address",
    "Bom",
    "Component",
    "ComponentData",
    "DataFlow",
    "Dependency",
    "License",
    "LicenseChoice",
    "Metadata",
    "ModelCard",
    "OrganizationalEntity",
    "Prop",
    "Property",
    "Service",
    "ServiceData",
    "ToolComponent",
    "Tools",
    "location_property",
]
