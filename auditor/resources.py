"""Locate the built-in data folders (``rules/`` and ``templates/``).

In a source checkout and an editable install they are the top-level folders of
the repository; in a wheel they are copied to ``auditor/_data/`` (see
``pyproject.toml``). Nothing here reads them: callers get a path.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    packaged = _PACKAGE_DIR / "_data" / name
    if packaged.is_dir():
        return packaged
    return _PACKAGE_DIR.parent / name


def builtin_rules_dir() -> Path:
    """The knowledge base and built-in checks shipped with the tool."""
    return _data_dir("rules")


def builtin_templates_dir() -> Path:
    """The Jinja2 report templates shipped with the tool."""
    return _data_dir("templates")
