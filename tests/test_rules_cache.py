"""The cache of validated rules (issue 19): the same reports with it as without it, never
stale, never read when someone else could have written it, and never in the way."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.cli import main
from auditor.errors import KnowledgeBaseError
from auditor.kb.load import load_knowledge_base
from auditor.loader.cache import cache_dir, cached, default_cache_dir, use_cache_dir

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / "tests" / "iac" / "fixtures" / "azure-openai"
KINDS = {"kb", "iac-catalogue", "code-catalogue", "checks", "hcl-parser"}
_PROV = (
    "provenance: {source: 'https://register.example/a', as_of: 2026-01-01, confidence: confirmed}"
)


def _scan(tmp_path: Path, name: str, **env: str) -> tuple[bytes, bytes]:
    """``auditor scan`` as a user runs it, in its own process; its JSON and SARIF."""
    out = tmp_path / name
    out.mkdir()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AUDITOR_")}
    command = [sys.executable, "-m", "auditor", "scan", str(TREE), "--country", "DE", "--quiet"]
    command += ["--today", "2026-11-28", "--fail-on", "never"]
    command += ["--json", str(out / "r.json"), "--sarif", str(out / "r.sarif")]
    done = subprocess.run(
        command,
        env=environ | env,
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    return (out / "r.json").read_bytes(), (out / "r.sarif").read_bytes()


def _kinds(folder: Path) -> set[str]:
    return {p.name.rsplit("-", 1)[0] for p in folder.glob("*.pickle")}


@pytest.fixture
def caching(tmp_path: Path) -> Iterator[Path]:
    """The library caches in a fresh folder for the length of one test."""
    folder = tmp_path / "cache"
    use_cache_dir(folder)
    yield folder
    use_cache_dir(None)


def test_a_scan_from_the_cache_writes_the_same_json_and_sarif(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    without = _scan(tmp_path, "without", AUDITOR_NO_CACHE="1")
    assert not folder.exists()
    first = _scan(tmp_path, "first", AUDITOR_CACHE_DIR=str(folder))
    assert _kinds(folder) == KINDS
    second = _scan(tmp_path, "second", AUDITOR_CACHE_DIR=str(folder))  # reads what first wrote
    assert first == without
    assert second == without


def test_the_cache_folder_comes_from_the_environment(tmp_path: Path) -> None:
    assert default_cache_dir({"AUDITOR_CACHE_DIR": "/x", "AUDITOR_NO_CACHE": "1"}) is None
    assert default_cache_dir({"AUDITOR_CACHE_DIR": "/x", "XDG_CACHE_HOME": "/y"}) == Path("/x")
    assert default_cache_dir({"XDG_CACHE_HOME": "/y"}) == Path("/y/residency-auditor")
    assert default_cache_dir({}) == Path.home() / ".cache" / "residency-auditor"


def test_the_command_line_caches_for_its_own_run_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUDITOR_CACHE_DIR", str(tmp_path / "cache"))
    with pytest.raises(SystemExit) as info:
        main(["kb", "check"])
    assert info.value.code == 0, capsys.readouterr().err
    assert _kinds(tmp_path / "cache") == {"kb"}
    assert cache_dir() is None  # the library called in-process afterwards caches nothing


def _extra_rules(tmp_path: Path, country: str) -> Path:
    extra = tmp_path / "extra"
    (extra / "entities").mkdir(parents=True, exist_ok=True)
    (extra / "entities" / "more.yaml").write_text(
        f"entities:\n  - {{id: cache-test-co, name: Cache Test, country: {country}, "
        f"parents: [], {_PROV}}}\n"
    )
    return extra


def test_a_changed_rules_file_is_read_again(tmp_path: Path, caching: Path) -> None:
    extra = _extra_rules(tmp_path, "US")
    assert load_knowledge_base([extra]).entities["cache-test-co"].country == "US"
    assert _kinds(caching) == {"kb"}
    _extra_rules(tmp_path, "FR")
    assert load_knowledge_base([extra]).entities["cache-test-co"].country == "FR"
    _extra_rules(tmp_path, "XX")  # now wrong: the problem is reported, not an old copy
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge_base([extra])
    assert "XX" in str(info.value.diagnostics)


def test_a_knowledge_base_with_problems_is_not_cached(tmp_path: Path, caching: Path) -> None:
    extra = _extra_rules(tmp_path, "XX")
    for _ in range(2):
        with pytest.raises(KnowledgeBaseError):
            load_knowledge_base([extra])
    assert not list(caching.glob("*.pickle"))


def _plant(file: Path, value: object) -> None:
    """Replace a cache file's payload with ``value``, with a checksum that matches."""
    import hashlib

    data = file.read_bytes()
    magic = data[: data.index(b"\n") + 1]
    payload = pickle.dumps(value)
    file.write_bytes(magic + hashlib.sha256(payload).digest() + payload)


def test_a_file_others_can_write_is_not_read(tmp_path: Path, caching: Path) -> None:
    kb = load_knowledge_base()
    (file,) = caching.glob("kb-*.pickle")
    _plant(file, "planted")
    assert load_knowledge_base() == "planted"  # the owner's own file is trusted...
    file.chmod(0o666)
    assert load_knowledge_base().version == kb.version  # ...one others can write is not
    file.chmod(0o600)
    caching.chmod(0o777)
    assert load_knowledge_base().version == kb.version  # nor one in a folder others can write
    caching.chmod(0o700)


def test_a_damaged_file_is_rebuilt(tmp_path: Path, caching: Path) -> None:
    kb = load_knowledge_base()
    (file,) = caching.glob("kb-*.pickle")
    good = file.read_bytes()
    file.write_bytes(good[:-10])  # cut short
    assert load_knowledge_base().version == kb.version
    assert file.read_bytes() == good


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be")
    use_cache_dir(blocked)
    try:
        assert load_knowledge_base().version
    finally:
        use_cache_dir(None)


def test_a_result_built_while_its_rules_changed_is_not_stored(
    tmp_path: Path, caching: Path
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text("a: 1\n")
    assert cached("t", [rules], lambda: "read a: 1") == "read a: 1"
    assert len(list(caching.glob("t-*.pickle"))) == 1

    def edited_meanwhile() -> str:
        (rules / "a.yaml").write_text("a: 3\n")
        return "read a: 2 or 3"

    (rules / "a.yaml").write_text("a: 2\n")
    assert cached("t", [rules], edited_meanwhile) == "read a: 2 or 3"
    assert len(list(caching.glob("t-*.pickle"))) == 1  # nothing stored under a: 2's key
    assert cached("t", [rules], lambda: "read a: 3") == "read a: 3"  # a: 3 was not stored either


def test_one_run_hashes_a_folder_once_yet_stores_nothing_stale(tmp_path: Path) -> None:
    """The command line's look-ups share one digest per folder; what a loader built while
    a file changed is still not stored, under either the old or the new contents."""
    folder, rules = tmp_path / "cache", tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text("a: 1\n")
    use_cache_dir(folder, one_run=True)
    try:
        assert cached("t", [rules], lambda: "read a: 1") == "read a: 1"

        def edited_meanwhile() -> str:
            (rules / "a.yaml").write_text("a: 2\n")
            return "read a: 2"

        assert cached("u", [rules], edited_meanwhile) == "read a: 2"
        assert not list(folder.glob("u-*.pickle"))  # built from a: 2, keyed by a: 1
    finally:
        use_cache_dir(None)
    use_cache_dir(folder)  # a new run sees a: 2 and builds again
    try:
        assert cached("u", [rules], lambda: "read a: 2, again") == "read a: 2, again"
        assert len(list(folder.glob("u-*.pickle"))) == 1
    finally:
        use_cache_dir(None)
