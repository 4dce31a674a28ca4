"""Hostile writes, reads, paths and signals (issue 15): the CLI never writes outside the
requested outputs, never overwrites an input, never reads without bound, never hangs,
and ends promptly and cleanly on a signal or a closed pipe."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.robustness._support import TODAY_ARG, audit_args, run_cli, temp_files

pytestmark = pytest.mark.usefixtures("cached_kb")

FIXTURES = ROOT / "tests" / "iac" / "fixtures"


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PYTHONSTARTUP", None)
    return env


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# ------------------------------------------------------------------ --since and git trees


def _git(repo: Path, *args: str, data: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args],
        cwd=repo,
        input=data,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode().strip()


def _tree(repo: Path, entries: list[tuple[str, str, str]]) -> str:
    """A tree object written as given, names unchecked (git mktree refuses some of them)."""
    body = b"".join(
        mode.encode() + b" " + name.encode() + b"\0" + bytes.fromhex(oid)
        for mode, name, oid in entries
    )
    return _git(repo, "hash-object", "-t", "tree", "--literally", "-w", "--stdin", data=body)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding the hospital example under inventory/, one commit."""
    folder = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "hospital", folder / "inventory")
    _git(folder, "init", "-q")
    _git(folder, "add", "-A")
    _git(folder, "commit", "-q", "-m", "inventory")
    return folder


def test_since_refuses_a_tree_entry_that_climbs_out_of_the_checkout(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """inventory/../../evil.yaml in a crafted tree would land beside the temporary folder."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    blob = _git(repo, "hash-object", "-w", "--stdin", data=b"organisation: {}\n")
    inner = _tree(repo, [("100644", "evil.yaml", blob)])
    climb = _tree(repo, [("40000", "..", inner)])
    head_inventory = _git(repo, "rev-parse", "HEAD:inventory")
    listing = _git(repo, "cat-file", "-p", head_inventory).splitlines()
    entries = [(line.split()[0], line.split("\t")[1], line.split()[2]) for line in listing]
    inventory = _tree(repo, sorted([*entries, ("40000", "..", climb)], key=lambda e: e[1]))
    root = _tree(repo, [("40000", "inventory", inventory)])
    commit = _git(repo, "commit-tree", root, "-m", "crafted")
    monkeypatch.chdir(repo)
    code, _, err = run_cli(audit_args("inventory", extra=["--quiet", "--since", commit]), capsys)
    assert code == 3, err
    assert "not a plain relative path" in err and "inventory/../../evil.yaml" in err
    assert not (scratch / "evil.yaml").exists()
    assert list(scratch.iterdir()) == []  # the temporary checkout is gone too


@pytest.mark.parametrize(
    "name", ["dätä.yaml", "data\nsecond line.yaml", "tab\there.yaml"], ids=["utf8", "nl", "tab"]
)
def test_since_reads_file_names_git_would_quote(
    name: str, repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "inventory" / "data.yaml").rename(repo / "inventory" / name)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "rename")
    monkeypatch.chdir(repo)
    code, out, err = run_cli(
        audit_args("inventory", extra=["--json", "-", "--since", "HEAD"]), capsys
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["findings"] == []  # every finding existed at HEAD: the old tree was read
    assert any("known to the git ref HEAD" in n for n in result["notices"])


def test_since_with_a_path_outside_the_repository_is_a_usage_error(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "waivers-elsewhere"
    outside.mkdir()
    (outside / "extra.yaml").write_text(
        "entities:\n  - {id: extra-gmbh, name: Extra GmbH, country: DE, parents: []}\n"
    )
    monkeypatch.chdir(repo)
    code, _, err = run_cli(
        audit_args("inventory", str(outside), extra=["--quiet", "--since", "HEAD"]), capsys
    )
    assert code == 2, err
    assert f"{outside} is outside the git repository" in err


# ------------------------------------------------------------------ inputs never overwritten


@pytest.fixture
def infra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(FIXTURES / "azure-openai", tmp_path / "infra")
    shutil.copytree(FIXTURES / "plan", tmp_path / "plan")
    monkeypatch.chdir(tmp_path)
    return tmp_path


SCAN = ["--country", "DE", "--quiet", "--today", TODAY_ARG, "--fail-on", "never", "--no-config"]


@pytest.mark.parametrize(
    ("root", "flag", "target"),
    [
        ("infra", "--markdown", "infra/main.tf"),
        ("infra", "--sarif", "infra/modules/openai/main.tf"),
        ("infra", "--junit", "infra/terraform.tfvars"),
        ("plan", "--json", "plan/prod.tfplan.json"),  # read as a plan: known after the scan
        ("infra", "--csv", "infra/terraform.csv"),  # its register sidecar is a var file
    ],
)
def test_scan_never_overwrites_a_scanned_file(
    root: str, flag: str, target: str, infra: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if target == "infra/terraform.csv":
        shutil.copy(infra / "infra/terraform.tfvars", infra / "infra/terraform.register.csv")
        var_file = ["--var-file", "infra/terraform.register.csv"]
    else:
        var_file = []
    before = _snapshot(infra)
    code, _, err = run_cli(["scan", root, *SCAN, *var_file, flag, target], capsys)
    assert code == 2, err
    assert "refusing to write" in err and "it is an input of this run" in err
    assert _snapshot(infra) == before
    assert temp_files(infra) == []


def test_the_csv_register_sidecar_never_overwrites_an_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(EXAMPLES / "hospital", tmp_path / "inventory")
    monkeypatch.chdir(tmp_path)
    baseline = '{"baseline_version": "1", "tool": "x", "findings": []}\n'
    Path("known.register.csv").write_text(baseline)
    code, _, err = run_cli(
        audit_args(
            "inventory", extra=["--quiet", "--baseline", "known.register.csv", "--csv", "known.csv"]
        ),
        capsys,
    )
    assert code == 2, err
    assert "refusing to write known.register.csv: it is an input" in err
    assert Path("known.register.csv").read_text() == baseline
    assert not Path("known.csv").exists()


def test_the_csv_register_sidecar_is_not_written_through_a_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(EXAMPLES / "hospital", tmp_path / "inventory")
    monkeypatch.chdir(tmp_path)
    Path("victim.txt").write_text("precious\n")
    Path("f.register.csv").symlink_to("victim.txt")
    code, _, err = run_cli(audit_args("inventory", extra=["--quiet", "--csv", "f.csv"]), capsys)
    assert code == 2, err
    assert "refusing to write f.register.csv: it is a symbolic link" in err
    assert Path("victim.txt").read_text() == "precious\n"
    assert not Path("f.csv").exists()


def test_what_if_never_overwrites_its_patch_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    patch = "changes:\n  - {component: discharge-assistant/llm, set: {vendor: mistral-ai}}\n"
    Path("patch.yaml").write_text(patch)
    code, _, err = run_cli(
        audit_args(
            str(EXAMPLES / "hospital"),
            extra=["--what-if-file", "patch.yaml", "--json", "patch.yaml"],
        ),
        capsys,
    )
    assert code == 2, err
    assert Path("patch.yaml").read_text() == patch


def test_compare_export_never_overwrites_the_options_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The options file sits where the export of one option would go."""
    monkeypatch.chdir(tmp_path)
    option = Path("out/mistral-api-eu")
    option.mkdir(parents=True)
    shutil.copy(EXAMPLES / "procurement" / "options.yaml", option / "inventory.yaml")
    before = _snapshot(tmp_path)
    code, _, err = run_cli(
        [
            "compare",
            str(option / "inventory.yaml"),
            "--export-inventories",
            "out",
            "--today",
            TODAY_ARG,
            "--quiet",
        ],
        capsys,
    )
    assert code == 2, err
    assert "refusing to write out/mistral-api-eu/inventory.yaml: it is an input" in err
    assert _snapshot(tmp_path) == before


# ------------------------------------------------------------------ bounded reads


@pytest.mark.parametrize("kind", ["dev-zero", "link-to-dev-zero", "fifo", "folder"])
def test_a_baseline_that_is_not_a_regular_file_is_refused_at_once(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = {"dev-zero": Path("/dev/zero"), "link-to-dev-zero": tmp_path / "b.json"}.get(
        kind, tmp_path / "b.json"
    )
    if kind == "link-to-dev-zero":
        target.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(target)  # no writer: a blocking open would wait forever
    elif kind == "folder":
        target.mkdir()
    started = time.monotonic()
    code, _, err = run_cli(
        audit_args(str(EXAMPLES / "hospital"), extra=["--quiet", "--baseline", str(target)]),
        capsys,
    )
    assert code == 3, err
    assert f"cannot read baseline {target}: not a regular file" in err
    assert time.monotonic() - started < 30


def test_a_baseline_over_the_size_limit_names_the_file_and_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("auditor.audit.baseline.JSON_READ_LIMIT", 1000)
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"baseline_version": "1", "tool": "x", "findings": []}) + " " * 1000)
    code, _, err = run_cli(
        audit_args(str(EXAMPLES / "hospital"), extra=["--quiet", "--baseline", str(big)]), capsys
    )
    assert code == 3, err
    assert f"cannot read baseline {big}: it is larger than the limit of 1,000 bytes" in err


def test_explain_on_a_link_to_dev_zero_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "result.json"
    link.symlink_to("/dev/zero")
    code, _, err = run_cli(["explain", "0123456789abcdef", str(link)], capsys)
    assert code == 3, err
    assert f"cannot read JSON result {link}: not a regular file" in err


# ------------------------------------------------------------------ stdout, pipes, quiet


def test_json_to_a_closed_stdout_is_an_environment_error(tmp_path: Path) -> None:
    args = " ".join(audit_args(str(EXAMPLES / "hospital"), extra=["--quiet", "--json", "-"]))
    done = subprocess.run(
        ["sh", "-c", f'exec "{sys.executable}" -m auditor {args} >&-'],
        cwd=tmp_path,
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 5, done.stderr
    assert "cannot write to standard output (-): it is closed" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "extra",
    [["--json", "-"], []],
    ids=["json-to-stdout", "terminal-summary"],
)
def test_a_reader_that_leaves_early_ends_the_run_quietly_with_141(
    extra: list[str], tmp_path: Path
) -> None:
    """`auditor audit ... | head -1`: no traceback, no "Exception ignored", exit 128 + SIGPIPE."""
    process = subprocess.Popen(
        [sys.executable, "-m", "auditor", *audit_args(str(EXAMPLES / "bank"), extra=extra)],
        cwd=tmp_path,
        env=_child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # the reader goes away before the output (a pipe buffer may hold it all)
    with process.stderr:
        err = process.stderr.read().decode()
    assert process.wait(timeout=120) == 141, err
    assert err == ""


def test_what_if_honours_quiet(capsys: pytest.CaptureFixture[str]) -> None:
    change = "component=discharge-assistant/llm vendor=mistral-ai deployment=eu region=-"
    code, out, err = run_cli(
        audit_args(str(EXAMPLES / "hospital"), extra=["--what-if", change, "--quiet"]), capsys
    )
    assert code == 0, err
    assert out == ""
    code, out, _ = run_cli(
        audit_args(str(EXAMPLES / "hospital"), extra=["--what-if", change]), capsys
    )
    assert code == 0 and out  # without --quiet the diff is shown


# ------------------------------------------------------------------ signals while typesetting a PDF

# A child that signals itself from inside WeasyPrint's drawing of the first SVG chart,
# where WeasyPrint catches every exception (KeyboardInterrupt and SystemExit too), and
# says on stderr if the PDF was finished anyway.
_SIGNAL_DURING_SVG = """
import os, sys
import weasyprint.images
from weasyprint.document import Document
real_draw, real_write = weasyprint.images.SVGImage.draw, Document.write_pdf
def draw(self, *args, **kwargs):
    os.kill(os.getpid(), {signum})
    return real_draw(self, *args, **kwargs)
def write_pdf(self, *args, **kwargs):
    data = real_write(self, *args, **kwargs)
    sys.stderr.write("PDF FINISHED\\n")
    return data
weasyprint.images.SVGImage.draw, Document.write_pdf = draw, write_pdf
from auditor.cli import main
main(sys.argv[1:])
"""


def _weasyprint_usable() -> bool:
    done = subprocess.run(
        [sys.executable, "-c", "import weasyprint.images, weasyprint.document"],
        capture_output=True,
        timeout=60,
        check=False,
    )
    return done.returncode == 0


@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["SIGINT", "SIGTERM", "SIGHUP"]
)
def test_a_signal_while_typesetting_the_pdf_ends_the_run_at_once(
    signum: int, tmp_path: Path
) -> None:
    if not _weasyprint_usable():
        pytest.skip("WeasyPrint is not usable here")
    previous = b"previous report\n"
    for name in ("r.json", "r.pdf"):
        (tmp_path / name).write_bytes(previous)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _SIGNAL_DURING_SVG.format(signum=int(signum)),
            *audit_args(
                str(EXAMPLES / "hospital"), extra=["--quiet", "--json", "r.json", "--pdf", "r.pdf"]
            ),
        ],
        cwd=tmp_path,
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == (130 if signum == signal.SIGINT else 128 + signum), done.stderr
    assert "PDF FINISHED" not in done.stderr
    assert "interrupted; no output was left half-written" in done.stderr
    assert "Traceback" not in done.stderr
    assert (tmp_path / "r.json").read_bytes() == previous  # staged before the PDF, then dropped
    assert (tmp_path / "r.pdf").read_bytes() == previous
    assert temp_files(tmp_path) == []
