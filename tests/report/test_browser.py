"""The HTML report in headless Chromium: filters and search work offline, no console error,
no request leaves the page. With UPDATE_SCREENSHOTS=1 it also refreshes the docs/ screenshots."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auditor.model.findings import AuditResult
from auditor.model.policy import Severity
from auditor.report.html import render_html
from auditor.report.report_summary import ReportLimits
from tests.conftest import ROOT
from tests.report.conftest import TrapServer, audit, enlarge

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Chromium at /usr/bin/chromium (apt-get install -y chromium)",
    ),
]
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="needs playwright (pip install -e '.[test]')"
)
axe_playwright = pytest.importorskip(
    "axe_playwright_python.sync_playwright",
    reason="needs axe-playwright-python (pip install -e '.[test]')",
)


class Page:
    """A loaded report with everything the page asked for and said."""

    def __init__(self, page: Any, requests: list[str], console: list[str]) -> None:
        self.page = page
        self.requests = requests
        self.console = console

    def visible_findings(self) -> list[str]:
        fingerprints: list[str] = self.page.eval_on_selector_all(
            "article.finding",
            "els => els.filter(e => e.offsetParent !== null).map(e => e.dataset.fingerprint)",
        )
        return fingerprints


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            user_data_dir=str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


def open_report(context: Any, html: str, path: Path) -> Page:
    path.write_text(html, encoding="utf-8")
    requests: list[str] = []
    console: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)  # let late requests (fonts, images) show up if there were any
    return Page(page, requests, console)


def test_filters_and_search_hide_and_show_findings(
    browser: Any, hospital: AuditResult, tmp_path: Path
) -> None:
    report = open_report(browser, render_html(hospital), tmp_path / "report.html")
    page = report.page
    everything = {f.fingerprint for f in hospital.findings}
    critical = {f.fingerprint for f in hospital.findings if f.severity is Severity.CRITICAL}
    assert critical and critical != everything
    assert page.is_visible("#filters")
    assert set(report.visible_findings()) == everything
    assert (
        page.inner_text("#filter-status")
        == f"{len(everything)} of {len(everything)} findings shown"
    )

    page.uncheck("input[data-filter-severity=critical]")
    assert set(report.visible_findings()) == everything - critical
    assert not page.is_visible("#findings-critical")
    page.check("input[data-filter-severity=critical]")
    assert set(report.visible_findings()) == everything

    for severity in ("high", "medium", "low", "info"):
        page.uncheck(f"input[data-filter-severity={severity}]")
    assert set(report.visible_findings()) == critical

    page.click("#filter-reset")
    target = hospital.findings[-1]
    page.fill("#finding-search", target.fingerprint)
    assert report.visible_findings() == [target.fingerprint]
    assert page.inner_text("#filter-status") == f"1 of {len(everything)} findings shown"
    page.fill("#finding-search", "us-cloud-act discharge-drafts")  # every word must match
    shown = set(report.visible_findings())
    assert shown and shown < everything
    page.fill("#finding-search", "no-such-thing-anywhere")
    assert report.visible_findings() == []
    page.click("#filter-reset")
    assert set(report.visible_findings()) == everything

    assert report.console == []
    assert report.requests == [(tmp_path / "report.html").as_uri()]
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shoot(page)


def test_hostile_report_runs_nothing_and_fetches_nothing(
    browser: Any, hostile_dir: Path, trap: TrapServer, tmp_path: Path
) -> None:
    result = audit([hostile_dir])
    report = open_report(browser, render_html(result), tmp_path / "hostile.html")
    page = report.page
    assert page.title().startswith("Evil <script>alert('org')</script> GmbH")
    assert (
        page.evaluate("document.querySelectorAll('img, iframe, object, embed, link, base').length")
        == 0
    )
    assert page.evaluate("document.scripts.length") == 1
    assert report.console == []
    assert report.requests == [(tmp_path / "hostile.html").as_uri()]
    assert trap.requests == []


def test_page_without_script_shows_every_finding(
    browser: Any, hospital: AuditResult, tmp_path: Path
) -> None:
    report = open_report(browser, render_html(hospital, print_mode=True), tmp_path / "print.html")
    assert len(report.visible_findings()) == len(hospital.findings)
    assert report.console == []
    assert report.requests == [(tmp_path / "print.html").as_uri()]


def test_filters_work_on_what_an_abridged_report_shows(
    browser: Any, hospital: AuditResult, bank: AuditResult, tmp_path: Path
) -> None:
    large = enlarge(hospital, bank, 20)
    limits = dataclasses.replace(ReportLimits.default(), detailed_findings=40, listed_findings=100)
    report = open_report(browser, render_html(large, limits=limits), tmp_path / "large.html")
    page = report.page
    assert len(report.visible_findings()) == 40
    assert page.inner_text("#filter-status") == "40 of 40 findings shown"
    assert page.is_visible(".filter-scope")
    page.uncheck("input[data-filter-severity=critical]")
    assert 0 < len(report.visible_findings()) < 40
    page.click("#filter-reset")
    # Every one-line row has an anchor, so the plan's numbers link to it on screen.
    listed = page.eval_on_selector_all("table.finding-lines tr[id]", "rows => rows.map(r => r.id)")
    assert len(listed) == 100
    assert report.console == []
    assert report.requests == [(tmp_path / "large.html").as_uri()]


@pytest.mark.parametrize("example", ["hospital", "bank"])
def test_report_has_no_serious_accessibility_violation(
    browser: Any, example: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """axe-core (shipped inside the axe-playwright-python wheel, nothing fetched) finds no
    serious or critical violation of WCAG in the report, at a 1280 px wide window."""
    result: AuditResult = request.getfixturevalue(example)
    report = open_report(browser, render_html(result), tmp_path / "report.html")
    report.page.set_viewport_size({"width": 1280, "height": 900})
    violations = axe_playwright.Axe().run(report.page).response["violations"]
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    # Every frame that scrolls sideways can be reached and scrolled by keyboard.
    unreachable = report.page.eval_on_selector_all(
        ".scroll-x, .graph-frame", "els => els.filter(e => e.tabIndex < 0).length"
    )
    assert unreachable == 0
    assert report.console == []
    assert report.requests == [(tmp_path / "report.html").as_uri()]


def test_graph_pictures_fit_their_column_at_1280_px(
    browser: Any, bank: AuditResult, tmp_path: Path
) -> None:
    """Issue 18: the laws column was off-screen at 1280 px."""
    report = open_report(browser, render_html(bank), tmp_path / "bank.html")
    page = report.page
    page.set_viewport_size({"width": 1280, "height": 900})
    frames = page.eval_on_selector_all(
        "figure.graph .graph-frame",
        """els => els.map(f => ({frame: f.getBoundingClientRect().right,
            svg: f.querySelector('svg').getBoundingClientRect().right,
            scroll: f.scrollWidth - f.clientWidth,
            laws: Array.from(f.querySelectorAll('text')).filter(t => t.textContent === 'laws')
                .map(t => t.getBoundingClientRect().right)}))""",
    )
    assert frames
    window = page.evaluate("document.documentElement.clientWidth")
    for frame in frames:
        assert frame["scroll"] == 0 and frame["svg"] <= frame["frame"] <= window
        assert all(right <= frame["frame"] for right in frame["laws"])
    assert any(frame["laws"] for frame in frames)


def shoot(page: Any) -> None:
    """Refresh the screenshots in docs/ (UPDATE_SCREENSHOTS=1)."""
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(docs / "report-cover.png"))
    page.evaluate("document.getElementById('summary').scrollIntoView()")
    page.screenshot(path=str(docs / "report-summary.png"))
    page.uncheck("input[data-filter-severity=critical]")
    page.fill("#finding-search", "guidelines")
    page.evaluate("document.getElementById('findings').scrollIntoView()")
    page.screenshot(path=str(docs / "report-findings-filtered.png"))
    page.click("#filter-reset")
    page.evaluate("document.getElementById('graphs').scrollIntoView()")
    page.screenshot(path=str(docs / "report-graphs.png"))


def test_search_matches_phrases_not_words_anywhere(
    browser: Any, bank: AuditResult, tmp_path: Path
) -> None:
    """Issue 18: "CLOUD Act" found the findings where "cloud" and "act" stood anywhere
    (the AI Act, a cloud region, a contract); it must find the findings about the CLOUD Act."""
    report = open_report(browser, render_html(bank), tmp_path / "bank.html")
    page = report.page
    about = {f.fingerprint for f in bank.findings if f.subject.get("law") == "us-cloud-act"}
    everything = {f.fingerprint for f in bank.findings}
    assert about and len(everything) > 2 * len(about)

    page.fill("#finding-search", "CLOUD Act")
    assert set(report.visible_findings()) == about
    assert page.inner_text("#filter-status") == f"{len(about)} of {len(everything)} findings shown"
    page.fill("#finding-search", '"cloud act"')  # quoted: the same phrase
    assert set(report.visible_findings()) == about
    page.fill("#finding-search", '"act cloud"')  # a quoted phrase keeps its word order
    assert report.visible_findings() == []

    # Words that do not stand together anywhere are all required, each as a whole word.
    fisa = {f.fingerprint for f in bank.findings if f.subject.get("law") == "us-fisa-702"}
    system = next(iter(bank.findings)).subject["system"]
    page.fill("#finding-search", f"{system} FISA")
    shown = set(report.visible_findings())
    assert shown and shown == {
        f.fingerprint
        for f in bank.findings
        if f.fingerprint in fisa and f.subject.get("system") == system
    }
    page.fill("#finding-search", "clou")  # part of a word is not the word
    assert report.visible_findings() == []
    assert report.console == []
