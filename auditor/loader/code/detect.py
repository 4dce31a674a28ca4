"""Apply the code catalogue to call sites: which AI service each call reaches, and where.

For every call site whose callee the catalogue knows, the detector decides the
vendor (the API host wins over the SDK: ``OpenAI(base_url="https://api.deepseek.com")``
is DeepSeek), the region (an argument, else a variable of the SDK that a file of
the tree sets; never a default region), the deployment option (API host, model-id
prefix, Vertex location) and the model (an argument, or the ``model=`` of later
calls on the client variable; one component per distinct model). Each decision
keeps its chain of steps for ``--explain-resolution``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.loader.code.catalogue import ClientRule, CodeRules, ModelPrefix
from auditor.loader.code.facts import CallSite, Environment, FileFacts, redact, short
from auditor.loader.iac.catalogue import EndpointRule
from auditor.loader.iac.detect import Decided, Detector, Part, Placed, slug
from auditor.loader.iac.hcl import HOLE, UNKNOWN, Val, step, unknown
from auditor.loader.iac.result import How
from auditor.model.inventory import ComponentKind

_URL = re.compile(
    r"(?i)^\s*(?:[a-z][a-z0-9+.-]*://)?(?:[^@/\s]*@)?(\[[0-9a-f:]+\]|[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?)(?::\d+)?(?:[/?#].*)?$"
)
_HOSTY = re.compile(r"(?i)^(https?|wss?)://")


def host_of(text: str) -> str | None:
    """The host name in a URL (or a bare host), lower case; None when there is none."""
    if HOLE in text.split("//", 1)[-1].split("/", 1)[0]:
        return None
    match = _URL.match(text)
    if match is None:
        return None
    host = match.group(1).lower()
    if "." not in host and not _HOSTY.match(text) and host not in ("localhost",):
        return None
    return host


@dataclass(frozen=True)
class _Host:
    host: str | None
    val: Val


class CodeDetector:
    """Turns the call sites of one file into components (as :class:`Part` drafts)."""

    def __init__(self, rules: CodeRules, env: Environment) -> None:
        self.rules = rules
        self.env = env
        self.iac = Detector(rules.iac)

    def parts(self, facts: FileFacts, module: str, language: str) -> list[Part]:
        ruled = [(site, self._rule(site, language)) for site in facts.calls]
        parts: list[Part] = []
        for site, rule in ruled:
            if rule is None or self._sent(site, rule, ruled):
                continue
            parts.extend(self._parts(site, rule, facts, module))
        return parts

    @staticmethod
    def _sent(
        site: CallSite, rule: ClientRule, ruled: list[tuple[CallSite, ClientRule | None]]
    ) -> bool:
        """A command object whose model a client of this file sends (counted at the client).

        A command whose model is not fixed in the code (``new ConverseCommand(payload)``
        with the payload a parameter) adds nothing a client of this file does not already
        say (the service; the region is the client's): it is counted at the client too,
        rather than as one more component per command.
        """
        if not rule.sent_by:
            return False
        clients = {
            s.target for s, r in ruled if r is not None and r.id in rule.sent_by and s.target
        }
        model = next((site.kwargs[m] for m in rule.model if m in site.kwargs), None)
        if model is None or not model.known:
            return bool(clients)
        for other, _ in ruled:
            receiver = other.receiver or ""
            if not any(receiver == t or receiver.startswith(t + ".") for t in clients):
                continue
            sent = next((other.kwargs[m] for m in rule.model if m in other.kwargs), None)
            if sent is not None and sent.known and sent.value == model.value:
                return True
        return False

    # --- rule choice ---------------------------------------------------------------------------

    def _candidates(self, site: CallSite, language: str) -> list[ClientRule]:
        if not site.callee:
            return []
        if language == "python":
            return self.rules.python_rules(site.callee)
        return list(self.rules.javascript.get(site.callee, ()))

    def _rule(self, site: CallSite, language: str) -> ClientRule | None:
        for rule in self._candidates(site, language):
            if rule.service is not None:
                val = _arg(site, rule.service.keyword, rule.service.position)
                if val is None or not val.known or str(val.value) not in rule.service.values:
                    continue
            if not all(_matches(site.kwargs.get(k), v) for k, v in rule.when.items()):
                continue
            if any(_matches(site.kwargs.get(k), v) for k, v in rule.unless.items()):
                continue
            return rule
        return None

    # --- parts ---------------------------------------------------------------------------------

    def _parts(self, site: CallSite, rule: ClientRule, facts: FileFacts, module: str) -> list[Part]:
        host = self._host(site, rule)
        endpoint = self.rules.endpoint(host.host) if host.host else None
        local = host.host is not None and endpoint is None and self.rules.local(host.host)
        if rule.known_host_only and endpoint is None:
            return []
        models = self._models(site, rule, facts)
        parts = []
        choices: list[Val | None] = list(models) or [None]
        for model in choices:
            parts.append(self._part(site, rule, host, endpoint, local, model, module))
        if len(parts) > 1:
            for part, model in zip(parts, models, strict=True):
                text = model.value if model is not None and model.known else "unknown"
                part.ident = slug(f"{part.ident}.{text}")
                part.address = f"{part.address} model {text}"
        return parts

    def _part(
        self,
        site: CallSite,
        rule: ClientRule,
        host: _Host,
        endpoint: tuple[EndpointRule, re.Match[str]] | None,
        local: bool,
        model: Val | None,
        module: str,
    ) -> Part:
        prefix: ModelPrefix | None = None
        model_name: str | None = (
            model.value
            if model is not None and model.known and isinstance(model.value, str)
            else None
        )
        bare_model = model_name
        if rule.model_strings and model_name:
            hit = self.rules.model_prefix(model_name)
            if hit is not None:
                prefix = hit[1]
                bare_model = model_name[len(hit[0]) :]
        vendor = rule.vendor
        label = rule.label
        kind = rule.kind
        self_hosted = rule.self_hosted
        region_provider = rule.region_provider
        id_prefixes = rule.model_id_prefixes
        options = rule.location_options
        deployment: Decided | None = None
        notes: list[str] = []
        if rule.note:
            notes.append(rule.note)
        if prefix is not None:
            vendor = prefix.vendor
            label = f"{prefix.label} via {rule.label}"
            self_hosted = prefix.self_hosted
            region_provider = prefix.region_provider or region_provider
            id_prefixes = prefix.model_id_prefixes
            options = prefix.location_options
            if prefix.note:
                notes.append(prefix.note)
            if host.host is None and prefix.default_host:
                host = _Host(
                    prefix.default_host,
                    Val(
                        prefix.default_host,
                        (
                            step(
                                How.SDK_DEFAULT,
                                site.span,
                                f"{model_name}: {prefix.label} at {prefix.default_host}",
                            ),
                        ),
                    ),
                )
                endpoint = self.rules.endpoint(prefix.default_host)
                local = endpoint is None and self.rules.local(prefix.default_host)
        elif rule.model_strings:
            notes.append(
                "the model string does not name a provider the catalogue knows"
                if model_name
                else "the model is not fixed in the code, so the provider is unknown"
            )
        if endpoint is not None:
            ep = endpoint[0]
            vendor = ep.vendor
            if ep.note:
                notes.append(ep.note)
        elif prefix is None and rule.default_host is not None and not local:
            # An SDK whose host can be pointed anywhere (OpenAI-compatible gateways, proxies):
            # only its default host or a catalogued one says which service it reaches.
            if host.host is None:
                vendor = None
                notes.append(
                    f"the API URL is only known at run time, so the service this {rule.label} "
                    f"reaches is unknown (without a URL the SDK calls {rule.default_host})"
                )
            elif host.host != rule.default_host:
                vendor = None
                notes.append(
                    f"the host {host.host} is not in the catalogue of API hosts (rules/code/, "
                    "rules/iac/kubernetes.yaml): the service it reaches is unknown"
                )
        if local:
            self_hosted = True
            notes.append(
                f"{host.host} is the application's own machine or network: a self-hosted model server"
            )
        if self_hosted:
            kind = rule.kind if rule.self_hosted else ComponentKind.INFERENCE_ENDPOINT
            vendor = self.rules.iac.model_vendor(bare_model) if bare_model else None
            if vendor is not None and "self-hosted" in self.rules.iac.vendor_options.get(
                vendor, ()
            ):
                deployment = Decided("self-hosted", model)
        placed = self._placed(site, rule, host, endpoint, self_hosted, region_provider)
        if deployment is None and not self_hosted:
            deployment = self._deployment(
                rule, vendor, host, endpoint, placed, model, bare_model, id_prefixes, options
            )
        model_decided = None
        if model is not None:
            model_decided = Decided(model_name, model)
        elif rule.model or rule.model_position is not None or rule.call_model:
            model_decided = Decided(
                None,
                unknown(
                    "no model is named at this call or at calls on its client",
                    (step(How.UNKNOWN, site.span, site.text),),
                ),
            )
        name_part = site.target.split(".")[-1] if site.target else rule.id
        where = f"{host.host}" if host.host else ""
        return Part(
            address=f"{site.span.path}:{site.span.line}",
            span=site.span,
            kind=kind,
            label=f"{label}{' (' + where + ')' if where else ''} at",
            vendor=vendor,
            placed=placed,
            deployment=deployment,
            model=model_decided,
            model_vendor=self.rules.iac.model_vendor(bare_model) if bare_model else None,
            open_weights=True
            if self_hosted and bare_model and self.rules.iac.model_vendor(bare_model)
            else None,
            notes=[f"{site.text}.", *notes],
            ident=slug(f"{module}.{name_part}"),
        )

    def _host(self, site: CallSite, rule: ClientRule) -> _Host:
        for name in rule.host:
            val = site.kwargs.get(name)
            if val is not None:
                return self._host_val(val)
        if rule.host_position is not None and rule.host_position < len(site.args):
            return self._host_val(site.args[rule.host_position])
        for name in rule.host_env:
            setting = self.env.lookup(name, site.span.path)
            if setting is not None:
                val = Val(
                    setting.value,
                    (
                        step(
                            How.CODE_CONSTANT,
                            site.span,
                            f"{short(site.text)}: no URL given; the SDK reads {name}",
                        ),
                        step(How.CONFIG_FILE, setting.span, f"{name}={short(setting.value)}"),
                    ),
                )
                return self._host_val(val)
        if rule.default_host:
            unless = f" unless {' or '.join(rule.host_env)} is set" if rule.host_env else ""
            return _Host(
                rule.default_host,
                Val(
                    rule.default_host,
                    (
                        step(
                            How.SDK_DEFAULT,
                            site.span,
                            f"the SDK's default host {rule.default_host}{unless}",
                        ),
                    ),
                ),
            )
        return _Host(
            None, unknown("the code gives no API URL", (step(How.UNKNOWN, site.span, site.text),))
        )

    @staticmethod
    def _host_val(val: Val) -> _Host:
        if val.known and isinstance(val.value, str):
            val = Val(redact(val.value), val.steps, val.reason, val.partial)
        text = val.value if val.known and isinstance(val.value, str) else val.partial
        if text is None:
            return _Host(None, val)
        return _Host(host_of(text), val)

    def _placed(
        self,
        site: CallSite,
        rule: ClientRule,
        host: _Host,
        endpoint: tuple[EndpointRule, re.Match[str]] | None,
        self_hosted: bool,
        region_provider: str | None,
    ) -> Placed:
        if self_hosted:
            return Placed(
                unknown(
                    "the model runs where the application (or its model server) runs; declare that place in the inventory",
                    (*host.val.steps[:1], step(How.UNKNOWN, site.span, site.text))
                    if host.host
                    else (step(How.UNKNOWN, site.span, site.text),),
                ),
                None,
            )
        if endpoint is not None:
            ep, match = endpoint
            region = match.groupdict().get("region")
            if region and ep.region_provider:
                return self._region(Val(region, host.val.steps), ep.region_provider)
            if ep.location is not None:
                return Placed(host.val, ep.location)
        for name in rule.region:
            val = site.kwargs.get(name)
            if val is not None:
                return self._region(val, region_provider)
        for name in rule.region_env:
            setting = self.env.lookup(name, site.span.path)
            if setting is not None:
                val = Val(
                    setting.value,
                    (
                        step(
                            How.CODE_CONSTANT, site.span, f"no region given; the SDK reads {name}"
                        ),
                        step(How.CONFIG_FILE, setting.span, f"{name}={short(setting.value)}"),
                    ),
                )
                return self._region(val, region_provider)
        if rule.no_region_note and not (host.host and endpoint is None and rule.vendor is None):
            reason = rule.no_region_note
        elif host.host:
            reason = f"the host {host.host} does not say where the service stores or processes data"
        else:
            reason = "the code names no region"
        if rule.region_env:
            reason += f"; at run time it comes from {', '.join(rule.region_env)} or the SDK's configuration, which the tree does not set"
        steps = host.val.steps if host.host else (step(How.UNKNOWN, site.span, site.text),)
        return Placed(unknown(reason, steps), None)

    def _region(self, val: Val, provider: str | None) -> Placed:
        if not val.known:
            return Placed(val, None)
        if provider is None:
            return Placed(
                Val(UNKNOWN, val.steps, f"{val.value!r}: no region catalogue for this client"), None
            )
        raw = str(val.value).strip().lower()
        if self.rules.iac.regions.knows(provider, raw):
            return Placed(val, f"{provider}:{raw}", raw)
        return Placed(
            val,
            None,
            None,
            f"{raw!r} is not a single {provider} region in rules/regions/{provider}.yaml; never guessed",
        )

    def _deployment(
        self,
        rule: ClientRule,
        vendor: str | None,
        host: _Host,
        endpoint: tuple[EndpointRule, re.Match[str]] | None,
        placed: Placed,
        model: Val | None,
        bare_model: str | None,
        id_prefixes: str | None,
        options: dict[str, str],
    ) -> Decided | None:
        if vendor is None or not self.rules.iac.vendor_options.get(vendor):
            return None
        if rule.deployment is not None:
            return Decided(rule.deployment, host.val)
        if endpoint is not None:
            ep, _ = endpoint
            if ep.deployment is not None:
                return Decided(ep.deployment, host.val)
        if id_prefixes is not None and model is not None and bare_model:
            cat = self.rules.iac.providers[id_prefixes]
            option, note = self.iac.model_id_option(cat, bare_model)
            return Decided(option, model if option else unknown(note or "", model.steps), note)
        if options and placed.val.known and isinstance(placed.val.value, str):
            written = placed.val.value.strip().lower()
            option = options.get(written) or (options.get("*") if placed.place else None)
            if option is not None:
                return Decided(option, placed.val)
        reason = "the code does not fix a deployment option"
        if id_prefixes is not None:
            reason = "the model id (whose prefix decides the processing geography) is not fixed in the code"
        return Decided(None, unknown(reason, placed.val.steps or host.val.steps))

    def _models(self, site: CallSite, rule: ClientRule, facts: FileFacts) -> list[Val]:
        for name in rule.model:
            val = site.kwargs.get(name)
            if val is not None:
                return [val]
        if rule.model_position is not None and rule.model_position < len(site.args):
            return [site.args[rule.model_position]]
        if site.target is None:
            return []
        found: dict[str, Val] = {}
        unknowns: list[Val] = []
        for other in facts.calls:
            receiver = other.receiver or ""
            if not (receiver == site.target or receiver.startswith(site.target + ".")):
                continue
            if site.binding is not None and other.binding not in (None, site.binding):
                continue  # the same name bound in another function or class
            for name in rule.call_model:
                val = other.kwargs.get(name)
                if val is None:
                    continue
                if val.known and isinstance(val.value, str):
                    found.setdefault(val.value, val)
                else:
                    unknowns.append(val)
        if found:
            return list(found.values())
        return unknowns[:1]


def _arg(site: CallSite, keyword: str | None, position: int) -> Val | None:
    if keyword is not None and keyword in site.kwargs:
        return site.kwargs[keyword]
    return site.args[position] if position < len(site.args) else None


def _matches(val: Val | None, accepted: list[str]) -> bool:
    if val is None or not val.known:
        return False
    return str(val.value).lower() in {a.lower() for a in accepted}
