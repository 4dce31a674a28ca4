"""Time ``auditor scan`` against ``checkov -d`` on the same trees (python benchmarks/checkov_compare.py
CHECKOV TREE...).

CHECKOV is the path of a checkov executable installed in its own virtual environment
(``python3 -m venv /tmp/checkov-venv && /tmp/checkov-venv/bin/pip install checkov``). Each tree
is scanned three times by each tool, alternately, so both see the same machine load; the medians
and their ratio go to stdout as a Markdown table. Not a unit test (issue 19).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROUNDS = 3


def _seconds(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    checkov, trees = argv[0], [Path(t) for t in argv[1:]]
    auditor = str(Path(sys.executable).with_name("auditor"))
    print("| tree | .tf files | auditor scan (s) | checkov -d (s) | ratio |")
    print("|---|---:|---:|---:|---:|")
    for tree in trees:
        ours: list[float] = []
        theirs: list[float] = []
        for _ in range(ROUNDS):
            ours.append(
                _seconds(
                    [auditor, "scan", str(tree), "--country", "DE", "--fail-on", "never", "--quiet"]
                )
            )
            theirs.append(_seconds([checkov, "-d", str(tree), "--quiet", "--compact"]))
        a, c = statistics.median(ours), statistics.median(theirs)
        files = sum(1 for _ in tree.rglob("*.tf"))
        print(f"| {tree.name} | {files} | {a:.1f} | {c:.1f} | {c / a:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
