"""Shared fixtures for the report tests: audits of the examples and of a hostile inventory."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.audit import AuditOptions, run_audit
from auditor.model.findings import AuditResult
from tests.conftest import ROOT, TODAY

# Strings an attacker controls end up in names, purposes, owners and models; each tries
# to run script, load a file or reach the network if a renderer let it through.
HOSTILE_INVENTORY = """\
organisation:
  name: "Evil <script>alert('org')</script> GmbH"
  country: DE
  entity: evil-org
policy:
  name: "Policy <img src=file:///etc/passwd onerror=alert(1)>"
  residency:
    - categories: [user]
      allowed: [EEA]
entities:
  - id: evil-org
    name: "Evil Org <script>document.title='pwned'</script>"
    country: DE
  - id: shady-vendor
    name: "Shady <img src=file:///etc/passwd> Inc. url(http://{host}/entity)"
    country: US
data:
  - id: patient-data
    name: "Patients <img src=http://{host}/img.png> \\" onmouseover=\\"alert(1)"
    description: "background: url(http://{host}/css); <style>@import 'http://{host}/x.css';</style>"
    categories: [user.health_and_medical, user.name]
    subjects: [patient]
    classification: confidential
systems:
  - id: evil-system
    name: "System <svg onload=alert(1)><a href=javascript:alert(1)>x</a>"
    purpose: "<iframe src=http://{host}/frame></iframe> {{{{ 7*7 }}}} {{% raw %}}"
    owner: "<link rel=stylesheet href=http://{host}/owner.css>"
    criticality: high
    ai_act_risk: high
    components:
      - id: app
        name: "App <object data=file:///etc/passwd></object>"
        kind: application
        operator: evil-org
        on_prem: {{country: DE}}
      - id: llm
        name: "LLM <base href=http://{host}/>"
        kind: model_api
        operator: shady-vendor
        country: US
        model:
          name: "model <script src=http://{host}/x.js></script> url(file:///etc/passwd)"
          open_weights: false
        controls:
          processes_in_clear: true
    flows:
      - from: app
        to: llm
        data: [patient-data]
        purpose: "<meta http-equiv=refresh content='0;url=http://{host}/'>"
"""


def audit(paths: list[Path]) -> AuditResult:
    """An audit at the fixed test date, with input paths shown relative to the repository."""
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        return run_audit(paths, AuditOptions(today=TODAY))
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="session")
def hospital() -> AuditResult:
    """The hospital example, audited on the fixed date."""
    return audit([Path("examples/hospital")])


@pytest.fixture(scope="session")
def bank() -> AuditResult:
    """The bank example (it has transfers outside the EEA)."""
    return audit([Path("examples/bank")])


def _suffixed(subject: dict[str, str], n: int) -> dict[str, str]:
    return {k: f"{v}-{n:02d}" if k == "system" else v for k, v in subject.items()}


def enlarge(result: AuditResult, transfers_from: AuditResult, copies: int) -> AuditResult:
    """The same estate ``copies`` times over, each copy on its own systems."""
    findings, register, scores, transfers = [], [], [], []
    for n in range(copies):
        for f in result.findings:
            fingerprint = hashlib.sha256(f"{f.fingerprint}/{n}".encode()).hexdigest()[:32]
            findings.append(
                f.model_copy(
                    update={"fingerprint": fingerprint, "subject": _suffixed(f.subject, n)}
                )
            )
        for row in result.inventory_register:
            register.append(row.model_copy(update={"system": f"{row.system}-{n:02d}"}))
        for card in result.scores:
            if card.kind == "system":
                scores.append(card.model_copy(update={"subject": f"{card.subject}-{n:02d}"}))
        for t in transfers_from.transfers:
            transfers.append(t.model_copy(update={"system": f"{t.system}-{n:02d}"}))
    scores += [c for c in result.scores if c.kind != "system"]
    return result.model_copy(
        update={
            "findings": findings,
            "inventory_register": register,
            "scores": scores,
            "transfers": transfers,
        }
    )


def write_hostile(folder: Path, host: str) -> Path:
    """A one-file hostile inventory whose URLs point at ``host``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "inventory.yaml").write_text(HOSTILE_INVENTORY.format(host=host), encoding="utf-8")
    return folder


@pytest.fixture
def hostile_dir(tmp_path: Path, trap: TrapServer) -> Path:
    """The hostile inventory, its URLs pointing at the trap server."""
    return write_hostile(tmp_path / "hostile", trap.host)


class TrapServer:
    """A local HTTP server that records every request: nothing should ever reach it."""

    def __init__(self) -> None:
        import http.server
        import threading

        requests: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requests.append(self.path)
                self.send_response(404)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.requests = requests
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def trap() -> Iterator[TrapServer]:
    """A request-recording server for the duration of a test."""
    server = TrapServer()
    try:
        yield server
    finally:
        server.close()
