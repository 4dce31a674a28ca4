"""Transfer impact assessments as JSON, and the file names ``auditor tia -o DIR`` writes.

HTML and PDF go through the report layer's own renderers (:func:`auditor.report.html.
render_tia_html`, :func:`auditor.report.pdf.render_tia_pdf`); this module keeps what is
particular to the assessments: their deterministic JSON and one safe file name per transfer.
"""

from __future__ import annotations

import re

from auditor.model.tia import TransferAssessment, TransferAssessments

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def render_tia_json(assessments: TransferAssessments) -> str:
    """Every assessment of a run as indented JSON, in transfer-id order (no timestamps)."""
    ordered = assessments.model_copy(
        update={"assessments": sorted(assessments.assessments, key=lambda a: a.id)}
    )
    return ordered.model_dump_json(indent=2) + "\n"


def render_one_tia_json(assessment: TransferAssessment) -> str:
    """One assessment as indented JSON."""
    return render_tia_json(TransferAssessments(assessments=[assessment]))


def tia_file_stem(assessment: TransferAssessment) -> str:
    """A file name for one transfer: its id with ``/`` as ``__`` (ids are already plain)."""
    return "tia-" + _UNSAFE.sub("_", assessment.id.replace("/", "__"))
