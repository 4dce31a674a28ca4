"""The procurement comparison report (auditor compare --html/--pdf)."""

from __future__ import annotations

import io
import re

import pytest

from auditor.model.compare import Comparison
from auditor.report.html import default_comparison_id, render_comparison_html
from tests.conftest import EXAMPLES, TODAY


@pytest.fixture(scope="module")
def comparison() -> Comparison:
    from auditor.audit.compare import compare

    return compare(EXAMPLES / "procurement" / "options.yaml", (), TODAY)


def test_comparison_html_lists_every_option_best_first(comparison: Comparison) -> None:
    html = render_comparison_html(comparison)
    assert default_comparison_id(comparison) in html
    positions = [html.index(f'id="option-{o.id}"') for o in comparison.options]
    ranks = [o.rank for o in comparison.options]
    assert [p for _, p in sorted(zip(ranks, positions, strict=True))] == sorted(positions)
    for rule in comparison.ranking_rule:
        assert rule.replace("'", "&#39;") in html
    assert "<script" not in html and "default-src &#39;none&#39;" in html
    assert render_comparison_html(comparison) == html  # deterministic


def test_comparison_html_escapes_option_text(comparison: Comparison) -> None:
    option = comparison.options[0].model_copy(update={"name": "<img src=x onerror=alert(1)>"})
    evil = comparison.model_copy(update={"options": [option, *comparison.options[1:]]})
    html = render_comparison_html(evil)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_comparison_pdf_has_every_option(comparison: Comparison) -> None:
    pypdf = pytest.importorskip("pypdf")
    from auditor.report.pdf import render_comparison_pdf

    data = render_comparison_pdf(comparison)
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    for heading in ("Comparison matrix", "Options in detail", "Ranking rule and method"):
        assert heading in text
    # An id in small print after a long option name may wrap at a hyphen ("aws-" / "sovereign-
    # cloud-open-weights"); findings now name options in words, so the heading is where it is.
    joined = re.sub(r"-\s*\n\s*", "-", text)
    for option in comparison.options:
        assert option.id in joined
        assert " ".join(option.name.split()[:3]) in text
    assert render_comparison_pdf(comparison) == data
