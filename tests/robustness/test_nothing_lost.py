"""Nothing lost: an interrupted or failing run leaves the previous reports intact, and inputs are never overwritten.

Every output is written to a temporary file in the same folder and renamed into
place. These tests interrupt that in every way we can arrange: an exception at
the rename or at the flush (KeyboardInterrupt, a full disk, a cross-device
rename), a real file-size limit in a child process, and real SIGINT, SIGTERM and
SIGHUP signals sent to a child process auditing a large generated estate, both in the
middle of the run and in the middle of the write.
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.robustness._support import TODAY_ARG, audit_args, run_cli, temp_files

pytestmark = pytest.mark.usefixtures("cached_kb")

PREVIOUS = b'{"previous": "report", "must": "survive"}\n'
OUTPUTS = ("json", "sarif", "junit", "markdown", "csv")
SUFFIX = {"json": "json", "sarif": "sarif", "junit": "xml", "markdown": "md", "csv": "csv"}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A copy of the hospital example and a folder of previous reports."""
    shutil.copytree(EXAMPLES / "hospital", tmp_path / "inventory")
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in OUTPUTS:
        (reports / f"report.{SUFFIX[name]}").write_bytes(PREVIOUS)
    return tmp_path


def _outputs(reports: Path, names: tuple[str, ...] = OUTPUTS) -> list[str]:
    flags: list[str] = []
    for name in names:
        flags += [f"--{name}", str(reports / f"report.{SUFFIX[name]}")]
    return flags


def _inputs(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


# ------------------------------------------------------------------ simulated failures


def _raiser(exc: BaseException):  # type: ignore[no-untyped-def]
    def fail(*args: object, **kwargs: object) -> None:
        raise exc

    return fail


FAILURES = {
    "ctrl-c-at-rename": ("replace", KeyboardInterrupt(), 130, ""),
    "ctrl-c-at-flush": ("fsync", KeyboardInterrupt(), 130, ""),
    "disk-full-at-flush": (
        "fsync",
        OSError(errno.ENOSPC, "No space left on device"),
        5,
        "No space left on device",
    ),
    "cross-device-rename": (
        "replace",
        OSError(errno.EXDEV, "Invalid cross-device link"),
        5,
        "cannot write",
    ),
    "read-only-at-rename": (
        "replace",
        PermissionError(errno.EACCES, "Permission denied"),
        5,
        "Permission denied",
    ),
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_a_failing_write_keeps_the_previous_report(
    failure: str,
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    where, exc, expected_code, message = FAILURES[failure]
    reports = workspace / "reports"
    before = _inputs(workspace / "inventory")
    if where == "replace":
        monkeypatch.setattr(os, "replace", _raiser(exc))
        monkeypatch.setattr(os, "rename", _raiser(exc))
    else:
        monkeypatch.setattr(os, "fsync", _raiser(exc))
    code, out, err = run_cli(
        audit_args(str(workspace / "inventory"), extra=["--quiet", *_outputs(reports)]), capsys
    )
    monkeypatch.undo()
    assert code == expected_code, err
    assert message in err
    assert "Traceback" not in out + err
    for name in OUTPUTS:
        assert (reports / f"report.{SUFFIX[name]}").read_bytes() == PREVIOUS, name
    assert temp_files(workspace) == []
    assert _inputs(workspace / "inventory") == before


def test_a_successful_run_replaces_every_report_and_leaves_no_temp_file(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = workspace / "reports"
    (reports / "report.json").chmod(0o640)
    code, _, err = run_cli(
        audit_args(str(workspace / "inventory"), extra=["--quiet", *_outputs(reports)]), capsys
    )
    assert code == 0, err
    for name in OUTPUTS:
        assert (reports / f"report.{SUFFIX[name]}").read_bytes() != PREVIOUS, name
    assert (reports / "report.json").stat().st_mode & 0o777 == 0o640, "permissions are kept"
    assert temp_files(workspace) == []


def _failing_call(
    number: int, real: Callable[..., object], exc: BaseException
) -> tuple[Callable[..., object], list[tuple[object, ...]]]:
    """``real``, except that its ``number``-th call raises ``exc``; and the calls made."""
    calls: list[tuple[object, ...]] = []

    def wrapper(*args: object) -> object:
        calls.append(args)
        if len(calls) == number:
            raise exc
        return real(*args)

    return wrapper, calls


def test_a_failure_in_a_later_report_keeps_the_earlier_ones_too(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The reports of one run land together: the third failing keeps the first two unwritten."""
    reports = workspace / "reports"
    third_fails, calls = _failing_call(
        3, os.fsync, OSError(errno.ENOSPC, "No space left on device")
    )
    monkeypatch.setattr(os, "fsync", third_fails)
    code, out, err = run_cli(
        audit_args(str(workspace / "inventory"), extra=["--quiet", *_outputs(reports)]), capsys
    )
    monkeypatch.undo()
    assert code == 5, err
    assert "No space left on device" in err and "Traceback" not in out + err
    assert len(calls) == 3
    for name in OUTPUTS:
        assert (reports / f"report.{SUFFIX[name]}").read_bytes() == PREVIOUS, name
    assert temp_files(workspace) == []


def test_a_report_template_error_keeps_the_json_written_before_it(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = workspace / "reports"
    broken = workspace / "templates"
    broken.mkdir()
    (broken / "report.html.j2").write_text("{% for x in %}\n")
    code, out, err = run_cli(
        audit_args(
            str(workspace / "inventory"),
            extra=[
                "--quiet",
                *_outputs(reports, ("json", "sarif")),
                "--html",
                str(reports / "report.html"),
                "--template-dir",
                str(broken),
            ],
        ),
        capsys,
    )
    assert code == 2, err
    assert "report template error" in err and "Traceback" not in out + err
    assert (reports / "report.json").read_bytes() == PREVIOUS
    assert (reports / "report.sarif").read_bytes() == PREVIOUS
    assert not (reports / "report.html").exists()
    assert temp_files(workspace) == []


def test_a_rename_failing_part_way_says_which_reports_were_replaced(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = workspace / "reports"
    second_fails, _ = _failing_call(
        2, os.replace, PermissionError(errno.EACCES, "Permission denied")
    )
    monkeypatch.setattr(os, "replace", second_fails)
    code, out, err = run_cli(
        audit_args(str(workspace / "inventory"), extra=["--quiet", *_outputs(reports)]), capsys
    )
    monkeypatch.undo()
    assert code == 5, err
    assert "Traceback" not in out + err
    json_report = reports / "report.json"
    assert f"written before the failure: {json_report}" in " ".join(err.split())
    assert json_report.read_bytes() != PREVIOUS  # the one rename that happened
    for name in OUTPUTS[1:]:
        assert (reports / f"report.{SUFFIX[name]}").read_bytes() == PREVIOUS, name
    assert temp_files(workspace) == []


def test_a_nested_block_belongs_to_the_outer_one(tmp_path: Path) -> None:
    from auditor.report.output import all_or_nothing, write_text

    target = tmp_path / "report.md"
    target.write_bytes(PREVIOUS)
    with pytest.raises(RuntimeError), all_or_nothing():
        with all_or_nothing():
            write_text(target, "new\n")
        assert target.read_bytes() == PREVIOUS  # the inner block's end commits nothing
        raise RuntimeError("a later report fails")
    assert target.read_bytes() == PREVIOUS
    assert temp_files(tmp_path) == []
    with all_or_nothing():
        write_text(target, "new\n")
    assert target.read_text() == "new\n"


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("PYTHONSTARTUP", None)
    return env


def test_a_full_disk_in_a_real_process_keeps_the_previous_report(workspace: Path) -> None:
    """RLIMIT_FSIZE makes every write past 16 kB fail (EFBIG), as a full disk would."""
    reports = workspace / "reports"

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (16_384, 16_384))

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "auditor",
            *audit_args("inventory", extra=["--quiet", *_outputs(reports)]),
        ],
        cwd=workspace,
        env=_child_env(),
        preexec_fn=limit,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 5, done.stderr
    assert "cannot write" in done.stderr and "Traceback" not in done.stderr
    assert (reports / "report.json").read_bytes() == PREVIOUS
    assert temp_files(workspace) == []


# ------------------------------------------------------------------ inputs are never overwritten


@pytest.mark.parametrize(
    "target",
    [
        "inventory/organisation.yaml",
        "inventory/./data.yaml",
        "inventory/systems/../entities.yaml",
        "inventory/new-file.yaml",
        "inventory/systems/new.yml",
        "policy.yaml",
        "link-to-input.json",
    ],
)
@pytest.mark.parametrize(
    "flag", ["--json", "--sarif", "--markdown", "--csv", "--junit", "--write-baseline"]
)
def test_an_output_never_overwrites_an_input(
    target: str,
    flag: str,
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(workspace)
    Path("policy.yaml").write_text("policy:\n  name: Strict\n")
    Path("link-to-input.json").symlink_to("inventory/data.yaml")
    before = _inputs(workspace)
    code, _out, err = run_cli(
        audit_args("inventory", extra=["--quiet", "--policy", "policy.yaml", flag, target]), capsys
    )
    assert code == 2, err
    assert "refusing to write" in err and "it is an input" in err
    assert _inputs(workspace) == before
    assert temp_files(workspace) == []


def test_graph_output_never_overwrites_an_input(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = workspace / "inventory" / "data.yaml"
    before = target.read_bytes()
    code, _, err = run_cli(["graph", str(workspace / "inventory"), "-o", str(target)], capsys)
    assert code == 2, err
    assert target.read_bytes() == before


def test_a_hard_link_to_an_input_is_replaced_not_written_through(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Writing to another name of the same inode must not change the input's content."""
    data = workspace / "inventory" / "data.yaml"
    before = data.read_bytes()
    os.link(data, workspace / "reports" / "hard.json")
    code, _, err = run_cli(
        audit_args(
            str(workspace / "inventory"),
            extra=["--quiet", "--json", str(workspace / "reports" / "hard.json")],
        ),
        capsys,
    )
    assert code == 0, err
    assert data.read_bytes() == before


SIDE_INPUTS = {
    "waivers": (
        "--waivers",
        "waivers.yaml",
        "waivers:\n  - rule: kb-fact-stale\n    reason: Reviewed every quarter.\n    approved_by: Jane Doe\n"
        "    expires: 2030-01-01\n",
    ),
    "config": ("--config", "audit-config.yaml", "fail_on: never\n"),
    "baseline": (
        "--baseline",
        "baseline.json",
        '{"baseline_version": "1", "tool": "x", "findings": []}\n',
    ),
}


@pytest.mark.parametrize("side", list(SIDE_INPUTS))
def test_an_output_never_overwrites_a_waiver_config_or_baseline_file(
    side: str, workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    flag, name, content = SIDE_INPUTS[side]
    monkeypatch.chdir(workspace)
    Path(name).write_text(content)
    args = audit_args("inventory", extra=["--quiet", flag, name, "--sarif", name])
    if side == "config":
        args.remove("--no-config")
    code, _, err = run_cli(args, capsys)
    assert Path(name).read_text() == content
    assert code == 2, err


def test_an_output_that_is_a_symbolic_link_is_refused(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A link committed in a pull request (audit.sarif -> elsewhere) must not redirect the write."""
    reports = workspace / "reports"
    (reports / "latest.json").symlink_to("report.json")
    code, _, err = run_cli(
        audit_args(
            str(workspace / "inventory"), extra=["--quiet", "--json", str(reports / "latest.json")]
        ),
        capsys,
    )
    assert code == 2, err
    assert f"refusing to write {reports / 'latest.json'}: it is a symbolic link" in err
    assert "remove the link or choose another output path" in err
    assert (reports / "latest.json").is_symlink()
    assert (reports / "report.json").read_bytes() == PREVIOUS
    assert temp_files(workspace) == []


def test_writing_to_a_fifo_feeds_the_reader(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = workspace / "reports" / "pipe.json"
    os.mkfifo(fifo)
    received: list[bytes] = []

    def read() -> None:
        fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        deadline = time.monotonic() + 20
        chunks = []
        try:
            while time.monotonic() < deadline:
                try:
                    chunk = os.read(fd, 65536)
                except BlockingIOError:
                    time.sleep(0.01)
                    continue
                if not chunk and chunks:
                    break
                if chunk:
                    chunks.append(chunk)
                else:
                    time.sleep(0.01)
        finally:
            os.close(fd)
        received.append(b"".join(chunks))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(0.05)
    code, _, err = run_cli(
        audit_args(str(workspace / "inventory"), extra=["--quiet", "--json", str(fifo)]), capsys
    )
    is_fifo = fifo.is_fifo()
    if not is_fifo:  # do not leave the reader waiting on a pipe nobody writes
        reader.join(0.5)
    else:
        reader.join(25)
    assert code == 0, err
    assert is_fifo
    assert received and received[0].startswith(b"{")


# ------------------------------------------------------------------ real signals


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated estate of 3000 systems (benchmarks/generate.py), audited in ~10 s."""
    folder = tmp_path_factory.mktemp("estate")
    subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "3000", str(folder / "estate")],
        check=True,
        timeout=120,
    )
    return folder


def _start_audit(cwd: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "auditor",
            "audit",
            "estate",
            "--no-config",
            "--today",
            TODAY_ARG,
            "--fail-on",
            "never",
            "--quiet",
            *extra,
        ],
        cwd=cwd,
        env=_child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["SIGINT", "SIGTERM", "SIGHUP"]
)
def test_a_signal_in_the_middle_of_a_run_keeps_the_previous_report(
    signum: int, estate: Path
) -> None:
    report = estate / "report.json"
    sarif = estate / "report.sarif"
    report.write_bytes(PREVIOUS)
    sarif.write_bytes(PREVIOUS)
    process = _start_audit(estate, "--json", "report.json", "--sarif", "report.sarif")
    try:
        time.sleep(2.0)
        assert process.poll() is None, "the audit of 3000 systems ended too soon to interrupt"
        process.send_signal(signum)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode in (130, -signum, 128 + signum), (process.returncode, err)
    assert "Traceback" not in err
    assert report.read_bytes() == PREVIOUS
    assert sarif.read_bytes() == PREVIOUS
    assert temp_files(estate) == []


# A child that signals itself while its first output is being flushed to disk:
# the interruption lands exactly between "temporary file written" and "renamed".
_SIGNAL_DURING_WRITE = """
import os, signal, sys
real_fsync = os.fsync
def fsync(fd):
    os.kill(os.getpid(), {signum})
    real_fsync(fd)
os.fsync = fsync
from auditor.cli import main
main(sys.argv[1:])
"""


@pytest.mark.parametrize(
    "signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["SIGINT", "SIGTERM", "SIGHUP"]
)
def test_a_signal_during_the_write_leaves_no_temporary_file(signum: int, workspace: Path) -> None:
    reports = workspace / "reports"
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _SIGNAL_DURING_WRITE.format(signum=int(signum)),
            *audit_args("inventory", extra=["--quiet", *_outputs(reports, ("json",))]),
        ],
        cwd=workspace,
        env=_child_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (130, -signum, 128 + signum), done.stderr
    assert "Traceback" not in done.stderr
    assert (reports / "report.json").read_bytes() == PREVIOUS
    assert temp_files(workspace) == []


# ------------------------------------------------------------------ a hostile repository's config


def test_a_repository_config_cannot_write_outside_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "hospital", repo / "inventory")
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    (repo / ".auditor.yaml").write_text("paths: [inventory]\noutputs: {json: ../victim.txt}\n")
    monkeypatch.chdir(repo)
    run_cli(["audit", "--quiet", "--today", TODAY_ARG, "--fail-on", "never"], capsys)
    assert victim.read_text() == "precious\n"


def test_a_repository_config_cannot_read_outside_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "hospital", repo / "inventory")
    outside = tmp_path / "home"
    outside.mkdir()
    (outside / "credentials.yaml").write_text("organisation: {name: x, country: TOKEN-7f3a9c}\n")
    (repo / ".auditor.yaml").write_text("paths: [inventory, ../home/credentials.yaml]\n")
    monkeypatch.chdir(repo)
    _code, out, err = run_cli(
        ["audit", "--quiet", "--today", TODAY_ARG, "--fail-on", "never"], capsys
    )
    assert "TOKEN-7f3a9c" not in out + err
