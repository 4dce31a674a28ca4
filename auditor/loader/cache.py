"""A cache of the validated knowledge base, catalogues and checks, for the command line.

Every run of ``auditor scan`` or ``auditor audit`` used to read and validate all of
``rules/`` again (about 140 YAML files) before looking at its input: on a small
Terraform tree that was a fifth of the run (issue 19). The loaders now keep what they
built in a file of the user's cache folder, and the next run with the same rules, the
same auditor and the same Python reads that file instead.

The library does not cache unless told to (:func:`use_cache_dir`); the command line
tells it, with the folder from ``AUDITOR_CACHE_DIR`` or the platform's user cache
folder, and not at all under ``AUDITOR_NO_CACHE``.

A cache file is only ever a copy of what the loader would build now:

- its name is a SHA-256 over every byte that the result depends on: the content and
  relative path of every file under the rules folders, those folders' paths, what the
  caller adds (the working folder, when it shows in the result), the auditor's own
  source files, and the versions of Python, pydantic and pydantic-core. Change any of
  them and the name changes: a stale file is never read.
- only a successful load is stored; a knowledge base with problems is read, and its
  problems reported, on every run.
- the file is written whole (a temporary file renamed over it) and its payload carries
  its own SHA-256: a truncated or damaged file is ignored and rebuilt.

Reading a cache file runs :mod:`pickle`, which can run code, so a file is read only from
a folder that belongs to the user and that no one else can write (as ssh treats
``~/.ssh``), and only when the file itself belongs to the user and no one else can
write it. Anyone who can still write there can already change the user's own files.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Final, TypeVar, cast

import pydantic
import pydantic_core

from auditor import __version__

T = TypeVar("T")

_MAGIC: Final = b"residency-auditor cache 1\n"
_KEEP: Final = 8  # files of one kind kept: a few checkouts or rule folders side by side

_cache_dir: Path | None = None
_code_digest: str | None = None
_one_run = False
_tree_digests: dict[Path, bytes] = {}


def default_cache_dir(environ: Mapping[str, str]) -> Path | None:
    """The folder the command line caches in, or None when caching is off.

    ``AUDITOR_NO_CACHE`` (any non-empty value) turns it off; ``AUDITOR_CACHE_DIR`` names
    the folder; otherwise ``$XDG_CACHE_HOME/residency-auditor``, or
    ``~/.cache/residency-auditor``.
    """
    if environ.get("AUDITOR_NO_CACHE"):
        return None
    if environ.get("AUDITOR_CACHE_DIR"):
        return Path(environ["AUDITOR_CACHE_DIR"])
    if environ.get("XDG_CACHE_HOME"):
        return Path(environ["XDG_CACHE_HOME"]) / "residency-auditor"
    try:
        return Path.home() / ".cache" / "residency-auditor"
    except RuntimeError:  # no home folder to be found
        return None


def use_cache_dir(folder: Path | None, *, one_run: bool = False) -> None:
    """Cache loaded rules in ``folder`` from now on in this process (None: no cache).

    ``one_run`` says the caller is a single short run (the command line): each rules
    folder is then hashed once for the look-ups of all the loaders that read it, not
    once per loader. A library caller whose rules may change between loads leaves it off.
    """
    global _cache_dir, _one_run
    _cache_dir = folder
    _one_run = one_run
    _tree_digests.clear()


def cache_dir() -> Path | None:
    """The folder set by :func:`use_cache_dir`, if any."""
    return _cache_dir


def cached(
    kind: str, roots: Sequence[Path], build: Callable[[], T], *, context: Iterable[str] = ()
) -> T:
    """``build()``, or the copy of its result a previous run stored for the same inputs.

    ``roots`` are the folders ``build`` reads (every file under them is part of the
    key); ``context`` is anything else its result depends on, such as the working
    folder when file names are shown relative to it.
    """
    folder = _cache_dir
    if folder is None or not hasattr(os, "getuid"):  # no file owners to check: no cache
        return build()
    context = tuple(context)
    key = _key(kind, roots, context, fresh=False)
    if key is None:
        return build()
    target = folder / f"{kind}-{key}.pickle"
    found = _read(folder, target)
    if found is not None:
        return cast(T, found)
    value = build()
    if _key(kind, roots, context, fresh=True) == key:  # not stored if a file changed meanwhile
        _write(folder, target, value, kind)
    return value


def _key(kind: str, roots: Sequence[Path], context: Iterable[str], *, fresh: bool) -> str | None:
    digest = hashlib.sha256()

    def add(*parts: str | bytes) -> None:
        for part in parts:
            data = part.encode("utf-8", "surrogateescape") if isinstance(part, str) else part
            digest.update(len(data).to_bytes(8, "big"))
            digest.update(data)

    add(kind, __version__, sys.version, pydantic.VERSION, pydantic_core.__version__)
    add(_auditor_code())
    add(*context)
    try:
        for root in roots:
            resolved = root.resolve()
            add("root", str(root), str(resolved))
            if not resolved.is_dir():
                add("missing")
                continue
            add(_tree_digest(resolved, fresh=fresh))
    except OSError:
        return None  # an unreadable rules file: let the loader report it
    return digest.hexdigest()


def _tree_digest(folder: Path, *, fresh: bool) -> bytes:
    """The relative path and content of every file under ``folder``, as one digest.

    The knowledge base and both catalogues read the same rules folder: in one run of
    the command line it is hashed once for their look-ups (see :func:`use_cache_dir`);
    ``fresh`` hashes it again, to see a file that changed while a loader ran.
    """
    if _one_run and not fresh and folder in _tree_digests:
        return _tree_digests[folder]
    files: list[tuple[str, str]] = []
    for parent, folders, names in os.walk(folder, onerror=_raise):
        folders.sort()
        for name in names:
            path = os.path.join(parent, name)
            if os.path.isfile(path):
                files.append((os.path.relpath(path, folder).replace(os.sep, "/"), path))
    digest = hashlib.sha256()
    for relative, path in sorted(files):
        data = relative.encode("utf-8", "surrogateescape")
        digest.update(len(data).to_bytes(8, "big") + data)
        with open(path, "rb") as file:
            digest.update(hashlib.sha256(file.read()).digest())
    _tree_digests[folder] = digest.digest()
    return _tree_digests[folder]


def _raise(error: OSError) -> None:
    raise error


def _auditor_code() -> str:
    """A digest of the auditor's own source: a cache never outlives the code that wrote it."""
    global _code_digest
    if _code_digest is None:
        package = Path(__file__).resolve().parent.parent
        digest = hashlib.sha256()
        for path in sorted(package.rglob("*.py")):
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        _code_digest = digest.hexdigest()
    return _code_digest


def _private(info: os.stat_result) -> bool:
    """Owned by this user and writable by no one else."""
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # no owners to check (Windows): never read a pickle
        return False
    return bool(info.st_uid == getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _read(folder: Path, target: Path) -> object | None:
    try:
        if not _private(folder.stat()):
            return None
        info = target.lstat()
        if not stat.S_ISREG(info.st_mode) or not _private(info):
            return None
        data = target.read_bytes()
    except OSError:
        return None
    head = len(_MAGIC) + 32
    payload = data[head:]
    if (
        data[: len(_MAGIC)] != _MAGIC
        or hashlib.sha256(payload).digest() != data[len(_MAGIC) : head]
    ):
        _discard(target)  # damaged: this run writes it anew
        return None
    try:
        value: object = pickle.loads(payload)  # our own file: checked above
        return value
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        _discard(target)
        return None


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _write(folder: Path, target: Path, value: object, kind: str) -> None:
    """Store ``value`` whole or not at all; a cache that cannot be written is no error."""
    try:
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder.stat()):
            return
        handle, temp = tempfile.mkstemp(dir=folder, prefix=f".{kind}-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
            # A hard link publishes the whole file at once and never replaces one: a file
            # of that name already holds the same content (its name is its inputs' digest).
            os.link(temp, target)
        except FileExistsError:
            pass
        except OSError:
            return
        finally:
            Path(temp).unlink(missing_ok=True)
        _prune(folder, kind)
    except OSError:
        return


def _prune(folder: Path, kind: str) -> None:
    """Keep the newest few files of one kind: other checkouts and rule folders."""
    files = sorted(folder.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime_ns)
    for old in files[:-_KEEP]:
        old.unlink(missing_ok=True)
