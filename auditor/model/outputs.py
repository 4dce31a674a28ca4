"""The report formats an audit can write: one name each, shared by the CLI flags and the config.

The closed list lives here, below every layer that names a format: the config file's
``outputs:`` section (``auditor.audit.config``) and the CLI's ``--json``, ``--sarif``, ...
flags are both made from it, and ``auditor.report.writers`` maps every member to its writer
(a test walks the enum, so a format without a writer fails the suite).
"""

from __future__ import annotations

import enum


class OutputFormat(enum.StrEnum):
    """A report format; its value is the flag (``--json``) and the config key (``json:``)."""

    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"
    GITLAB_SAST = "gitlab-sast"
    MARKDOWN = "markdown"
    CSV = "csv"
    TRANSFERS_CSV = "transfers-csv"
    HTML = "html"
    PDF = "pdf"

    @property
    def key(self) -> str:
        """The format as a Python identifier (``gitlab_sast``): the CLI's and the config
        model's field names are made from it."""
        return self.value.replace("-", "_")

    @property
    def description(self) -> str:
        """What the format is for, in words (the flag's help and the config's schema)."""
        return _DESCRIPTIONS[self]


_DESCRIPTIONS = {
    OutputFormat.JSON: "JSON result (- for stdout).",
    OutputFormat.SARIF: "SARIF 2.1.0 for code scanning.",
    OutputFormat.JUNIT: "JUnit XML.",
    OutputFormat.GITLAB_SAST: "GitLab security report (SAST) for the merge-request widget.",
    OutputFormat.MARKDOWN: "Markdown summary (PR comment, job summary).",
    OutputFormat.CSV: "Findings CSV; the inventory register goes beside it as NAME.register.csv.",
    OutputFormat.TRANSFERS_CSV: (
        "GDPR transfer register as CSV: one row per transfer outside the EEA, with the id "
        "'auditor tia --transfer' takes."
    ),
    OutputFormat.HTML: "Self-contained HTML audit report.",
    OutputFormat.PDF: "PDF audit report.",
}
