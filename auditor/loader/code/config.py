"""Configuration files of an application: environment settings and API URLs.

* ``.env``, ``.env.<stage>`` and ``.env.example`` style files: ``NAME=value`` lines
  (``export`` and quotes allowed) become :class:`~auditor.loader.code.facts.EnvSetting`
  values that environment reads in code resolve to; example files only fill in when
  the code has no default.
* docker-compose files: the ``environment`` block of every service (map or
  ``NAME=value`` list) likewise.
* other YAML, JSON and TOML files: every string value whose URL host is in the
  catalogue of API hosts is an AI service the application is configured to call
  (reported as a component at that key's line).
"""

from __future__ import annotations

import json
import posixpath
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass

import yaml

from auditor.loader.code.facts import Environment, EnvSetting
from auditor.model.common import SourceSpan

_ENV_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")
_EXAMPLE = re.compile(r"(?i)(example|sample|template|dist|defaults?|tmpl)")
_COMPOSE = re.compile(r"(?i)^(docker-)?compose([.-][a-z0-9_.-]+)?\.ya?ml$")
_URL_IN = re.compile(r"(?i)\b(?:https?|wss?)://[^\s\"'<>]+")
_USERINFO = re.compile(r"(?i)^((?:https?|wss?)://)[^/@\s]*@")
_SKIP_CONFIG = frozenset(
    {
        "package-lock.json",
        "composer.lock",
        "pnpm-lock.yaml",
        "tsconfig.json",
        "poetry.lock",
        "Pipfile.lock",
    }
)


def is_env_file(name: str) -> bool:
    """``.env``, ``.env.local``, ``.env.example``, ``prod.env``, ..."""
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")


def is_compose_file(name: str) -> bool:
    """docker-compose.yml, compose.yaml, docker-compose.prod.yml, ..."""
    return _COMPOSE.match(name) is not None


def is_config_file(name: str) -> bool:
    """A YAML, JSON or TOML file that may configure API URLs."""
    if name in _SKIP_CONFIG or name.endswith((".lock", ".min.json")):
        return False
    return name.endswith((".yaml", ".yml", ".json", ".toml"))


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    if " #" in value:
        value = value.split(" #", 1)[0].rstrip()
    return value


def read_env_file(path: str, text: str, env: Environment) -> None:
    """Add the settings of one .env file."""
    example = _EXAMPLE.search(path.rsplit("/", 1)[-1]) is not None
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        match = _ENV_LINE.match(line)
        if match:
            env.add(
                EnvSetting(
                    match.group(1), _unquote(match.group(2)), SourceSpan(path, number, 1), example
                )
            )


def _line_of(lines: list[str], needle: str, start: int = 0) -> int:
    for index in range(start, len(lines)):
        if needle in lines[index]:
            return index + 1
    return start + 1 if start < len(lines) else 1


def read_compose(path: str, text: str, env: Environment) -> str | None:
    """Add the environment settings of a docker-compose file; a problem is returned as a note."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return f"{path}: not valid YAML ({str(exc).splitlines()[0]}); its environment was not read"
    except RecursionError:
        return f"{path}: nested too deeply; its environment was not read"
    services = doc.get("services") if isinstance(doc, dict) else None
    if not isinstance(services, dict):
        return None
    lines = text.splitlines()
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        block = service.get("environment")
        start = _line_of(lines, f"{name}:") - 1
        scope = _build_context(path, service.get("build"))
        pairs: list[tuple[str, str]] = []
        if isinstance(block, dict):
            pairs = [(str(k), "" if v is None else str(v)) for k, v in block.items()]
        elif isinstance(block, list):
            for item in block:
                if isinstance(item, str) and "=" in item:
                    key, _, value = item.partition("=")
                    pairs.append((key.strip(), value.strip()))
        for key, value in pairs:
            if "${" in value:
                continue  # interpolated from the shell at run time
            line = _line_of(lines, key, start)
            env.add(EnvSetting(key, value, SourceSpan(path, line, 1), False, scope))
    return None


def _build_context(compose_path: str, build: object) -> str | None:
    """The folder a service's ``build:`` (a path, or ``{context: path}``) names, relative to
    the compose file as compose resolves it; None for a service without a local build (its
    image is built elsewhere, so which code it runs is not known) or a remote context."""
    context = build.get("context", ".") if isinstance(build, dict) else build
    if (
        not isinstance(context, str)
        or not context
        or "://" in context
        or context.startswith("git@")
    ):
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(compose_path), context))


@dataclass(frozen=True)
class ConfiguredUrl:
    """A URL written in a configuration file, with the key path and line."""

    key: str
    url: str
    span: SourceSpan


def _walk(value: object, key: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list):
        for index, v in enumerate(value):
            yield from _walk(v, f"{key}[{index}]")
    elif isinstance(value, str):
        yield key, value


def _plain_config(doc: dict[object, object]) -> bool:
    """Not a document another reader owns or the auditor wrote itself."""
    if "apiVersion" in doc and "kind" in doc:
        return False  # a Kubernetes manifest: the infrastructure scanner reads it
    if "format_version" in doc and ({"planned_values", "values", "resource_changes"} & doc.keys()):
        return False  # Terraform plan or state JSON: read as infrastructure
    if "runs" in doc and "version" in doc:
        return False  # SARIF (an earlier run's output)
    return not ({"exposures", "findings"} & doc.keys())  # an auditor report


def config_urls(path: str, text: str) -> tuple[list[ConfiguredUrl], str | None]:
    """URLs in string values of a YAML, JSON or TOML file (with the line they are on)."""
    if not _URL_IN.search(text):
        return [], None
    try:
        if path.endswith(".json"):
            doc: object = json.loads(text)
        elif path.endswith(".toml"):
            doc = tomllib.loads(text)
        else:
            docs = list(yaml.safe_load_all(text))
            doc = docs[0] if len(docs) == 1 else docs
    except (ValueError, yaml.YAMLError, RecursionError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [], f"{path}: cannot be read as configuration ({first}); its URLs were not read"
    for item in doc if isinstance(doc, list) else [doc]:
        if isinstance(item, dict) and not _plain_config(item):
            return [], None
    lines = text.splitlines()
    found: list[ConfiguredUrl] = []
    for key, value in _walk(doc, ""):
        for match in _URL_IN.finditer(value):
            url = _USERINFO.sub(r"\1***@", match.group(0))  # never repeat a credential
            found.append(ConfiguredUrl(key, url, SourceSpan(path, _line_of(lines, url), 1)))
    return found, None
