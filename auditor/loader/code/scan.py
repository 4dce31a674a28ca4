"""``scan_code(root)``: the AI services an application's source and configuration call.

Systems and ids: the files under one top-level folder ``<dir>`` of the scanned
tree make system ``code-<slug(dir)>`` (``code-root`` for files directly in it);
each detected call is a component ``slug(<module path>.<client variable>)``
(``app.llm.client``), or ``<module path>.<rule id>`` when the result is not
assigned, with the call's ``file:line`` as its address and span.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import InputError
from auditor.loader.code.catalogue import CodeRules
from auditor.loader.code.config import (
    ConfiguredUrl,
    config_urls,
    is_compose_file,
    is_config_file,
    is_env_file,
    read_compose,
    read_env_file,
)
from auditor.loader.code.detect import CodeDetector, host_of
from auditor.loader.code.facts import Environment, FileFacts
from auditor.loader.code.javascript import read_javascript
from auditor.loader.code.python import module_constants, read_python
from auditor.loader.files import read_regular_file
from auditor.loader.iac.detect import Decided, Part, Placed, slug
from auditor.loader.iac.hcl import Val, step, unknown
from auditor.loader.iac.result import How
from auditor.model.inventory import ComponentKind

# Folders of dependencies, builds and tools: never the application's own code.
SKIP_DIRS = frozenset(
    {
        "node_modules",
        ".venv",
        "venv",
        "site-packages",
        "dist",
        "build",
        ".git",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".next",
        ".nuxt",
        "bower_components",
        "vendor",
        "third_party",
        ".terraform",
        "coverage",
        "out",
    }
)
PYTHON_SUFFIXES = (".py", ".pyi")
JS_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")


@dataclass(frozen=True)
class CodeLimits:
    """Caps on what a code scan may cost; each breach is a note, never a crash."""

    max_files: int = 20_000
    max_file_bytes: int = 2 * 1024 * 1024
    max_nodes: int = 500_000  # syntax nodes (Python) or tokens (JavaScript) per file


DEFAULT_CODE_LIMITS = CodeLimits()


@dataclass
class CodeScan:
    """What the code scan found: parts per system, files read and notes."""

    parts: dict[str, list[Part]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Files:
    python: list[Path] = field(default_factory=list)
    javascript: list[Path] = field(default_factory=list)
    env: list[Path] = field(default_factory=list)
    compose: list[Path] = field(default_factory=list)
    config: list[Path] = field(default_factory=list)


def _walk(root: Path, limits: CodeLimits, notes: list[str]) -> _Files:
    found = _Files()
    base = root.resolve()
    count = 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIP_DIRS
            and not d.startswith(".")
            # unrendered Helm templates are not YAML (the infrastructure scan says so)
            and not ("Chart.yaml" in filenames and d in ("templates", "charts"))
        )
        for name in sorted(filenames):
            path = here / name
            if is_env_file(name):
                bucket = found.env
            elif name.startswith("."):
                continue
            elif name.endswith(PYTHON_SUFFIXES):
                bucket = found.python
            elif name.endswith(JS_SUFFIXES) and not name.endswith((".min.js", ".d.ts")):
                bucket = found.javascript
            elif is_compose_file(name):
                bucket = found.compose
            elif is_config_file(name):
                bucket = found.config
            else:
                continue
            if path.is_symlink():
                try:
                    inside = path.resolve(strict=True).is_relative_to(base)
                except (OSError, RuntimeError):  # a loop or a dangling link
                    notes.append(f"{path}: symbolic link that loops or leads nowhere; not read")
                    continue
                if not inside:
                    notes.append(f"{path}: symbolic link leads outside {root}; not read")
                    continue
            count += 1
            if count > limits.max_files:
                notes.append(
                    f"{root}: more than {limits.max_files} source and configuration files; the "
                    "rest were not read (scan the application's folders one by one)"
                )
                return found
            bucket.append(path)
    return found


def _read(path: Path, limits: CodeLimits, notes: list[str]) -> str | None:
    try:
        data = read_regular_file(path, limits.max_file_bytes, "source file")
    except InputError as exc:
        notes.append(f"{exc}; not scanned")
        return None
    if b"\x00" in data[:4096]:
        return None  # binary
    return data.decode("utf-8-sig", errors="replace")


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _system(rel: str) -> str:
    head, sep, _ = rel.partition("/")
    return slug(f"code-{head}") if sep else "code-root"


def _module(rel: str) -> str:
    stem = rel.rsplit(".", 1)[0] if "." in rel.rsplit("/", 1)[-1] else rel
    return stem.replace("/", ".")


def _python_module(rel: str) -> str:
    """``app/settings.py`` -> ``app.settings``; ``app/__init__.py`` -> ``app``."""
    stem = rel.rsplit(".", 1)[0]
    if stem.endswith("/__init__") or stem == "__init__":
        stem = stem[: -len("__init__")].rstrip("/")
    return stem.replace("/", ".")


def _package_relative(rel: str) -> str:
    """The name relative imports are resolved from: a package's ``__init__`` is inside it."""
    return rel.rsplit(".", 1)[0].replace("/", ".")


class _ModuleIndex:
    """The Python modules of the scanned tree by dotted name, read on demand (once each), so
    that a constant imported from another module (``from .settings import REGION``) is folded
    where it is written.

    A module is known by its path from the scanned folder (``app.settings``) and, when that
    is unambiguous, by the path from any folder below it (``src/app/settings.py`` is also
    ``app.settings``: a ``src`` layout imports it so).
    """

    def __init__(self, root: Path, paths: list[Path], env: Environment, limits: CodeLimits) -> None:
        self.env = env
        self.limits = limits
        self.paths: dict[str, Path] = {}
        suffixes: dict[str, list[Path]] = {}
        for path in paths:
            name = _python_module(_rel(path, root))
            self.paths[name] = path
            parts = name.split(".")
            for i in range(1, len(parts)):
                suffixes.setdefault(".".join(parts[i:]), []).append(path)
        for name, found in suffixes.items():
            if name not in self.paths and len(found) == 1:
                self.paths[name] = found[0]
        self.root = root
        self.folders: dict[str, Callable[[str], Val | None] | None] = {}
        self.busy: set[tuple[str, str]] = set()

    def lookup(self, module: str, name: str) -> Val | None:
        """The value of ``name`` as ``module`` fixes it; None when unknown to the tree."""
        path = self.paths.get(module)
        if path is None or (module, name) in self.busy:
            return None
        if module not in self.folders:
            text = _read(path, self.limits, [])
            self.folders[module] = (
                None
                if text is None
                else module_constants(
                    str(path),
                    text,
                    self.env,
                    self.limits.max_nodes,
                    _package_relative(_rel(path, self.root)),
                    self.lookup,
                )
            )
        folder = self.folders[module]
        if folder is None:
            return None
        self.busy.add((module, name))
        try:
            return folder(name)
        finally:
            self.busy.discard((module, name))


def scan_code(root: Path, rules: CodeRules, limits: CodeLimits = DEFAULT_CODE_LIMITS) -> CodeScan:
    """Scan Python, JavaScript/TypeScript and configuration files under ``root`` (nothing executed)."""
    result = CodeScan()
    files = _walk(root, limits, result.notes)
    env = Environment()
    for path in files.env:
        text = _read(path, limits, result.notes)
        if text is not None:
            read_env_file(str(path), text, env)
            result.files.append(str(path))
    for path in files.compose:
        text = _read(path, limits, result.notes)
        if text is not None:
            note = read_compose(str(path), text, env)
            result.files.append(str(path))
            if note:
                result.notes.append(note)
    detector = CodeDetector(rules, env)
    lookup = _ModuleIndex(root, files.python, env, limits).lookup
    for paths, language in ((files.python, "python"), (files.javascript, "javascript")):
        for path in paths:
            text = _read(path, limits, result.notes)
            if text is None:
                continue
            display = str(path)
            facts: FileFacts = (
                read_python(
                    display,
                    text,
                    env,
                    limits.max_nodes,
                    rules.wants_python,
                    _package_relative(_rel(path, root)),
                    lookup,
                )
                if language == "python"
                else read_javascript(display, text, env, limits.max_nodes, rules.wants_javascript)
            )
            result.notes.extend(facts.notes)
            parts = detector.parts(facts, _module(_rel(path, root)), language)
            if parts:
                result.files.append(display)
                result.parts.setdefault(_system(_rel(path, root)), []).extend(parts)
    for path in files.config:
        text = _read(path, limits, result.notes)
        if text is None:
            continue
        urls, note = config_urls(str(path), text)
        if note:
            result.notes.append(note)
        parts = _config_parts(urls, rules, _module(_rel(path, root)))
        if parts:
            result.files.append(str(path))
            result.parts.setdefault(_system(_rel(path, root)), []).extend(parts)
    return result


def _config_parts(urls: list[ConfiguredUrl], rules: CodeRules, module: str) -> list[Part]:
    parts: list[Part] = []
    seen: set[tuple[str, str]] = set()
    for item in urls:
        host = host_of(item.url)
        hit = rules.endpoint(host) if host else None
        if host is None or hit is None or (item.key, host) in seen:
            continue
        seen.add((item.key, host))
        endpoint, match = hit
        written = Val(item.url, (step(How.CONFIG_FILE, item.span, f"{item.key}: {item.url}"),))
        region = match.groupdict().get("region")
        if (
            region
            and endpoint.region_provider
            and rules.iac.regions.knows(endpoint.region_provider, region)
        ):
            placed = Placed(written, f"{endpoint.region_provider}:{region}", region)
        elif endpoint.location is not None:
            placed = Placed(written, endpoint.location)
        else:
            placed = Placed(
                unknown(
                    f"the host {host} does not say where the service stores or processes data",
                    written.steps,
                ),
                None,
            )
        deployment = Decided(endpoint.deployment, written) if endpoint.deployment else None
        parts.append(
            Part(
                address=f"{item.span.path}:{item.span.line}",
                span=item.span,
                kind=ComponentKind.MODEL_API,
                label=f"API URL ({host}) configured at",
                vendor=endpoint.vendor,
                placed=placed,
                deployment=deployment,
                notes=[f"{item.key} = {item.url}."] + ([endpoint.note] if endpoint.note else []),
                ident=slug(f"{module}.{item.key}"),
            )
        )
    return parts
