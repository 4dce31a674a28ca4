"""Find the YAML files an argument names, refusing what lies outside the given tree;
read a side file (a JSON baseline or result) only if it is a regular file of bounded size."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from auditor.errors import Diagnostic, InputError

YAML_SUFFIXES = (".yaml", ".yml")

# A JSON audit result read back (--baseline, explain FINGERPRINT result.json): the JSON of
# a 10,000-system estate is about 900 MB; a --write-baseline file is a few KB per finding.
JSON_READ_LIMIT = 1024 * 1024 * 1024


def read_regular_file(path: Path, limit: int, what: str) -> bytes:
    """The bytes of ``path`` (symbolic links followed) if it is a regular file of at most
    ``limit`` bytes; otherwise an :class:`~auditor.errors.InputError` naming the file.

    A pipe, a device such as ``/dev/zero`` or a file that grows while it is read would
    block or never end: the file is opened without blocking, checked with ``fstat`` on
    the open descriptor (so a swapped link cannot slip past) and read up to the limit.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(
                f"cannot read {what} {path}: not a regular file (a pipe, device or folder)"
            )
        if info.st_size > limit:
            raise InputError(_too_large(what, path, limit))
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew while being read
            raise InputError(_too_large(what, path, limit))
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _too_large(what: str, path: Path, limit: int) -> str:
    return f"cannot read {what} {path}: it is larger than the limit of {limit:,} bytes"


def expand_paths(paths: Sequence[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Files named directly, plus every ``*.yaml``/``*.yml`` under named folders (sorted).

    Hidden files and folders are skipped; a folder that cannot be listed is a problem,
    not a skip. A symbolic link that leads outside the
    folder being walked is refused, so a hostile repository cannot make the
    auditor read (and quote in a report) files elsewhere on the machine.
    """
    found: list[tuple[Path, Path]] = []  # (path as found, real path)
    problems: list[Diagnostic] = []
    for given in paths:
        try:
            exists = given.exists()
            root = given.resolve()
        except (OSError, RuntimeError) as exc:  # a symbolic-link loop, a permission error
            problems.append(Diagnostic(str(given), None, None, f"cannot resolve the path: {exc}"))
            continue
        if not exists:
            problems.append(Diagnostic(str(given), None, None, "no such file or folder"))
            continue
        if given.is_file():
            found.append((given, root))
            continue
        folder_files: list[tuple[Path, Path]] = []
        before = len(problems)
        _walk(given, root, given, root, folder_files, problems)
        unreadable = any(p.path == str(given) for p in problems[before:])
        if not folder_files and not unreadable:
            problems.append(
                Diagnostic(str(given), None, None, "no *.yaml or *.yml files in this folder")
            )
        found.extend(sorted(folder_files))
    unique: dict[Path, Path] = {}
    for path, real in found:
        unique.setdefault(real, path)
    return list(unique.values()), problems


def _walk(
    folder: Path,
    real_folder: Path,
    given: Path,
    root: Path,
    found: list[tuple[Path, Path]],
    problems: list[Diagnostic],
) -> None:
    """``os.walk(folder, followlinks=False)`` top-down with sorted names, reading each
    entry's kind from the directory listing instead of one ``stat`` per file (issue 9).

    ``real_folder`` is ``folder`` with symbolic links resolved: links to folders are
    never followed, so a file that is not itself a link is ``real_folder / name``.
    """
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError as exc:
        # os.walk would skip it in silence and the audit would cover less than was asked.
        problems.append(
            Diagnostic(
                str(folder),
                None,
                None,
                f"cannot read this folder: {exc.strerror or exc}",
                "make it readable by the user running the auditor, or move it out of the "
                "inventory folder",
            )
        )
        return
    folders: list[os.DirEntry[str]] = []
    files: list[os.DirEntry[str]] = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        (folders if is_dir else files).append(entry)
    folders = sorted((e for e in folders if not e.name.startswith(".")), key=lambda e: e.name)
    for entry in folders:
        if entry.is_symlink():  # never followed: say so rather than audit less in silence
            problems.append(
                Diagnostic(
                    str(folder / entry.name),
                    None,
                    None,
                    "symbolic link to a folder is not followed",
                    "name the folder itself on the command line, or copy its files here",
                )
            )
    for entry in sorted(files, key=lambda e: e.name):
        name = entry.name
        if name.startswith(".") or not name.endswith(YAML_SUFFIXES):
            continue
        path = folder / name
        if entry.is_symlink():
            try:
                real = path.resolve(strict=True)
            except (OSError, RuntimeError) as exc:
                problems.append(
                    Diagnostic(str(path), None, None, f"broken or looping symbolic link: {exc}")
                )
                continue
            if not real.is_relative_to(root):
                problems.append(
                    Diagnostic(
                        str(path),
                        None,
                        None,
                        f"symbolic link leads outside {given} (to {real})",
                        "copy the file into the inventory folder instead of linking it",
                    )
                )
                continue
        else:
            real = real_folder / name
        try:
            regular = entry.is_file()
        except OSError:
            regular = False
        if not regular:  # a FIFO or device would block or stream forever
            problems.append(Diagnostic(str(path), None, None, "not a regular file"))
            continue
        found.append((path, real))
    for entry in folders:
        if not entry.is_symlink():
            _walk(folder / entry.name, real_folder / entry.name, given, root, found, problems)
