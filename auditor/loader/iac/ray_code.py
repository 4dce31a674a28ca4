"""The Python module a Ray Serve ``import_path`` names, found in the scanned tree and read
with :mod:`ast` only (never imported or executed).

A RayService fetches its application code at run time (``runtime_env.working_dir``), so
the tree holds it only when that archive is the scanned repository itself (KubeRay's own
samples import ``ray-operator.config.samples.vllm.serve_tpu:model`` from an archive of
KubeRay). The module is looked up below the manifest's folder and each folder above it up
to the scan root; nothing outside the root is opened (no ``..``, no symbolic link leading
out), a file over :data:`MAX_MODULE_BYTES` is not read, and a file that does not parse is
named in a note.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from auditor.errors import InputError
from auditor.loader.files import read_regular_file

MAX_MODULE_BYTES = 1024 * 1024  # an application module is a few KB; 1 MB is generous
MAX_NODES = 200_000  # syntax nodes walked in one module
# One part of a dotted module path: a Python name, or a folder name with '-' (ray-operator),
# which importlib accepts. No empty part, '..', '/' or '\\' can get through.
_PART = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*\Z")


@dataclass
class ModuleRead:
    """What the module of an import_path shows."""

    module: str  # dotted name as written (ray-operator.config.samples.vllm.serve_tpu)
    path: Path | None = None  # the file in the tree, when found
    display: str = ""  # the path relative to the scan root
    imports: dict[str, int] = field(default_factory=dict)  # top-level import name -> first line
    problem: str | None = None  # why the file was found but not read


def module_of(import_path: str) -> str | None:
    """The module part of ``module:attribute`` or ``module.attribute``; None if malformed."""
    if ":" in import_path:
        module = import_path.split(":", 1)[0]
    elif "." in import_path:
        module = import_path.rsplit(".", 1)[0]
    else:
        return None
    parts = module.split(".")
    if not module or not all(_PART.match(p) for p in parts):
        return None
    return module


def _inside(path: Path, root: Path) -> Path | None:
    """``path`` resolved (links followed) if it exists and stays inside ``root``."""
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, or a link loop
        return None
    return resolved if resolved.is_relative_to(root) else None


def _bases(manifest_dir: Path, root: Path) -> Iterator[Path]:
    """The manifest's folder and each folder above it, up to and including the scan root."""
    current = manifest_dir.resolve()
    if not current.is_relative_to(root):
        yield root
        return
    while True:
        yield current
        if current == root:
            return
        current = current.parent


def find_module(import_path: str, manifest_file: str, root: Path | None) -> ModuleRead | None:
    """The module ``import_path`` names, read from the tree under ``root``; None when the
    import path is malformed or no such file is in the tree."""
    module = module_of(import_path)
    if module is None or root is None:
        return None
    base_root = root.resolve()
    parts = module.split(".")
    for base in _bases(Path(manifest_file).parent, base_root):
        for candidate in (
            base.joinpath(*parts[:-1], parts[-1] + ".py"),
            base.joinpath(*parts, "__init__.py"),
        ):
            if not candidate.exists() and not candidate.is_symlink():
                continue
            display = _display(candidate, base_root)
            inside = _inside(candidate, base_root)
            if inside is None:
                return ModuleRead(
                    module,
                    candidate,
                    display,
                    problem=(
                        "it is a symbolic link that is broken or leads outside the scanned "
                        "folder; not read"
                    ),
                )
            return _read(ModuleRead(module, inside, display))
    return None


def _display(path: Path, root: Path) -> str:
    try:
        return path.absolute().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _read(found: ModuleRead) -> ModuleRead:
    assert found.path is not None
    try:
        data = read_regular_file(found.path, MAX_MODULE_BYTES, "Python module")
    except InputError:
        found.problem = f"it is not a regular file of at most {MAX_MODULE_BYTES:,} bytes; not read"
        return found
    try:
        tree = ast.parse(data.decode("utf-8", errors="replace"), filename=found.display)
    except SyntaxError as exc:
        found.problem = f"line {exc.lineno or 1} is not valid Python ({exc.msg}); not read"
        return found
    except (ValueError, RecursionError, MemoryError) as exc:
        found.problem = f"it cannot be parsed as Python ({type(exc).__name__}); not read"
        return found
    for count, node in enumerate(ast.walk(tree)):
        if count > MAX_NODES:
            found.problem = f"it has more than {MAX_NODES:,} syntax nodes; not read"
            found.imports = {}
            return found
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".", 1)[0]
            line = getattr(node, "lineno", 1)
            if top not in found.imports or line < found.imports[top]:
                found.imports[top] = line
    return found
