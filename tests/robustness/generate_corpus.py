"""Generated half of the bad-input corpus: seeded mutations of the examples and file-system traps.

``cases()`` returns the same list on every run (fixed seed, sorted inputs). Nothing
is written at import time: :meth:`Case.materialise` writes a case into a folder
(``tmp_path`` in the tests), because symbolic links, FIFOs, empty folders and a
21 MB file cannot be kept portably in git.

Each case carries the same expectation keys as a hand-written ``expect.yaml``
(see ``test_corpus.py``): ``exit``, ``message``, ``position``, ``names``,
``commands``, ``timeout``, ``xfail``, ``forbid``.
"""

from __future__ import annotations

import copy
import functools
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import EXAMPLES

SEED = 20261128
SECTIONS = ("entities", "data", "systems")
EXAMPLE_NAMES = ("hospital", "ministry", "bank", "startup-saas")
INVENTORY = "inventory.yaml"


@dataclass(frozen=True)
class Case:
    """One generated input and what the auditor must say about it."""

    name: str
    files: dict[str, bytes]
    expect: dict[str, Any]
    symlinks: dict[str, str] = field(default_factory=dict)  # link -> target
    dirs: tuple[str, ...] = ()
    fifos: tuple[str, ...] = ()
    sparse: dict[str, int] = field(default_factory=dict)  # path -> size in bytes

    def materialise(self, root: Path) -> None:
        """Write the case's files, folders, links and FIFOs under ``root``."""
        for rel in self.dirs:
            (root / rel).mkdir(parents=True, exist_ok=True)
        for rel, content in self.files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        for rel, size in self.sparse.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as handle:
                handle.write(b"# a very large inventory\n")
                handle.truncate(size)
        for rel, target in self.symlinks.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target, path)
        for rel in self.fifos:
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            os.mkfifo(path)


# ------------------------------------------------------------------ example documents


@functools.cache
def _example(name: str) -> dict[str, Any]:
    result: dict[str, Any] = {s: [] for s in SECTIONS}
    for path in sorted((EXAMPLES / name).rglob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, value in doc.items():
            if key in SECTIONS:
                result[key].extend(value)
            else:
                result[key] = value
    return result


def example(name: str) -> dict[str, Any]:
    """A fresh deep copy of an example, merged into one document."""
    return copy.deepcopy(_example(name))


def dump(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100_000)


def _components(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for s in doc["systems"] for c in s["components"]]


def _flows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for s in doc["systems"] for f in s.get("flows", [])]


def _parents(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for e in doc["entities"] for p in (e.get("parents") or [])]


# ------------------------------------------------------------------ mutations of the data
#
# Each mutation takes a document and a random generator, changes the document in
# place and returns the expectation, or None when the example has nothing to mutate.

Mutation = Callable[[dict[str, Any], random.Random], dict[str, Any] | None]


def _pick(rng: random.Random, items: list[Any]) -> Any:
    return rng.choice(items) if items else None


def _drop(section: str, key: str) -> Mutation:
    def mutate(doc: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
        pool = {
            "organisation": [doc["organisation"]],
            "entities": doc["entities"],
            "data": doc["data"],
            "systems": doc["systems"],
            "components": _components(doc),
            "flows": _flows(doc),
        }[section]
        target = _pick(rng, [item for item in pool if key in item])
        if target is None:
            return None
        del target[key]
        return {"exit": 3, "message": f"missing required key '{key}'"}

    return mutate


def _typo(word: str, rng: random.Random) -> str:
    """A one-letter slip that difflib still recognises."""
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1 :] if rng.random() < 0.5 else word[:i] + word[i] + word[i:]


def _key_typo(section: str, keys: tuple[str, ...]) -> Mutation:
    def mutate(doc: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
        pool = {
            "organisation": [doc["organisation"]],
            "entities": doc["entities"],
            "data": doc["data"],
            "systems": doc["systems"],
            "components": _components(doc),
        }[section]
        candidates = [(item, k) for item in pool for k in keys if k in item]
        if not candidates:
            return None
        item, key = rng.choice(candidates)
        wrong = _typo(key, rng)
        item[wrong] = item.pop(key)
        return {"exit": 3, "message": [f"unknown key '{wrong}'", f"did you mean '{key}'"]}

    return mutate


def _wrong_type(section: str, key: str, value: Any, message: str) -> Mutation:
    def mutate(doc: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
        pool = {
            "organisation": [doc["organisation"]],
            "entities": doc["entities"],
            "data": doc["data"],
            "systems": doc["systems"],
            "components": _components(doc),
            "flows": _flows(doc),
        }[section]
        target = _pick(rng, list(pool))
        if target is None:
            return None
        target[key] = copy.deepcopy(value)
        return {"exit": 3, "message": message}

    return mutate


def _bad_enum(section: str, key: str) -> Mutation:
    def mutate(doc: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
        pool = {
            "data": doc["data"],
            "systems": doc["systems"],
            "components": _components(doc),
            "flows": _flows(doc),
        }[section]
        target = _pick(rng, [item for item in pool if key in item] or list(pool))
        if target is None:
            return None
        target[key] = rng.choice(["unknown", "High", "model-api", "TLS 1.3", "n/a"])
        return {"exit": 3, "message": "is not one of"}

    return mutate


def _bad_region(doc: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    comp = _pick(rng, [c for c in _components(doc) if ":" in str(c.get("region", ""))])
    if comp is None:
        return None
    provider, code = comp["region"].split(":", 1)
    comp["region"] = f"{provider}:{code}x9"
    return {"exit": 3, "message": f"unknown {provider} region '{code}x9'"}


def _bad_vendor(doc: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    comp = _pick(rng, [c for c in _components(doc) if c.get("vendor")])
    if comp is None:
        return None
    comp["vendor"] = comp["vendor"] + "-x"
    comp.pop("deployment", None)
    return {"exit": 3, "message": f"unknown vendor '{comp['vendor']}'"}


def _bad_party(doc: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    roles = ("operator", "hosting", "support", "model_provider")
    candidates = [(c, r) for c in _components(doc) for r in roles if c.get(r)]
    if not candidates:
        return None
    comp, role = rng.choice(candidates)
    comp[role] = comp[role] + "-x"
    return {"exit": 3, "message": f"unknown entity '{comp[role]}'"}


def _bad_flow_data(doc: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    flow = _pick(rng, _flows(doc))
    if flow is None:
        return None
    flow["data"][0] = flow["data"][0] + "-x"
    return {"exit": 3, "message": f"flow carries unknown data asset '{flow['data'][0]}'"}


def _bad_flow_target(doc: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    flow = _pick(rng, _flows(doc))
    if flow is None:
        return None
    end = rng.choice(["from", "to"])
    flow[end] = flow[end] + "-x"
    direction = "from" if end == "from" else "to"
    return {"exit": 3, "message": f"flow {direction} unknown component '{flow[end]}'"}


def _duplicate_id(section: str, kind: str) -> Mutation:
    def mutate(doc: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
        item = _pick(rng, doc[section])
        if item is None:
            return None
        doc[section].append(copy.deepcopy(item))
        return {"exit": 3, "message": f"duplicate {kind} id '{item['id']}'"}

    return mutate


def _bad_category(doc: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    asset = _pick(rng, doc["data"])
    if asset is None:
        return None
    index = rng.randrange(len(asset["categories"]))
    asset["categories"][index] = asset["categories"][index] + "x"
    return {"exit": 3, "message": f"unknown data category '{asset['categories'][index]}'"}


def _bad_country(doc: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    entity = _pick(rng, [e for e in doc["entities"] if e.get("country")])
    if entity is None:
        return None
    if rng.random() < 0.5:
        entity["country"] = entity["country"].lower()
        return {"exit": 3, "message": "not an ISO 3166-1 alpha-2 country code"}
    entity["country"] = "QX"
    return {"exit": 3, "message": "unknown country code 'QX'"}


def _absurd_percentage(doc: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    parent = _pick(rng, _parents(doc))
    if parent is None:
        return None
    value, message = rng.choice(
        [
            (101, "less than or equal to 100"),
            (1e12, "less than or equal to 100"),
            (float("inf"), "less than or equal to 100"),
            (-0.5, "greater than or equal to 0"),
            ("fifty", "valid number"),
        ]
    )
    parent[rng.choice(["share_pct", "voting_pct"])] = value
    return {"exit": 3, "message": message}


def _unknown_parent(doc: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    entity = _pick(rng, doc["entities"])
    if entity is None:
        return None
    entity["parents"] = [*(entity.get("parents") or []), {"entity": "ghost-holdings-x"}]
    return {"exit": 3, "message": "unknown parent entity 'ghost-holdings-x'"}


def _two_placements(doc: dict[str, Any], rng: random.Random) -> dict[str, Any] | None:
    comp = _pick(rng, [c for c in _components(doc) if c.get("region") or c.get("on_prem")])
    if comp is None:
        return None
    comp["country"] = "DE"
    return {"exit": 3, "message": "give one placement"}


MUTATIONS: dict[str, Mutation] = {
    "drop-org-name": _drop("organisation", "name"),
    "drop-org-country": _drop("organisation", "country"),
    "drop-entity-id": _drop("entities", "id"),
    "drop-entity-name": _drop("entities", "name"),
    "drop-data-categories": _drop("data", "categories"),
    "drop-system-purpose": _drop("systems", "purpose"),
    "drop-system-components": _drop("systems", "components"),
    "drop-component-kind": _drop("components", "kind"),
    "drop-component-id": _drop("components", "id"),
    "drop-flow-from": _drop("flows", "from"),
    "drop-flow-data": _drop("flows", "data"),
    "typo-entity-key": _key_typo("entities", ("country", "parents", "presence")),
    "typo-data-key": _key_typo("data", ("categories", "classification", "subjects")),
    "typo-system-key": _key_typo("systems", ("purpose", "components", "criticality")),
    "typo-component-key": _key_typo("components", ("operator", "region", "vendor", "controls")),
    "type-name-list": _wrong_type("entities", "name", ["a", "b"], "Input should be a valid string"),
    "type-purpose-mapping": _wrong_type("systems", "purpose", {"a": 1}, "valid string"),
    "type-categories-string": _wrong_type("data", "categories", "user.name", "valid list"),
    "type-components-mapping": _wrong_type("systems", "components", {"app": {}}, "valid list"),
    "type-flow-data-int": _wrong_type("flows", "data", 42, "valid list"),
    "type-controls-list": _wrong_type("components", "controls", ["keys"], "controls"),
    "type-org-country-int": _wrong_type("organisation", "country", 49, "valid string"),
    "enum-classification": _bad_enum("data", "classification"),
    "enum-criticality": _bad_enum("systems", "criticality"),
    "enum-kind": _bad_enum("components", "kind"),
    "enum-in-transit": _bad_enum("flows", "in_transit"),
    "ref-region": _bad_region,
    "ref-vendor": _bad_vendor,
    "ref-party": _bad_party,
    "ref-flow-data": _bad_flow_data,
    "ref-flow-target": _bad_flow_target,
    "ref-category": _bad_category,
    "ref-country": _bad_country,
    "ref-parent": _unknown_parent,
    "dup-entity": _duplicate_id("entities", "entity"),
    "dup-data": _duplicate_id("data", "data asset"),
    "dup-system": _duplicate_id("systems", "system"),
    "pct-absurd": _absurd_percentage,
    "placement-twice": _two_placements,
}


def _mutation_cases(rng: random.Random) -> Iterator[Case]:
    for name in EXAMPLE_NAMES:
        for label, mutate in MUTATIONS.items():
            doc = example(name)
            expect = mutate(doc, rng)
            if expect is None:
                continue
            yield Case(
                f"gen-{name}-{label}",
                {INVENTORY: dump(doc).encode("utf-8")},
                {"why": f"{label} applied to examples/{name}", **expect},
            )


# ------------------------------------------------------------------ mutations of the text

DANGEROUS_TAGS = (
    "!!python/object/apply:os.system ['id']",
    "!!python/object/new:subprocess.check_output [['id']]",
    "!!python/name:builtins.eval",
    "!!python/module:os",
    "!!binary aWQ=",
    "!!set {a: null}",
    "!Ref AWS::Region",
    "!<tag:yaml.org,2002:python/object/apply:os.system> ['id']",
)


def _value_lines(lines: list[str]) -> list[int]:
    """Lines ``  key: value`` (a scalar on the same line, not a list item start)."""

    def indent(line: str) -> int:
        return len(line) - len(line.lstrip(" "))

    found = []
    for i, line in enumerate(lines):
        stripped = line.lstrip(" ")
        if stripped.startswith(("- ", "#")) or ": " not in stripped:
            continue
        if i + 1 < len(lines) and indent(lines[i + 1]) > indent(line):
            continue  # the value goes on over the next lines
        key, _, value = stripped.partition(": ")
        if (
            key.replace("_", "").isalpha()
            and value.strip()
            and not value.startswith(("[", "{", "'", '"', "|", ">"))
        ):
            found.append(i)
    return found


def _text_cases(rng: random.Random) -> Iterator[Case]:
    for name in EXAMPLE_NAMES:
        text = dump(example(name))
        lines = text.splitlines(keepends=True)
        value_lines = _value_lines(lines)
        for n, tag in enumerate(DANGEROUS_TAGS):
            i = rng.choice(value_lines)
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip(" "))]
            key = lines[i].strip().partition(": ")[0]
            mutated = [*lines[:i], f"{indent}{key}: {tag}\n", *lines[i + 1 :]]
            yield Case(
                f"gen-{name}-tag-{n}",
                {INVENTORY: "".join(mutated).encode("utf-8")},
                {"why": f"tag {tag} on line {i + 1}", "exit": 3, "message": "unsupported YAML tag"},
            )
        for n in range(3):
            i = rng.choice(value_lines)
            mutated = [*lines[: i + 1], lines[i], *lines[i + 1 :]]
            key = lines[i].strip().partition(": ")[0]
            yield Case(
                f"gen-{name}-duplicate-line-{n}",
                {INVENTORY: "".join(mutated).encode("utf-8")},
                {
                    "why": f"line {i + 1} repeated",
                    "exit": 3,
                    "message": f"duplicate key '{key}' (first at line {i + 1})",
                },
            )
        for n in range(2):
            i = rng.choice(value_lines)
            raw = text.encode("utf-8")
            offset = sum(len(line.encode("utf-8")) for line in lines[:i]) + len(lines[i]) - 1
            mutated_bytes = raw[:offset] + b"\xe9" + raw[offset:]
            yield Case(
                f"gen-{name}-latin1-byte-{n}",
                {INVENTORY: mutated_bytes},
                {
                    "why": f"a Latin-1 byte at the end of line {i + 1}",
                    "exit": 3,
                    "message": "not UTF-8 (byte 0xe9)",
                    "line": i + 1,
                },
            )
        i = rng.choice(value_lines)
        nul = [*lines[:i], lines[i].rstrip("\n") + "\x00\n", *lines[i + 1 :]]
        yield Case(
            f"gen-{name}-nul",
            {INVENTORY: "".join(nul).encode("utf-8")},
            {"why": f"a NUL on line {i + 1}", "exit": 3, "message": "NUL character"},
        )
        i = rng.choice([j for j in value_lines if lines[j].startswith("  ")])
        tabbed = [*lines[:i], "\t" + lines[i].lstrip(" "), *lines[i + 1 :]]
        yield Case(
            f"gen-{name}-tab",
            {INVENTORY: "".join(tabbed).encode("utf-8")},
            {"why": f"a tab on line {i + 1}", "exit": 3, "message": "indent with spaces"},
        )
        depth = rng.randrange(65, 3000)
        nested = example(name)
        nested["systems"][0]["components"][0]["notes"] = "PLACEHOLDER"
        deep = dump(nested).replace("PLACEHOLDER", "[" * depth + "]" * depth)
        yield Case(
            f"gen-{name}-deep-{depth}",
            {INVENTORY: deep.encode("utf-8")},
            {"why": f"notes nested {depth} deep", "exit": 3, "message": "nesting"},
        )
        cut = rng.randrange(len(text) // 4, len(text) // 2)
        flow_cut = text[:cut] + "\nsystems: [{id: cut, purpose: x, components: [{id: a, kind: "
        yield Case(
            f"gen-{name}-truncated",
            {INVENTORY: flow_cut.encode("utf-8")},
            {"why": f"the file cut at byte {cut} inside a flow collection", "exit": 3},
        )
        # Encodings that are valid: the audit must run.
        for label, data in (
            ("bom", b"\xef\xbb\xbf" + text.encode("utf-8")),
            ("crlf", text.replace("\n", "\r\n").encode("utf-8")),
            ("utf16", b"\xff\xfe" + text.encode("utf-16-le")),
        ):
            yield Case(
                f"gen-{name}-valid-{label}",
                {INVENTORY: data},
                {"why": f"examples/{name} as {label}", "exit": 0},
            )


# ------------------------------------------------------------------ limits

MEGA = 1_000_000


def _limit_cases(rng: random.Random) -> Iterator[Case]:
    for field_name in ("purpose", "name", "owner"):
        doc = example("startup-saas")
        doc["systems"][0][field_name] = "PLACEHOLDER"
        text = dump(doc).replace("PLACEHOLDER", "x" * (MEGA + 1))
        yield Case(
            f"gen-huge-scalar-{field_name}",
            {INVENTORY: text.encode("utf-8")},
            {"why": f"a {MEGA + 1}-character {field_name}", "exit": 3, "message": "longer than"},
        )
    doc = example("startup-saas")
    chain = [f"owner-{i:04d}" for i in range(1000)]
    operator = doc["systems"][0]["components"][-1]
    doc["entities"] += [
        {
            "id": ident,
            "name": f"Owner {i}",
            "country": "US",
            "parents": [{"entity": chain[i + 1], "share_pct": 60}] if i + 1 < len(chain) else [],
        }
        for i, ident in enumerate(chain)
    ]
    operator.pop("vendor", None)
    operator["operator"] = chain[0]
    yield Case(
        "gen-ownership-chain-1000",
        {INVENTORY: dump(doc).encode("utf-8")},
        {
            "why": "a control chain 1,000 owners deep is walked without hitting the recursion limit",
            "exit": 0,
        },
    )
    yield Case(
        "gen-huge-file",
        {},
        {
            "why": "a 21 MB file (sparse): refused before it is read",
            "exit": 3,
            "message": "over the limit of",
            "position": False,
        },
        sparse={INVENTORY: 21 * 1024 * 1024},
    )


# ------------------------------------------------------------------ the file system


def _valid_text() -> bytes:
    return dump(example("startup-saas")).encode("utf-8")


def _filesystem_cases() -> Iterator[Case]:
    valid = _valid_text()
    secret = b"secret: the auditor must never read this file\n"
    yield Case(
        "fs-empty-folder",
        {},
        {"why": "an empty folder", "exit": 3, "message": "no *.yaml", "position": False},
        dirs=("input",),
    )
    yield Case(
        "fs-empty-subfolders",
        {},
        {"why": "folders of empty folders", "exit": 3, "message": "no *.yaml", "position": False},
        dirs=("input/a/b", "input/c"),
    )
    yield Case(
        "fs-symlink-out-of-tree",
        {"input/inventory.yaml": valid, "outside/secret.yaml": secret},
        {
            "why": "a link to a file outside the folder",
            "exit": 3,
            "message": "symbolic link leads outside",
            "position": False,
            "names": "input/link.yaml",
            "forbid": ["never read this file"],
        },
        symlinks={"input/link.yaml": "../outside/secret.yaml"},
    )
    yield Case(
        "fs-symlink-absolute",
        {"input/inventory.yaml": valid},
        {
            "why": "a link to /etc/passwd",
            "exit": 3,
            "message": "symbolic link leads outside",
            "position": False,
            "names": "input/passwd.yaml",
            "forbid": ["root:"],
        },
        symlinks={"input/passwd.yaml": "/etc/passwd"},
    )
    yield Case(
        "fs-symlink-chain",
        {"input/inventory.yaml": valid, "outside/secret.yaml": secret},
        {
            "why": "a link to a link that leaves the folder",
            "exit": 3,
            "message": "symbolic link leads outside",
            "position": False,
            "names": "input/a.yaml",
            "forbid": ["never read this file"],
        },
        symlinks={"input/a.yaml": "b.yaml", "input/b.yaml": "../outside/secret.yaml"},
    )
    yield Case(
        "fs-symlink-inside",
        {"input/inventory.yaml": valid},
        {"why": "a link inside the folder is read once", "exit": 0},
        symlinks={"input/again.yaml": "inventory.yaml"},
    )
    yield Case(
        "fs-symlink-dangling",
        {"input/inventory.yaml": valid},
        {
            "why": "a link to nothing",
            "exit": 3,
            "message": "symbolic link",
            "position": False,
            "names": "input/gone.yaml",
        },
        symlinks={"input/gone.yaml": "nowhere.yaml"},
    )
    yield Case(
        "fs-symlink-loop",
        {"input/inventory.yaml": valid},
        {
            "why": "a link to itself",
            "exit": 3,
            "message": "broken or looping symbolic link",
            "position": False,
            "names": "input/loop.yaml",
        },
        symlinks={"input/loop.yaml": "loop.yaml"},
    )
    yield Case(
        "fs-symlinked-folder-out-of-tree",
        {"input/inventory.yaml": valid, "outside/systems/more.yaml": secret},
        {
            "why": "a link to a folder outside the tree",
            "exit": 3,
            "message": "symbolic link to a folder",
            "position": False,
            "names": "input/systems",
            "forbid": ["never read this file"],
        },
        symlinks={"input/systems": "../outside/systems"},
    )
    yield Case(
        "fs-fifo",
        {"input/inventory.yaml": valid},
        {
            "why": "a FIFO named like an inventory file",
            "exit": 3,
            "message": "not a regular file",
            "position": False,
            "names": "input/pipe.yaml",
            "timeout": 5,
        },
        fifos=("input/pipe.yaml",),
    )
    broken = valid.replace(b"organisation:", b"organisation:\n  name: x\n  name: y\n", 1)
    yield Case(
        "fs-filename-with-escape",
        {"input/evil\x1b]0;owned\x07.yaml": broken},
        {
            "why": "a terminal escape sequence in a file name",
            "exit": 3,
            "message": "duplicate key 'name'",
            "names": "input/evil",
        },
    )
    yield Case(
        "fs-filename-with-newline",
        {"input/x\nforged.yaml:1:1: everything is fine\nx.yaml": broken},
        {
            "why": "a newline in a file name forges a diagnostic line",
            "exit": 3,
            "message": "duplicate key 'name'",
            "names": "input/x",
            "forbid": ["\nforged.yaml:1:1"],
        },
    )


_TERRAFORM = b'provider "aws" {\n  region = "eu-central-1"\n}\n\nresource "aws_s3_bucket" "docs" {\n  bucket = "docs"\n}\n'


def _scan_filesystem_cases() -> Iterator[Case]:
    """Traps for ``auditor scan``: nothing named like a scanned file may block or escape."""
    for name in ("pipe.tf", "plan.json", "pipe.yaml", "terraform.tfvars"):
        yield Case(
            f"gen-scan-fifo-{name.replace('.', '-')}",
            {"input/main.tf": _TERRAFORM},
            {
                "why": f"a FIFO named {name} in a scanned folder: refused, never opened",
                "exit": 3,
                "message": "not a regular file",
                "position": False,
                "names": f"input/{name}",
                "commands": ["scan"],
                "timeout": 5,
            },
            fifos=(f"input/{name}",),
        )
    yield Case(
        "gen-scan-symlink-loop",
        {"input/main.tf": _TERRAFORM},
        {
            "why": "a .tf link to itself",
            "exit": 3,
            "message": "broken or looping symbolic link",
            "position": False,
            "names": "input/loop.tf",
            "commands": ["scan"],
            "timeout": 5,
        },
        symlinks={"input/loop.tf": "loop.tf"},
    )
    yield Case(
        "gen-scan-symlink-loop-pair",
        {"input/main.tf": _TERRAFORM},
        {
            "why": "two .yaml links pointing at each other",
            "exit": 3,
            "message": "broken or looping symbolic link",
            "position": False,
            "names": "input/a.yaml",
            "commands": ["scan"],
            "timeout": 5,
        },
        symlinks={"input/a.yaml": "b.yaml", "input/b.yaml": "a.yaml"},
    )
    yield Case(
        "gen-scan-symlinked-folder-loop",
        {"input/main.tf": _TERRAFORM},
        {
            "why": "a folder link back to the scanned folder is not walked",
            "exit": 0,
            "commands": ["scan"],
            "timeout": 10,
        },
        symlinks={"input/again": ".", "input/sub/up": ".."},
    )
    yield Case(
        "gen-scan-symlink-out-of-tree",
        {"input/main.tf": _TERRAFORM, "outside/secret.tf": b"# never read this file\n"},
        {
            "why": "a .tf link to a file outside the scanned folder",
            "exit": 3,
            "message": "symbolic link leads outside",
            "position": False,
            "names": "input/link.tf",
            "commands": ["scan"],
            "forbid": ["never read this file"],
        },
        symlinks={"input/link.tf": "../outside/secret.tf"},
    )


def cases() -> list[Case]:
    """Every generated case, in a stable order."""
    rng = random.Random(SEED)
    found = [
        *_mutation_cases(rng),
        *_text_cases(rng),
        *_limit_cases(rng),
        *_filesystem_cases(),
        *_scan_filesystem_cases(),
    ]
    names = [c.name for c in found]
    assert len(names) == len(set(names)), "generated case names must be unique"
    return found
