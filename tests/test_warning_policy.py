"""The suite's warning policy: our warnings fail a test, a library's notice about its own future does not.

The policy lives in ``pyproject.toml`` (``filterwarnings``). WeasyPrint, for one, warns at import
when ``libharfbuzz-subset`` is missing; that must not stop the suite from collecting (issue 15).
"""

from __future__ import annotations

import warnings

import pytest


def test_a_deprecation_raised_from_our_code_is_an_error() -> None:
    with pytest.raises(DeprecationWarning):
        warnings.warn_explicit(
            "old call", DeprecationWarning, "auditor/cli.py", 1, module="auditor.cli"
        )
    with pytest.raises(DeprecationWarning):
        warnings.warn("old helper", DeprecationWarning, stacklevel=1)  # from tests.*


def test_any_other_warning_is_an_error() -> None:
    with pytest.raises(UserWarning):
        warnings.warn_explicit("odd", UserWarning, "ffi.py", 1, module="weasyprint.text.ffi")


def test_a_third_party_deprecation_notice_is_shown_not_fatal() -> None:
    with warnings.catch_warnings(record=True) as seen:
        # catch_warnings keeps the filters pytest installed from pyproject.toml.
        warnings.warn_explicit(
            "HarfBuzz-Subset will be required by future versions of WeasyPrint.",
            DeprecationWarning,
            "ffi.py",
            528,
            module="weasyprint.text.ffi",
        )
    assert [str(w.message) for w in seen] == [
        "HarfBuzz-Subset will be required by future versions of WeasyPrint."
    ]
