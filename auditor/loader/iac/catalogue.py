"""The detection catalogue (``rules/iac/``): which infrastructure code means which component.

One file per Terraform provider family (``aws.yaml``, ``azure.yaml``, ...) maps
resource types to a component kind, a catalogue vendor, the attributes that
carry the location, and the vendor's processing-geography semantics (deployment
options). ``kubernetes.yaml`` maps container images and API hosts, and
``models.yaml`` maps model names to open-weights vendors. Every entry carries
``source``, ``as_of`` and ``confidence`` like the rest of the knowledge base.

The catalogue is checked against ``rules/vendors/`` (vendor ids, deployment
option ids) and ``rules/regions/`` (region namespaces) when it is loaded; a
problem is a :class:`~auditor.errors.KnowledgeBaseError`, never a warning.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from auditor.errors import Diagnostic, KnowledgeBaseError
from auditor.loader.cache import cached
from auditor.loader.validate import suggest, validate_document
from auditor.loader.yamlsrc import YamlProblem, read_yaml
from auditor.model.common import (
    Confidence,
    Identifier,
    Located,
    Provenance,
    Sources,
    StrictModel,
)
from auditor.model.inventory import ComponentKind, LocationRef
from auditor.model.kb import RegionCatalogue
from auditor.resources import builtin_rules_dir


def check_regex(value: str | None) -> str | None:
    """``value`` if it is a valid regular expression (a pydantic validator's check)."""
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {value!r}: {exc}") from None
    return value


class Sourced(StrictModel):
    """Source, date and confidence of one catalogue entry."""

    source: Sources = Field(description="URL(s) or repository@commit path(s) the entry rests on.")
    as_of: dt.date
    confidence: Confidence
    note: str | None = None


class AttributeMatch(StrictModel):
    """A condition on one attribute of a resource (values compared case-insensitively)."""

    attribute: str = Field(description="Dotted attribute path, e.g. kind or body.sku.name.")
    in_: list[str] | None = Field(default=None, alias="in", description="Accepted values.")
    pattern: str | None = Field(default=None, description="Regular expression searched.")
    contains: list[str] | None = Field(
        default=None, description="The value is a list holding at least one of these."
    )

    _check = field_validator("pattern")(check_regex)

    @model_validator(mode="after")
    def _one_test(self) -> AttributeMatch:
        if sum(t is not None for t in (self.in_, self.pattern, self.contains)) != 1:
            raise ValueError("give exactly one of 'in', 'pattern' and 'contains'")
        return self

    def accepts(self, value: object) -> bool:
        """Whether a known value satisfies the condition."""
        if self.contains is not None:
            wanted = {v.lower() for v in self.contains}
            items = value if isinstance(value, list) else []
            return any(isinstance(i, str) and i.lower() in wanted for i in items)
        text = str(value).lower()
        if self.in_ is not None:
            return text in {v.lower() for v in self.in_}
        return re.search(str(self.pattern), str(value), re.IGNORECASE) is not None


class ServiceDefault(Sourced):
    """Where a service puts the resource when the code names no location (documented default)."""

    value: str = Field(description="The location as the provider writes it, e.g. US.")


class LocationRule(StrictModel):
    """How the location of a resource is found, in order."""

    attributes: list[str] = Field(
        default_factory=list, description="Region/location attributes on the resource, in order."
    )
    zone_attributes: list[str] = Field(
        default_factory=list, description="Zone attributes; the region is the zone's prefix."
    )
    parent: str | None = Field(
        default=None,
        description="Attribute referencing the resource this one belongs to (its location is inherited).",
    )
    provider: bool = Field(
        default=True, description="Fall back to the region of the provider configuration."
    )
    module_provider: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9_-]*$",
        description=(
            "A registry module's rule only: the provider (local name) of the resources the "
            "module creates; the fallback is the configuration the call passes for it."
        ),
    )
    module_cluster: str | None = Field(
        default=None,
        pattern=r"^(helm|kubernetes)$",
        description=(
            "A registry module's rule only: the module installs a Helm release (or Kubernetes "
            "objects) on the cluster of this provider, the configuration the call passes for it; "
            "placed as rules/iac/kubernetes.yaml cluster_access places a release."
        ),
    )
    default: ServiceDefault | None = None


class DeploymentRule(StrictModel):
    """How the vendor deployment option (processing geography) is read."""

    attributes: list[str] = Field(
        default_factory=list, description="Attributes holding the option (e.g. sku.name)."
    )
    values: dict[str, str] = Field(
        default_factory=dict, description="Written value -> option id, where they differ."
    )
    model_id_attributes: list[str] = Field(
        default_factory=list,
        description="Attributes holding a model or inference-profile id; its prefix decides.",
    )
    by_location: dict[str, str] = Field(
        default_factory=dict,
        description="Location value -> option ('*' for any other resolved region).",
    )


class ModelRule(StrictModel):
    """Where the model name is written."""

    name_attributes: list[str] = Field(min_length=1)


class ReplicationRule(StrictModel):
    """Copies of the data in another place (becomes ``locations.backup``)."""

    paired_region_when: AttributeMatch | None = Field(
        default=None, description="Replication to the provider's paired region when this holds."
    )
    target: str | None = Field(
        default=None, description="Attribute referencing the replica (another scanned resource)."
    )
    source: str | None = Field(
        default=None,
        description="For a separate replication resource: attribute referencing the replicated one.",
    )


class RouteRule(StrictModel):
    """A resource that tells a gateway where to send the requests it receives (a backend)."""

    gateway: str = Field(description="Attribute referencing the gateway the route belongs to.")
    targets: list[str] = Field(
        min_length=1,
        description="Attributes referencing where requests go, in order (the first written one).",
    )


class LabelWith(StrictModel):
    """Words added to the component name from an attribute (``in project my-project``)."""

    attributes: list[str] = Field(min_length=1, description="The first one known is used.")
    text: str = Field(description="Words with {value}, e.g. 'in project {value}'.")

    @field_validator("text")
    @classmethod
    def _has_value(cls, text: str) -> str:
        if "{value}" not in text:
            raise ValueError("text needs {value}")
        return text


class ResourceRule(Sourced):
    """One Terraform resource or data-source type (optionally narrowed by attribute values),
    or a registry module (mode ``module``, type = the module source without version)."""

    type: str = Field(pattern=r"^[a-z0-9][a-z0-9_./-]*$")
    mode: Literal["managed", "data", "module"] = "managed"
    when: list[AttributeMatch] = Field(
        default_factory=list, description="All must hold (on known values) for the rule to apply."
    )
    unless: list[AttributeMatch] = Field(
        default_factory=list,
        description="The rule does not apply when one holds on a written, known value "
        "(enable_apis = false).",
    )
    kind: ComponentKind | None = Field(
        default=None,
        description="Component kind; omit for resources read only for locations or replication.",
    )
    vendor: Identifier | None = None
    label: str = Field(min_length=1, description="What the resource is, in words.")
    location: LocationRule = Field(default_factory=LocationRule)
    deployment: DeploymentRule | None = None
    model: ModelRule | None = None
    replication: ReplicationRule | None = None
    routes: RouteRule | None = Field(
        default=None,
        description="For a backend or route resource: the gateway and where it sends requests.",
    )
    stores_in: list[str] = Field(
        default_factory=list,
        description=(
            "Attributes referencing where the resource puts its data (a bucket, a workspace), "
            "in order: the data is stored where the first one written is (locations.storage)."
        ),
    )
    no_location_note: str | None = Field(
        default=None, description="Why the code cannot say where it runs (e.g. enabled APIs)."
    )
    no_model_note: str | None = Field(
        default=None,
        description="Why the code cannot name the model the component serves (a model server "
        "whose models are loaded from storage at run time).",
    )
    label_with: LabelWith | None = Field(
        default=None, description="Words from an attribute added to the component name."
    )
    scripts: list[str] = Field(
        default_factory=list,
        description=(
            "Attributes holding the script a compute instance runs when it boots (user_data, "
            "metadata.user_data, custom_data, metadata_startup_script): read, never run, for a "
            "model server; the instance's provisioner blocks are read too."
        ),
    )

    @model_validator(mode="after")
    def _type_fits_mode(self) -> ResourceRule:
        is_module = self.mode == "module"
        if is_module != ("/" in self.type):
            raise ValueError(
                "a module rule's type is a registry source (namespace/name/provider); "
                "a resource type has no '/'"
            )
        if self.location.module_provider is not None and not is_module:
            raise ValueError("location.module_provider is for a module rule (mode: module)")
        if self.location.module_cluster is not None and not is_module:
            raise ValueError("location.module_cluster is for a module rule (mode: module)")
        return self


class ProviderRule(Sourced):
    """How a provider configuration block sets the default region."""

    names: list[str] = Field(min_length=1, description="Provider local names, e.g. google-beta.")
    region_attributes: list[str] = Field(default_factory=list)
    zone_attributes: list[str] = Field(default_factory=list)
    environment: list[str] = Field(
        default_factory=list,
        description="Environment variables or files that set the region outside the code.",
    )


class MultiRegion(Sourced):
    """A location value that is not a single region (EU, US, global, ...)."""

    value: str
    location: LocationRef | None = Field(
        default=None, description="The place it stands for; omitted when no place code fits."
    )


class PairedRegions(Sourced):
    """Region pairs used for geo-redundant replication."""

    pairs: dict[str, str] = Field(min_length=1)


class VendorOverride(Sourced):
    """A region partition operated by another catalogue vendor (sovereign clouds)."""

    partition: str
    vendor: Identifier


class ModelIdPrefix(StrictModel):
    """A model or inference-profile id prefix and the deployment option it selects."""

    prefix: str = Field(min_length=1)
    deployment: str


class RegionDataSource(StrictModel):
    """A data source whose attributes echo the provider's region (data.aws_region.current.name)."""

    type: str
    attributes: list[str] = Field(min_length=1)


class ProviderCatalogue(Located):
    """``rules/iac/<provider>.yaml``: detection rules for one provider family."""

    provider: str = Field(pattern=r"^[a-z0-9-]+$")
    name: str
    region_provider: str | None = Field(
        default=None, description="Namespace under rules/regions/ for provider:code references."
    )
    region_case: Literal["lower", "upper", "as_is"] = "lower"
    strip_spaces: bool = Field(default=False, description="'West Europe' -> 'westeurope'.")
    zone_suffix: str | None = Field(
        default=None, description="Regex of the zone suffix stripped to get the region."
    )
    providers: list[ProviderRule] = Field(default_factory=list)
    multi_regions: list[MultiRegion] = Field(default_factory=list)
    paired_regions: PairedRegions | None = None
    vendor_overrides: list[VendorOverride] = Field(default_factory=list)
    model_id_prefixes: list[ModelIdPrefix] = Field(default_factory=list)
    model_id_default: str | None = Field(
        default=None, description="Option for a model id without a profile prefix."
    )
    model_id_source: Sourced | None = None
    region_data_sources: list[RegionDataSource] = Field(default_factory=list)
    resources: list[ResourceRule] = Field(default_factory=list)
    provenance: Provenance

    _zone = field_validator("zone_suffix")(check_regex)


class ImageRule(Sourced):
    """A model server, recognised by its container image or by the command it runs."""

    pattern: str | None = Field(default=None, description="Regex searched in the image reference.")
    commands: list[str] = Field(
        default_factory=list,
        description=(
            "Regexes searched in the container's command line (command and args joined by "
            "spaces, after $(VAR) expansion), e.g. 'python3? -m vllm.entrypoints.openai.api_server'."
        ),
    )
    server: str = Field(description="Serving software, e.g. vLLM.")
    kind: ComponentKind = ComponentKind.INFERENCE_ENDPOINT
    vendor: Identifier | None = None
    deployment: str | None = None
    model_args: list[str] = Field(default_factory=list, description="e.g. --model.")
    model_env: list[str] = Field(
        default_factory=list,
        description="Environment variables the server itself reads the model from (its source says so).",
    )
    positional_after: list[str] = Field(
        default_factory=list, description="Sub-commands followed by the model (vllm serve MODEL)."
    )
    model_first_arg: bool = Field(
        default=False,
        description=(
            "The image's entrypoint takes the model as its first argument "
            "(read when the manifest keeps the image's command)."
        ),
    )
    model_from_image: str | None = Field(
        default=None, description="Regex with a group 'model' reading the model from the image."
    )
    hook_models: list[str] = Field(
        default_factory=list,
        description=(
            "Regexes with a group 'model' searched in the container's postStart hook command "
            "(ollama pull MODEL): models the server loads when it starts."
        ),
    )

    _check = field_validator("pattern", "model_from_image")(check_regex)

    @field_validator("commands", "hook_models")
    @classmethod
    def _commands(cls, value: list[str]) -> list[str]:
        for item in value:
            check_regex(item)
        return value

    @model_validator(mode="after")
    def _recognisable(self) -> ImageRule:
        if self.pattern is None and not self.commands:
            raise ValueError("give an image 'pattern', 'commands', or both")
        return self


ServerRule = ImageRule


class KServeFormat(Sourced):
    """A KServe model format (``spec.predictor.model.modelFormat.name``) and its runtime."""

    name: str = Field(description="Model format name, compared case-insensitively.")
    server: str
    model_args: list[str] = Field(
        default_factory=list, description="Runtime arguments naming the model (--model_id)."
    )


class RayServeApp(Sourced):
    """A Ray Serve application (``import_path`` in a RayService serveConfigV2) that serves models."""

    import_path: str = Field(description="Regex matched against the whole import_path.")
    server: str

    _check = field_validator("import_path")(check_regex)


class ModelLibrary(Sourced):
    """A Python library that loads and runs models: a Ray Serve application that installs it
    (``runtime_env.pip``) or whose module imports it serves a model."""

    package: str = Field(description="PyPI name, normalised (lower case, '-' for '_' and '.').")
    module: str = Field(description="Top-level import name (``import transformers``).")
    library: str = Field(description="Display name, e.g. Hugging Face Transformers.")

    @field_validator("package")
    @classmethod
    def _normalised(cls, value: str) -> str:
        if value != normalise_package(value):
            raise ValueError(f"write the normalised PyPI name {normalise_package(value)!r}")
        return value


def normalise_package(name: str) -> str:
    """A PyPI name as pip compares it (PEP 503): ``Sentence_Transformers`` -> ``sentence-transformers``."""
    return re.sub(r"[-_.]+", "-", name).lower()


class RayImageHint(Sourced):
    """A Ray container image that suggests, without showing, that a Ray Serve application
    serves a model (named in the notice of an application the scan cannot read)."""

    pattern: str = Field(description="Regex searched in the image reference.")
    label: str = Field(description="What the image is, in words (the notice quotes it).")

    _check = field_validator("pattern")(check_regex)


class CustomResource(Sourced):
    """A custom resource kind whose object is itself a model server (an operator runs it)."""

    kind: str
    api_group: str = Field(description="The group of apiVersion, e.g. production-stack.vllm.ai.")
    server: str
    model_paths: list[str] = Field(
        min_length=1, description="Dotted paths under the object holding the model, in order."
    )
    image_fields: list[str] = Field(default_factory=list, description="Dotted image paths.")
    pod_spec: str | None = Field(
        default=None, description="Dotted path of an embedded pod spec (node selectors)."
    )


class HelmChart(Sourced):
    """A Helm chart that installs a model server (``helm_release`` in Terraform)."""

    chart: str = Field(description="Regex matched against the whole chart name (last path part).")
    repository: str | None = Field(
        default=None, description="Regex searched in the release's repository URL, if given."
    )
    server: str
    serves: bool = Field(
        default=True,
        description=(
            "False for an operator chart (KServe, KubeRay): it serves nothing by itself; the "
            "model servers are the custom resources created later."
        ),
    )
    model_values: list[str] = Field(
        default_factory=list,
        description="Chart value paths holding model names; '[*]' walks every list item.",
    )
    one_per_model: bool = Field(
        default=False, description="Each model is a separate server (a Deployment per model)."
    )
    model_pattern: str | None = Field(
        default=None,
        description=(
            "Regex with a group 'model' reading the model from a model value (a NIM image "
            "repository names its model); a value it does not match names no model."
        ),
    )

    _check = field_validator("chart", "repository", "model_pattern")(check_regex)


class EndpointRule(Sourced):
    """An API host (in a URL) that means a hosted model service."""

    host: str = Field(description="Regex matched against the whole host name (case-insensitive).")
    vendor: Identifier
    deployment: str | None = None
    region_provider: str | None = Field(
        default=None, description="With a named group 'region' in host: provider:<region>."
    )
    location: LocationRef | None = Field(default=None, description="A fixed place, if any.")

    _check = field_validator("host")(check_regex)


class EnvKeyRule(Sourced):
    """An environment variable whose presence means a client of a hosted model API."""

    name: str = Field(description="Regex matched against the whole variable name.")
    vendor: Identifier
    default_host: str | None = Field(
        default=None, description="The SDK's default host when no base URL is set."
    )

    _check = field_validator("name")(check_regex)


class ClusterLabel(Sourced):
    """A node label key that says which cloud runs the node."""

    prefix: str
    region_provider: str


class ClusterAccess(Sourced):
    """How a Terraform provider that talks to a Kubernetes cluster (helm, kubernetes) is pointed
    at it: the argument holding the API server's host, and those naming a kubeconfig file."""

    provider: str = Field(pattern=r"^[a-z][a-z0-9_-]*$", description="Provider local name.")
    host: list[str] = Field(
        min_length=1, description="Dotted paths in the provider block holding the API host."
    )
    kubeconfig: list[str] = Field(
        default_factory=list, description="Dotted paths naming a kubeconfig file or context."
    )
    environment: list[str] = Field(
        default_factory=list,
        description="Environment variables that configure the provider outside the code.",
    )


class ClusterRule(ResourceRule):
    """A Terraform resource, data source or registry module that is a Kubernetes cluster: where
    it runs is where a helm_release or kubernetes_* resource sent to it runs."""

    catalogue: str = Field(
        pattern=r"^[a-z0-9-]+$",
        description="The rules/iac/<catalogue>.yaml whose regions and provider rules apply.",
    )
    exposes: list[str] = Field(
        min_length=1,
        description="Attributes (or module outputs) that lead to the cluster's API server.",
    )


class KubernetesCatalogue(Located):
    """``rules/iac/kubernetes.yaml``."""

    region_labels: list[str] = Field(min_length=1)
    region_annotation: str = Field(
        description="Annotation giving the cluster location as provider:region."
    )
    cluster_labels: list[ClusterLabel] = Field(default_factory=list)
    images: list[ImageRule] = Field(default_factory=list)
    kserve_formats: list[KServeFormat] = Field(default_factory=list)
    ray_serve_apps: list[RayServeApp] = Field(default_factory=list)
    model_libraries: list[ModelLibrary] = Field(default_factory=list)
    ray_image_hints: list[RayImageHint] = Field(default_factory=list)
    custom_resources: list[CustomResource] = Field(default_factory=list)
    charts: list[HelmChart] = Field(default_factory=list)
    endpoints: list[EndpointRule] = Field(default_factory=list)
    env_keys: list[EnvKeyRule] = Field(default_factory=list)
    cluster_access: list[ClusterAccess] = Field(default_factory=list)
    clusters: list[ClusterRule] = Field(default_factory=list)
    provenance: Provenance

    def cluster_rule(self, mode: str, rtype: str) -> ClusterRule | None:
        """The cluster rule of a resource type (mode ``managed``, ``data`` or ``module``)."""
        return next((c for c in self.clusters if c.mode == mode and c.type == rtype), None)

    def access(self, provider: str) -> ClusterAccess | None:
        """How provider ``provider`` (helm, kubernetes) is pointed at a cluster."""
        return next((a for a in self.cluster_access if a.provider == provider), None)


class ModelPattern(Sourced):
    """A model name or repository id pattern and the open-weights vendor behind it."""

    pattern: str
    vendor: Identifier

    _check = field_validator("pattern")(check_regex)


class ModelsCatalogue(Located):
    """``rules/iac/models.yaml``."""

    models: list[ModelPattern] = Field(default_factory=list)
    provenance: Provenance


@dataclass(frozen=True)
class RegionTable:
    """Known region codes per namespace (from rules/regions/), with their partitions."""

    codes: dict[str, dict[str, str | None]]  # provider -> code -> partition

    def knows(self, provider: str, code: str) -> bool:
        """``provider:code`` is in the catalogue."""
        return code in self.codes.get(provider, {})

    def partition(self, provider: str, code: str) -> str | None:
        """The partition (or realm) of a region, if recorded."""
        return self.codes.get(provider, {}).get(code)


@dataclass(frozen=True)
class Catalogue:
    """The whole detection catalogue, checked and indexed."""

    providers: dict[str, ProviderCatalogue]  # by file stem
    kubernetes: KubernetesCatalogue
    models: ModelsCatalogue
    regions: RegionTable
    vendor_options: dict[str, tuple[str, ...]]  # vendor id -> deployment option ids
    rules_by_type: dict[tuple[str, str], list[tuple[ProviderCatalogue, ResourceRule]]]
    provider_rules: dict[str, tuple[ProviderCatalogue, ProviderRule]]  # by provider local name
    files: tuple[str, ...]

    def rules_for(self, mode: str, rtype: str) -> list[tuple[ProviderCatalogue, ResourceRule]]:
        """Catalogue rules for a resource type (in file order)."""
        return self.rules_by_type.get((mode, rtype), [])

    def option(self, vendor: str | None, written: str) -> str | None:
        """The vendor's deployment option id matching ``written`` (case-insensitive), or None."""
        if vendor is None:
            return None
        for option in self.vendor_options.get(vendor, ()):
            if option.lower() == written.lower():
                return option
        return None

    def model_vendor(self, name: str) -> str | None:
        """The open-weights vendor of a model name or repository id, if recognised."""
        for entry in self.models.models:
            if re.search(entry.pattern, name, re.IGNORECASE):
                return entry.vendor
        return None


def display_path(path: Path, rules: Path) -> str:
    """``rules/...`` for a file of the rules folder, the path itself otherwise."""
    try:
        return f"rules/{path.relative_to(rules).as_posix()}"
    except ValueError:
        return str(path)


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())


def _light_vendors(rules: Path, problems: list[Diagnostic]) -> dict[str, tuple[str, ...]]:
    """Vendor ids and their deployment option ids (the KB loader validates the rest)."""
    vendors: dict[str, tuple[str, ...]] = {}
    for path in _yaml_files(rules / "vendors"):
        try:
            doc = read_yaml(path, display_path(path, rules))
        except YamlProblem as exc:
            problems.append(exc.diagnostic)
            continue
        data = doc.data if isinstance(doc.data, dict) else {}
        ident = data.get("id")
        if isinstance(ident, str):
            options = data.get("deployment_options") or []
            vendors[ident] = tuple(
                str(o["id"]) for o in options if isinstance(o, dict) and "id" in o
            )
    return vendors


def _regions(rules: Path, problems: list[Diagnostic]) -> RegionTable:
    codes: dict[str, dict[str, str | None]] = {}
    for path in _yaml_files(rules / "regions"):
        try:
            doc = read_yaml(path, display_path(path, rules))
        except YamlProblem as exc:
            problems.append(exc.diagnostic)
            continue
        catalogue, errors = validate_document(doc, RegionCatalogue)
        problems.extend(errors)
        if catalogue is not None:
            codes[catalogue.provider] = {r.code: r.partition for r in catalogue.regions}
    return RegionTable(codes)


def _problem(obj: Located, field: str, message: str, hint: str | None = None) -> Diagnostic:
    span = obj.span_of(field)
    if span is None:
        return Diagnostic("rules/iac/", None, None, message, hint)
    return Diagnostic(span.path, span.line, span.column, message, hint)


def check_vendor(
    owner: Located,
    vendor: str | None,
    options: Iterable[str | None],
    vendors: dict[str, tuple[str, ...]],
    problems: list[Diagnostic],
    where: str,
) -> None:
    """A problem in ``problems`` for an unknown vendor, or a deployment option it lacks."""
    if vendor is None:
        return
    if vendor not in vendors:
        problems.append(
            _problem(owner, where, f"unknown vendor {vendor!r}", suggest(vendor, vendors))
        )
        return
    for option in options:
        if option is not None and option not in vendors[vendor]:
            problems.append(
                _problem(
                    owner,
                    where,
                    f"vendor {vendor!r} has no deployment option {option!r}",
                    suggest(option, vendors[vendor]),
                )
            )


def _check_provider_file(
    cat: ProviderCatalogue,
    vendors: dict[str, tuple[str, ...]],
    regions: RegionTable,
    problems: list[Diagnostic],
) -> None:
    if cat.region_provider is not None and cat.region_provider not in regions.codes:
        problems.append(
            _problem(cat, "region_provider", f"no rules/regions/{cat.region_provider}.yaml")
        )
    for override in cat.vendor_overrides:
        check_vendor(cat, override.vendor, (), vendors, problems, "vendor_overrides")
    prefix_options = [p.deployment for p in cat.model_id_prefixes] + [cat.model_id_default]
    for multi in cat.multi_regions:
        if multi.location is not None and ":" in multi.location:
            provider, code = multi.location.split(":", 1)
            if not regions.knows(provider, code):
                problems.append(_problem(cat, "multi_regions", f"unknown region {multi.location}"))
    for rule in cat.resources:
        options: list[str | None] = []
        if rule.deployment is not None:
            options.extend(rule.deployment.values.values())
            options.extend(rule.deployment.by_location.values())
            if rule.deployment.model_id_attributes:
                options.extend(prefix_options)
        check_vendor(cat, rule.vendor, options, vendors, problems, "resources")
        # A model server a module installs on the team's own cluster (module_cluster) is
        # self-hosted: no vendor, like a helm_release of a serving chart.
        if rule.kind is not None and rule.vendor is None and rule.location.module_cluster is None:
            problems.append(_problem(cat, "resources", f"{rule.type}: a component needs a vendor"))


def _read(
    path: Path, model: type[StrictModel], rules: Path, problems: list[Diagnostic]
) -> StrictModel | None:
    try:
        doc = read_yaml(path, display_path(path, rules))
    except YamlProblem as exc:
        problems.append(exc.diagnostic)
        return None
    obj, errors = validate_document(doc, model)
    problems.extend(errors)
    return obj


@functools.lru_cache(maxsize=4)
def load_catalogue(rules_dir: Path | None = None) -> Catalogue:
    """Load and check ``rules/iac/`` (cached per folder); raise KnowledgeBaseError on any problem."""
    rules = (rules_dir or builtin_rules_dir()).resolve()
    return cached("iac-catalogue", [rules], lambda: _load_catalogue(rules))


def _load_catalogue(rules: Path) -> Catalogue:
    folder = rules / "iac"
    problems: list[Diagnostic] = []
    vendors = _light_vendors(rules, problems)
    regions = _regions(rules, problems)
    providers: dict[str, ProviderCatalogue] = {}
    kubernetes: KubernetesCatalogue | None = None
    models: ModelsCatalogue | None = None
    files: list[str] = []
    for path in _yaml_files(folder):
        files.append(display_path(path, rules))
        if path.stem == "kubernetes":
            k8s = _read(path, KubernetesCatalogue, rules, problems)
            kubernetes = k8s if isinstance(k8s, KubernetesCatalogue) else None
        elif path.stem == "models":
            mod = _read(path, ModelsCatalogue, rules, problems)
            models = mod if isinstance(mod, ModelsCatalogue) else None
        else:
            cat = _read(path, ProviderCatalogue, rules, problems)
            if isinstance(cat, ProviderCatalogue):
                if cat.provider != path.stem:
                    problems.append(
                        _problem(
                            cat,
                            "provider",
                            f"provider {cat.provider!r} does not match the file name {path.stem!r}",
                        )
                    )
                _check_provider_file(cat, vendors, regions, problems)
                providers[cat.provider] = cat
    if kubernetes is not None:
        for image in kubernetes.images:
            check_vendor(kubernetes, image.vendor, [image.deployment], vendors, problems, "images")
        for endpoint in kubernetes.endpoints:
            check_vendor(
                kubernetes, endpoint.vendor, [endpoint.deployment], vendors, problems, "endpoints"
            )
            if endpoint.region_provider and endpoint.region_provider not in regions.codes:
                problems.append(
                    _problem(kubernetes, "endpoints", f"no regions for {endpoint.region_provider}")
                )
        for key in kubernetes.env_keys:
            check_vendor(kubernetes, key.vendor, (), vendors, problems, "env_keys")
        for cluster in kubernetes.clusters:
            if cluster.catalogue not in providers:
                problems.append(
                    _problem(
                        kubernetes,
                        "clusters",
                        f"{cluster.type}: no rules/iac/{cluster.catalogue}.yaml",
                    )
                )
        for label in kubernetes.cluster_labels:
            if label.region_provider not in regions.codes:
                problems.append(
                    _problem(
                        kubernetes, "cluster_labels", f"no regions for {label.region_provider}"
                    )
                )
    if models is not None:
        for entry in models.models:
            check_vendor(models, entry.vendor, (), vendors, problems, "models")
    rules_by_type: dict[tuple[str, str], list[tuple[ProviderCatalogue, ResourceRule]]] = {}
    provider_rules: dict[str, tuple[ProviderCatalogue, ProviderRule]] = {}
    for cat in providers.values():
        for rule in cat.resources:
            rules_by_type.setdefault((rule.mode, rule.type), []).append((cat, rule))
        for prule in cat.providers:
            for name in prule.names:
                if name in provider_rules:
                    problems.append(
                        _problem(cat, "providers", f"provider {name!r} is described twice")
                    )
                provider_rules[name] = (cat, prule)
    if kubernetes is None or models is None:
        problems.append(
            Diagnostic(str(folder), None, None, "rules/iac/ needs kubernetes.yaml and models.yaml")
        )
    if problems or kubernetes is None or models is None:
        raise KnowledgeBaseError(
            f"the detection catalogue has {len(set(problems))} problem(s)", problems
        )
    return Catalogue(
        providers=providers,
        kubernetes=kubernetes,
        models=models,
        regions=regions,
        vendor_options=vendors,
        rules_by_type=rules_by_type,
        provider_rules=provider_rules,
        files=tuple(files),
    )
