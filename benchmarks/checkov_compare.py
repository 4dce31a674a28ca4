"""Time ``auditor scan`` against ``checkov -d`` on the same trees, in turn (issue 19).

    python benchmarks/checkov_compare.py CHECKOV TREE... [--baseline AUDITOR] [--rounds N]

CHECKOV is a checkov executable installed in its own virtual environment
(``python3 -m venv /tmp/checkov-venv && /tmp/checkov-venv/bin/pip install checkov``).
``--baseline`` names a second ``auditor`` executable (another checkout, installed in its
own virtual environment) to time before/after in the same run.

Commands, each writing its JSON report:

- ``auditor scan TREE --country DE --json /dev/null`` (this checkout, with its rules cache
  warm: what a second run on a developer's machine or a CI runner that keeps
  ``~/.cache/residency-auditor`` does);
- the same with ``AUDITOR_NO_CACHE=1`` (a CI runner that starts empty);
- the baseline's, if given, with its cache and without;
- ``checkov -d TREE --quiet -o json``.

Each tree gets one untimed round (compiled bytecode written, the cache filled), then
``--rounds`` timed rounds (default 5) in which the commands run one after the other, so
they all see the same machine load. Printed as Markdown: per command the median wall and
CPU (user + system, from the operating system's accounting of the finished child) seconds,
and checkov's median over each auditor's: the ratio is the median of the per-round ratios.
Not a unit test.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Command:
    name: str
    argv: list[str]
    env: dict[str, str]
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def run(self, record: bool) -> None:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            self.argv,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=self.env,
            check=False,
        )
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if record:
            self.wall.append(wall)
            self.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)


def _commands(checkov: str, auditor: str, baseline: str | None, tree: Path) -> list[Command]:
    # Installed packages have their bytecode compiled; so do these runs.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    scan = ["scan", str(tree), "--country", "DE", "--json", os.devnull]
    commands = [
        Command("auditor scan", [auditor, *scan], env),
        Command("auditor scan, no cache", [auditor, *scan], env | {"AUDITOR_NO_CACHE": "1"}),
    ]
    if baseline:
        commands.append(Command("baseline auditor scan", [baseline, *scan], env))
        commands.append(
            Command("baseline, no cache", [baseline, *scan], env | {"AUDITOR_NO_CACHE": "1"})
        )
    commands.append(Command("checkov -d", [checkov, "-d", str(tree), "--quiet", "-o", "json"], env))
    return commands


def _ratio(theirs: list[float], ours: list[float]) -> float:
    return statistics.median(t / o for t, o in zip(theirs, ours, strict=True))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkov")
    parser.add_argument("trees", nargs="+", type=Path)
    parser.add_argument("--baseline", help="another auditor executable, timed alongside")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    auditor = str(Path(sys.executable).with_name("auditor"))
    print("| tree | .tf files | command | wall s | CPU s | checkov / it, wall | CPU |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for tree in args.trees:
        commands = _commands(args.checkov, auditor, args.baseline, tree)
        for round_ in range(args.rounds + 1):
            for command in commands:
                command.run(record=round_ > 0)
        checkov = commands[-1]
        files = sum(1 for _ in tree.rglob("*.tf"))
        for command in commands:
            ratios = (
                f"{_ratio(checkov.wall, command.wall):.1f}x | {_ratio(checkov.cpu, command.cpu):.1f}x"
                if command is not checkov
                else " | "
            )
            print(
                f"| {tree.name} | {files} | {command.name} | {statistics.median(command.wall):.2f} "
                f"| {statistics.median(command.cpu):.2f} | {ratios} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
