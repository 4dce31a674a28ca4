"""Find the YAML files an argument names, refusing what lies outside the given tree."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from auditor.errors import Diagnostic

YAML_SUFFIXES = (".yaml", ".yml")


def expand_paths(paths: Sequence[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Files named directly, plus every ``*.yaml``/``*.yml`` under named folders (sorted).

    Hidden files and folders are skipped. A symbolic link that leads outside the
    folder being walked is refused, so a hostile repository cannot make the
    auditor read (and quote in a report) files elsewhere on the machine.
    """
    found: list[Path] = []
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
            found.append(given)
            continue
        folder_files: list[Path] = []
        for dirpath, dirnames, filenames in os.walk(given, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in dirnames:
                linked = Path(dirpath) / name
                if linked.is_symlink():  # never followed: say so rather than audit less in silence
                    problems.append(
                        Diagnostic(
                            str(linked),
                            None,
                            None,
                            "symbolic link to a folder is not followed",
                            "name the folder itself on the command line, or copy its files here",
                        )
                    )
            for name in sorted(filenames):
                if name.startswith(".") or not name.endswith(YAML_SUFFIXES):
                    continue
                path = Path(dirpath) / name
                if path.is_symlink():
                    try:
                        target = path.resolve(strict=True)
                    except (OSError, RuntimeError) as exc:
                        problems.append(
                            Diagnostic(
                                str(path), None, None, f"broken or looping symbolic link: {exc}"
                            )
                        )
                        continue
                    if not target.is_relative_to(root):
                        problems.append(
                            Diagnostic(
                                str(path),
                                None,
                                None,
                                f"symbolic link leads outside {given} (to {target})",
                                "copy the file into the inventory folder instead of linking it",
                            )
                        )
                        continue
                if not path.is_file():  # a FIFO or device would block or stream forever
                    problems.append(Diagnostic(str(path), None, None, "not a regular file"))
                    continue
                folder_files.append(path)
        if not folder_files:
            problems.append(
                Diagnostic(str(given), None, None, "no *.yaml or *.yml files in this folder")
            )
        found.extend(sorted(folder_files))
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return list(unique.values()), problems
