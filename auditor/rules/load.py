"""Find and validate check files: built-in, ``--rules DIR`` folders and installed rule packs."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path

from auditor.errors import Diagnostic, KnowledgeBaseError
from auditor.loader.cache import cached
from auditor.loader.validate import suggest, validate_document
from auditor.loader.yamlsrc import YamlProblem, read_yaml
from auditor.resources import builtin_rules_dir
from auditor.rules.schema import RuleSpec, check_fields

ENTRY_POINT_GROUP = "auditor.rule_packs"


def rule_roots(extra_dirs: Sequence[Path] = ()) -> list[Path]:
    """Built-in rules, then installed rule packs, then ``--rules`` folders."""
    roots = [builtin_rules_dir()]
    for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        roots.append(Path(str(entry.load())))
    roots.extend(Path(d) for d in extra_dirs)
    return roots


def _display(path: Path) -> str:
    builtin = builtin_rules_dir()
    if path.is_relative_to(builtin):
        return f"rules/{path.relative_to(builtin).as_posix()}"
    return str(path)


def load_rules(extra_dirs: Sequence[Path] = ()) -> list[RuleSpec]:
    """Every check, validated; raise KnowledgeBaseError listing all problems."""
    roots = rule_roots(extra_dirs)
    return cached("checks", [root / "checks" for root in roots], lambda: _load_rules(roots))


def _load_rules(roots: Sequence[Path]) -> list[RuleSpec]:
    problems: list[Diagnostic] = []
    rules: list[RuleSpec] = []
    seen: dict[str, RuleSpec] = {}
    for root in roots:
        folder = root / "checks"
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix not in (".yaml", ".yml"):
                continue
            shown = _display(path)
            try:
                doc = read_yaml(path, shown)
            except YamlProblem as exc:
                problems.append(exc.diagnostic)
                continue
            rule, errors = validate_document(doc, RuleSpec)
            problems.extend(errors)
            if rule is None:
                continue
            span = rule.span_of("id")
            line, column = (span.line, span.column) if span else (None, None)
            if path.stem != rule.id:
                problems.append(
                    Diagnostic(
                        shown,
                        line,
                        column,
                        f"id {rule.id!r} does not match the file name",
                        f"rename the file to {rule.id}.yaml",
                    )
                )
            if rule.id in seen:
                problems.append(
                    Diagnostic(
                        shown,
                        line,
                        column,
                        f"duplicate rule id {rule.id!r}",
                        f"first at {seen[rule.id].span}",
                    )
                )
                continue
            for name in rule.unknown_fields():
                problems.append(
                    Diagnostic(
                        shown,
                        line,
                        column,
                        f"field {name!r} is not offered by subjects of kind {rule.match.over.value!r}",
                        suggest(name, check_fields(rule.match.over))
                        or "fields: " + ", ".join(sorted(check_fields(rule.match.over))),
                    )
                )
            seen[rule.id] = rule
            rules.append(rule)
    if problems:
        raise KnowledgeBaseError(f"the rules have {len(set(problems))} problem(s)", problems)
    return sorted(rules, key=lambda r: r.id)
