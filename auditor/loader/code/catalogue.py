"""The application-code detection catalogue (``rules/code/``): which calls mean which AI service.

``clients.yaml`` lists SDK constructors and functions (Python qualified names,
JavaScript ``module:export`` names), the arguments that carry the API host,
region and model, the environment variables the SDK reads instead, and the
SDK's default host. ``models.yaml`` maps model strings of LiteLLM and LangChain
(``bedrock/eu.anthropic...``, ``anthropic:claude...``) to vendors.
``hosts.yaml`` adds API hosts to those of ``rules/iac/kubernetes.yaml`` and
lists the hosts that mean a model served by the organisation itself. Every
entry carries ``source``, ``as_of`` and ``confidence``.

The catalogue is checked against ``rules/vendors/`` and ``rules/regions/`` when
it is loaded; a problem is a :class:`~auditor.errors.KnowledgeBaseError`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field, field_validator

from auditor.errors import Diagnostic, KnowledgeBaseError
from auditor.loader.cache import cached
from auditor.loader.iac.catalogue import (
    Catalogue,
    EndpointRule,
    Sourced,
    check_regex,
    check_vendor,
    display_path,
    load_catalogue,
)
from auditor.loader.validate import validate_document
from auditor.loader.yamlsrc import YamlProblem, read_yaml
from auditor.model.common import Identifier, Located, Provenance, StrictModel
from auditor.model.inventory import ComponentKind
from auditor.resources import builtin_rules_dir


class ServiceArg(StrictModel):
    """A first argument that must name an AI service (``boto3.client("bedrock-runtime")``)."""

    position: int = Field(ge=0, description="Positional index of the argument.")
    keyword: str | None = Field(default=None, description="Its keyword name, if it has one.")
    values: list[str] = Field(min_length=1, description="Accepted values (exact).")


class ClientRule(Sourced):
    """An SDK constructor or function whose call means a hosted (or self-hosted) model."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    label: str = Field(min_length=1, description="What the call is, in words.")
    vendor: Identifier | None = Field(
        default=None, description="The vendor when the host does not decide another one."
    )
    kind: ComponentKind = ComponentKind.MODEL_API
    python: list[str] = Field(
        default_factory=list,
        description="Qualified callables after import resolution; '*' matches one name part.",
    )
    javascript: list[str] = Field(
        default_factory=list,
        description="'module:export' ('module:default' for the default export, ':name' for a global).",
    )
    service: ServiceArg | None = None
    when: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Argument -> accepted values (as written, case-insensitive); all must hold.",
    )
    unless: dict[str, list[str]] = Field(
        default_factory=dict, description="Argument -> values that exclude the rule."
    )
    host: list[str] = Field(default_factory=list, description="Arguments carrying the API URL.")
    host_position: int | None = Field(default=None, description="Positional URL argument.")
    host_env: list[str] = Field(
        default_factory=list, description="Variables the SDK reads when no URL is given."
    )
    default_host: str | None = Field(default=None, description="The SDK's default API host.")
    known_host_only: bool = Field(
        default=False,
        description="Only a host in the catalogue makes it an AI call (plain HTTP clients).",
    )
    region: list[str] = Field(default_factory=list, description="Arguments carrying the region.")
    region_env: list[str] = Field(default_factory=list)
    region_provider: str | None = Field(
        default=None, description="Namespace under rules/regions/ for the region."
    )
    location_options: dict[str, str] = Field(
        default_factory=dict,
        description="Region value -> deployment option ('*' for any known region).",
    )
    model: list[str] = Field(default_factory=list, description="Arguments carrying the model.")
    model_position: int | None = None
    model_strings: bool = Field(
        default=False, description="The model is a LiteLLM/LangChain string (models.yaml)."
    )
    call_model: list[str] = Field(
        default_factory=lambda: ["model"],
        description="Arguments of calls on the client object that carry the model.",
    )
    model_id_prefixes: str | None = Field(
        default=None,
        description="rules/iac/<provider>.yaml whose model-id prefixes decide the deployment.",
    )
    deployment: str | None = Field(default=None, description="A fixed deployment option.")
    no_region_note: str | None = Field(
        default=None, description="Why the code cannot say where the service runs."
    )
    self_hosted: bool = Field(
        default=False, description="The model runs in the application's own process or host."
    )
    sent_by: list[str] = Field(
        default_factory=list,
        description="Client rule ids whose calls send this one (a command object); when such a "
        "client in the same file sends the same model, the call is counted there.",
    )


class ModelPrefix(Sourced):
    """A provider prefix of a model string and the vendor it routes to."""

    prefixes: list[str] = Field(min_length=1, description="e.g. 'bedrock/', 'anthropic:'.")
    vendor: Identifier | None = None
    label: str
    region_provider: str | None = None
    model_id_prefixes: str | None = None
    default_host: str | None = None
    deployment: str | None = None
    self_hosted: bool = False
    location_options: dict[str, str] = Field(default_factory=dict)


class BareModel(Sourced):
    """A model name without a prefix that LiteLLM routes to one vendor."""

    pattern: str
    prefix: str = Field(description="The model_prefixes entry it stands for, e.g. 'openai/'.")

    _check = field_validator("pattern")(check_regex)


class LocalHost(Sourced):
    """A host that means a model served on the organisation's own machines."""

    host: str = Field(description="Regex matched against the whole host name.")

    _check = field_validator("host")(check_regex)


class EnvName(Sourced):
    """An environment variable name that carries an endpoint, region or model."""

    name: str = Field(description="Regex matched against the whole name (case-insensitive).")
    carries: str = Field(pattern=r"^(host|region|model)$")

    _check = field_validator("name")(check_regex)


class CodeCatalogue(Located):
    """One file under ``rules/code/`` (sections may be empty)."""

    clients: list[ClientRule] = Field(default_factory=list)
    model_prefixes: list[ModelPrefix] = Field(default_factory=list)
    bare_models: list[BareModel] = Field(default_factory=list)
    endpoints: list[EndpointRule] = Field(default_factory=list)
    local_hosts: list[LocalHost] = Field(default_factory=list)
    env_names: list[EnvName] = Field(default_factory=list)
    provenance: Provenance


@dataclass(frozen=True)
class CodeRules:
    """The code catalogue, checked and indexed, with the IaC catalogue it builds on."""

    iac: Catalogue
    clients: tuple[ClientRule, ...]
    model_prefixes: tuple[tuple[str, ModelPrefix], ...]  # longest prefix first
    bare_models: tuple[BareModel, ...]
    endpoints: tuple[EndpointRule, ...]  # rules/code first, then rules/iac/kubernetes.yaml
    local_hosts: tuple[LocalHost, ...]
    env_names: tuple[EnvName, ...]
    python_exact: dict[str, tuple[ClientRule, ...]]
    python_globs: tuple[tuple[re.Pattern[str], ClientRule], ...]
    javascript: dict[str, tuple[ClientRule, ...]]
    files: tuple[str, ...]

    def python_rules(self, qualified: str) -> list[ClientRule]:
        """Rules for a qualified Python callable, in catalogue order."""
        found = list(self.python_exact.get(qualified, ()))
        found.extend(rule for pattern, rule in self.python_globs if pattern.fullmatch(qualified))
        order = {id(r): i for i, r in enumerate(self.clients)}
        return sorted(found, key=lambda r: order[id(r)])

    def wants_python(self, qualified: str) -> bool:
        """Some rule names this Python callable."""
        return qualified in self.python_exact or any(
            pattern.fullmatch(qualified) for pattern, _ in self.python_globs
        )

    def wants_javascript(self, name: str) -> bool:
        """Some rule names this JavaScript ``module:export``."""
        return name in self.javascript

    def endpoint(self, host: str) -> tuple[EndpointRule, re.Match[str]] | None:
        """The API host rule that matches the whole host name."""
        for rule in self.endpoints:
            match = re.fullmatch(rule.host, host, re.IGNORECASE)
            if match:
                return rule, match
        return None

    def local(self, host: str) -> bool:
        """The host is the application's own machine or network."""
        return any(re.fullmatch(h.host, host, re.IGNORECASE) for h in self.local_hosts)

    def model_prefix(self, model: str) -> tuple[str, ModelPrefix] | None:
        """The provider prefix of a model string, or the prefix LiteLLM infers for a bare name."""
        for prefix, entry in self.model_prefixes:
            if model.lower().startswith(prefix.lower()):
                return prefix, entry
        for bare in self.bare_models:
            if re.search(bare.pattern, model, re.IGNORECASE):
                for prefix, entry in self.model_prefixes:
                    if prefix == bare.prefix:
                        return "", entry
        return None

    def env_carries(self, name: str) -> str | None:
        """'host', 'region' or 'model' when the variable name says what it carries."""
        for entry in self.env_names:
            if re.fullmatch(entry.name, name, re.IGNORECASE):
                return entry.carries
        return None


def _problem(obj: Located, field: str, message: str, hint: str | None = None) -> Diagnostic:
    span = obj.span_of(field)
    if span is None:
        return Diagnostic("rules/code/", None, None, message, hint)
    return Diagnostic(span.path, span.line, span.column, message, hint)


def _check(cat: CodeCatalogue, iac: Catalogue, problems: list[Diagnostic]) -> None:
    vendors = iac.vendor_options

    def vendor_ok(vendor: str | None, options: list[str | None], where: str) -> None:
        check_vendor(cat, vendor, options, vendors, problems, where)

    def prefixes_ok(stem: str | None, where: str) -> None:
        if stem is not None and stem not in iac.providers:
            problems.append(_problem(cat, where, f"no rules/iac/{stem}.yaml for model-id prefixes"))

    def region_ok(provider: str | None, where: str) -> None:
        if provider is not None and provider not in iac.regions.codes:
            problems.append(_problem(cat, where, f"no rules/regions/{provider}.yaml"))

    ids = {rule.id for rule in cat.clients}
    for rule in cat.clients:
        for other in rule.sent_by:
            if other not in ids:
                problems.append(
                    _problem(cat, "clients", f"{rule.id}: sent_by names no client {other!r}")
                )
        vendor_ok(rule.vendor, [rule.deployment, *rule.location_options.values()], "clients")
        prefixes_ok(rule.model_id_prefixes, "clients")
        region_ok(rule.region_provider, "clients")
        if not rule.python and not rule.javascript:
            problems.append(
                _problem(cat, "clients", f"{rule.id}: names no Python or JavaScript callable")
            )
    for entry in cat.model_prefixes:
        vendor_ok(
            entry.vendor, [entry.deployment, *entry.location_options.values()], "model_prefixes"
        )
        prefixes_ok(entry.model_id_prefixes, "model_prefixes")
        region_ok(entry.region_provider, "model_prefixes")
    for endpoint in cat.endpoints:
        vendor_ok(endpoint.vendor, [endpoint.deployment], "endpoints")
        region_ok(endpoint.region_provider, "endpoints")


@functools.lru_cache(maxsize=4)
def load_code_catalogue(rules_dir: Path | None = None) -> CodeRules:
    """Load and check ``rules/code/`` (cached per folder); raise KnowledgeBaseError on any problem."""
    rules = (rules_dir or builtin_rules_dir()).resolve()
    return cached("code-catalogue", [rules], lambda: _load_code_catalogue(rules_dir, rules))


def _load_code_catalogue(rules_dir: Path | None, rules: Path) -> CodeRules:
    iac = load_catalogue(rules_dir)
    folder = rules / "code"
    problems: list[Diagnostic] = []
    cats: list[CodeCatalogue] = []
    files: list[str] = []
    paths = (
        sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if folder.is_dir()
        else []
    )
    for path in paths:
        files.append(display_path(path, rules))
        try:
            doc = read_yaml(path, display_path(path, rules))
        except YamlProblem as exc:
            problems.append(exc.diagnostic)
            continue
        cat, errors = validate_document(doc, CodeCatalogue)
        problems.extend(errors)
        if isinstance(cat, CodeCatalogue):
            _check(cat, iac, problems)
            cats.append(cat)
    clients = tuple(c for cat in cats for c in cat.clients)
    seen: set[str] = set()
    for cat in cats:
        for rule in cat.clients:
            if rule.id in seen:
                problems.append(_problem(cat, "clients", f"client id {rule.id!r} is used twice"))
            seen.add(rule.id)
    prefixes = [(p, e) for cat in cats for e in cat.model_prefixes for p in e.prefixes]
    known_prefixes = {p for p, _ in prefixes}
    for cat in cats:
        for bare in cat.bare_models:
            if bare.prefix not in known_prefixes:
                problems.append(
                    _problem(
                        cat, "bare_models", f"no model_prefixes entry has prefix {bare.prefix!r}"
                    )
                )
    if problems:
        raise KnowledgeBaseError(
            f"the code detection catalogue has {len(set(problems))} problem(s)", problems
        )
    exact: dict[str, list[ClientRule]] = {}
    globs: list[tuple[re.Pattern[str], ClientRule]] = []
    javascript: dict[str, list[ClientRule]] = {}
    for rule in clients:
        for name in rule.python:
            if "*" in name:
                pattern = re.compile(
                    r"\.".join(
                        "[A-Za-z0-9_]+" if p == "*" else re.escape(p) for p in name.split(".")
                    )
                )
                globs.append((pattern, rule))
            else:
                exact.setdefault(name, []).append(rule)
        for name in rule.javascript:
            javascript.setdefault(name, []).append(rule)
    return CodeRules(
        iac=iac,
        clients=clients,
        model_prefixes=tuple(sorted(prefixes, key=lambda item: -len(item[0]))),
        bare_models=tuple(b for cat in cats for b in cat.bare_models),
        endpoints=tuple(e for cat in cats for e in cat.endpoints) + tuple(iac.kubernetes.endpoints),
        local_hosts=tuple(h for cat in cats for h in cat.local_hosts),
        env_names=tuple(n for cat in cats for n in cat.env_names),
        python_exact={k: tuple(v) for k, v in exact.items()},
        python_globs=tuple(globs),
        javascript={k: tuple(v) for k, v in javascript.items()},
        files=tuple(files),
    )
