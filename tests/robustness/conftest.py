"""Robustness suite (issue 10): print how many hostile inputs were tried at the end of a run."""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.robustness._support import PROFILE_NAME, STATS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not any(STATS.values()):
        return
    parts = ", ".join(f"{value} {name}" for name, value in STATS.items())
    terminalreporter.write_line(f"robustness ({PROFILE_NAME} profile): {parts}")


@pytest.fixture(scope="package")
def cached_kb() -> Iterator[None]:
    """Load the knowledge base once for this package instead of once per CLI call.

    Package scope: the memo ends with the robustness tests, so later tests (the rules cache
    ones) see the real loader.

    The corpus and fuzz tests run the CLI hundreds of times on inventories, never
    on a changed knowledge base; reading the 80 rule files each time would take
    most of the suite's time budget. Every module of the package that imported
    ``load_knowledge_base`` gets a memoised version of the same function, so the
    behaviour under test is unchanged.
    """
    import auditor.audit
    import auditor.cli  # noqa: F401
    from auditor.kb import load_knowledge_base as original

    cache: dict[Any, Any] = {}

    @functools.wraps(original)
    def cached(*args: Any, **kwargs: Any) -> Any:
        key = (
            tuple(tuple(a) if isinstance(a, list) else a for a in args),
            tuple(sorted(kwargs.items())),
        )
        try:
            hash(key)
        except TypeError:
            return original(*args, **kwargs)
        if key not in cache:
            cache[key] = original(*args, **kwargs)
        return cache[key]

    with pytest.MonkeyPatch.context() as patch:
        for name, module in sorted(sys.modules.items()):
            if (
                name.startswith("auditor")
                and getattr(module, "load_knowledge_base", None) is original
            ):
                patch.setattr(module, "load_knowledge_base", cached)
        yield
