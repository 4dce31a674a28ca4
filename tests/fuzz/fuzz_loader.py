"""Atheris (libFuzzer) harness for the inventory loader: bytes in, a document or a diagnostic out.

Not a pytest module (the name does not start with ``test_``) and importable
without atheris, so ``pytest`` collects nothing here. See docs/fuzzing.md::

    pip install atheris
    mkdir -p /tmp/fuzz-corpus && cp examples/*/*.yaml examples/*/systems/*.yaml /tmp/fuzz-corpus/
    python tests/fuzz/fuzz_loader.py /tmp/fuzz-corpus -max_total_time=3600 -timeout=10 -rss_limit_mb=2048

Without atheris, ``python tests/fuzz/fuzz_loader.py --replay FILE...`` runs the
same target once on each file (to check a crash is fixed).

A crash is any exception other than the loader's own ``YamlProblem`` and
``InputError`` (which carry diagnostics for the user), a diagnostic that does
not name the file, a run longer than ``-timeout`` seconds, or memory above
``-rss_limit_mb``.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from pathlib import Path

try:
    import atheris
except ImportError:  # the harness stays importable (and replayable) without it
    atheris = None

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


_INSTRUMENT = (
    atheris.instrument_imports(include=["auditor", "yaml"])
    if atheris is not None and __name__ == "__main__"
    else contextlib.nullcontext()
)
with _INSTRUMENT:
    from auditor.errors import InputError
    from auditor.loader.inventory import merge
    from auditor.loader.validate import validate_document
    from auditor.loader.yamlsrc import Limits, YamlProblem, read_yaml
    from auditor.model.inventory import InventoryFragment

# Small limits keep each run fast; the caps themselves are part of what is fuzzed.
LIMITS = Limits(
    max_file_bytes=256 * 1024, max_depth=64, max_values=50_000, max_scalar_chars=100_000
)
_SCRATCH = Path(tempfile.mkdtemp(prefix="fuzz-loader-")) / "fuzz.yaml"


def TestOneInput(data: bytes) -> None:  # the name libFuzzer looks for
    """One input: read it as an inventory file; only diagnostics may come out."""
    _SCRATCH.write_bytes(data)
    try:
        doc = read_yaml(_SCRATCH, display="fuzz.yaml", limits=LIMITS)
    except YamlProblem as exc:
        assert exc.diagnostic.path == "fuzz.yaml", exc.diagnostic
        assert exc.diagnostic.message, exc.diagnostic
        return
    if not isinstance(doc.data, dict):
        return
    fragment, problems = validate_document(doc, InventoryFragment)
    for problem in problems:
        assert problem.path == "fuzz.yaml" and problem.line is not None, problem
        str(problem)
    if fragment is None:
        return
    try:
        _, merge_problems = merge([fragment], ["fuzz.yaml"])
    except InputError:
        return
    for problem in merge_problems:
        str(problem)


def replay(paths: list[str]) -> int:
    for name in paths:
        TestOneInput(Path(name).read_bytes())
        print(f"ok: {name}")
    return 0


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--replay":
        sys.exit(replay(sys.argv[2:]))
    if atheris is None:
        sys.exit("atheris is not installed: pip install atheris (or use --replay FILE...)")
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
