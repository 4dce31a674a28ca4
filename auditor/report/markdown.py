"""Markdown for a pull-request comment or a CI job summary, under GitHub's size limit.

Text from the inventory is escaped so it cannot open links, images or HTML, nor let
GitHub autolink a URL or e-mail address or notify an @mention.
"""

from __future__ import annotations

import re

from auditor.model.findings import AuditResult, Finding, affected_data_text
from auditor.report.report_words import Names, plain, top_root_causes

GITHUB_COMMENT_LIMIT = 65_536
ORDER = ["critical", "high", "medium", "low", "info"]
ICON = {"critical": "🟥", "high": "🟧", "medium": "🟨", "low": "🟦", "info": "⬜"}
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# GitHub turns bare text into links and notifications without any Markdown syntax, so
# escaping punctuation is not enough. The GFM spec's "Autolinks (extension)" section
# (https://github.github.com/gfm/#autolinks-extension-) links text starting with "www.",
# "http://" or "https://", any "local@domain.tld" e-mail address, and "mailto:"/"xmpp:"
# addresses; github.com also links "@user" and "@org/team" (and notifies them). GitHub
# applies these rules again after escapes are resolved, so a backslash does not stop
# them: a zero-width space (U+200B) is put after every "@", inside every "://" and after
# every "www", which breaks each pattern while the text reads the same.
_ZWSP = "\u200b"
_WWW = re.compile(r"(?i)(www)(?=\.)")


def _no_autolink(text: str) -> str:
    """Text in which GitHub finds no URL, e-mail address or @mention to link or notify."""
    text = text.replace("@", "@" + _ZWSP).replace("://", ":" + _ZWSP + "//")
    return _WWW.sub(lambda m: m.group(1) + _ZWSP, text)


def md(text: str) -> str:
    """Escape Markdown punctuation, turn HTML into text, drop control characters, and
    break URLs, e-mail addresses and @mentions so that GitHub neither links nor notifies.
    Codes inside sentences are written out in words first (issue 18)."""
    text = (
        _CONTROL.sub("", plain(text))
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )
    return _no_autolink(_SPECIAL.sub(r"\\\1", text).replace("\n", " "))


def _finding_block(finding: Finding) -> list[str]:
    where = (
        f" ({md(finding.location_file)}:{finding.location_line})" if finding.location_file else ""
    )
    lines = [
        f"<details><summary>{ICON[finding.severity.value]} <b>{finding.severity.value}</b> "
        f"{md(finding.title)}</summary>",
        "",
        f"- **Rule:** `{finding.rule_id}` · **fingerprint:** `{finding.fingerprint[:16]}`{where}",
        f"- **Condition:** {md(finding.condition)}",
        *(
            [f"- **Data:** {md(affected_data_text(finding.data_assets))}"]
            if finding.data_assets
            else []
        ),
        f"- **Effect:** {md(finding.effect)}",
        f"- **Remediation:** {md(finding.remediation)}",
    ]
    if finding.confidence != "confirmed":
        lines.append(f"- **Facts:** {finding.confidence}")
    if finding.waiver is not None:
        state = "expired" if finding.waiver.expired else "waived"
        lines.append(
            f"- **Waiver ({state}):** {md(finding.waiver.reason)}, until {finding.waiver.expires}"
        )
    lines += ["", "</details>"]
    return lines


def render_markdown(
    result: AuditResult, *, show_waived: bool = False, limit: int = GITHUB_COMMENT_LIMIT
) -> str:
    """The summary; waived findings are listed only with ``show_waived``."""
    counts = result.summary.findings_by_severity
    head = [
        "## Data-residency audit",
        "",
        f"**{md(result.organisation['name'])}** · knowledge base {result.kb.version} · "
        f"audit date {result.audit_date}",
        "",
        "| " + " | ".join(ORDER) + " | waived |",
        "|" + "---:|" * (len(ORDER) + 1),
        "| " + " | ".join(str(counts.get(s, 0)) for s in ORDER) + f" | {result.summary.waived} |",
        "",
        f"{result.summary.exposures} exposures ({result.summary.exposures_unmitigated} not mitigated) · "
        f"{result.summary.transfers} transfers outside the EEA "
        f"({result.summary.transfer_conclusions()})",
    ]
    if result.summary.in_baseline:
        head.append(
            f"\nOnly **new** findings are shown: {result.summary.in_baseline} known findings are in the baseline."
        )
    for notice in result.notices:
        head.append(f"\n> ⚠️ {md(notice)}")
    # One line per root cause (system, component, country), the most harmful first, in the
    # words of the HTML summary: names and data first; the inventory ids last, to find it by.
    top = [
        f"- **{md(c.system_name)}, {md(c.component_name)}**: {md(c.data_text)} can be reached "
        f"under {md(c.laws_text)}, because {md(c.party_text)}"
        + "".join(f", and {md(a)}" for a in c.aggravations)
        + f" ({md(c.mitigation_text.split(' (')[0])}) · inventory `{c.system}/{c.component}`"
        for c in top_root_causes(result, Names.of(result), 5)
    ]
    if top:
        head += ["", "### Top exposures", "", *top]
    shown = [f for f in result.findings if show_waived or not f.waived]
    body: list[str] = ["", f"### Findings ({len(shown)})", ""]
    footer = "\n\n_Truncated to fit the comment size limit; the JSON or SARIF output has every finding._\n"
    text = "\n".join(head + body)
    for severity in ORDER:
        for finding in (f for f in shown if f.severity.value == severity):
            block = "\n".join(_finding_block(finding)) + "\n"
            if len(text) + len(block) + len(footer) > limit:
                return text + footer
            text += block
    return text + "\n"
