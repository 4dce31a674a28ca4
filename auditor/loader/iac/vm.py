"""Model servers on virtual machines: the scripts a Terraform compute instance runs (issue 19).

A compute instance (``aws_instance``, ``oci_core_instance``, ...) runs the script
in its boot attribute (``user_data``, ``metadata.user_data``, ``custom_data``,
``metadata_startup_script``; the catalogue rule names them in ``scripts``) and
whatever its ``provisioner`` blocks copy (``file``) and run (``remote-exec``).
Those scripts are read, never run: a literal, a heredoc, ``file()`` or
``templatefile()`` of a file inside the scan root (``base64encode()`` of either),
and the ``runcmd`` of a cloud-config. A script that starts a model server the
catalogue knows (by command, or ``docker run`` of a serving image) makes the
instance a model server, placed where the instance is; the model is read where
the server reads it (its arguments, its variables, ``ollama pull``), through the
shell variables the scripts ``export``, and is unknown otherwise, with the reason.
"""

from __future__ import annotations

import base64
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from lark import Token, Tree

from auditor.loader.iac.catalogue import Catalogue, ImageRule, ResourceRule
from auditor.loader.iac.detect import Decided, Part, Placed
from auditor.loader.iac.hcl import (
    HOLE,
    Attr,
    BoundScope,
    Evaluator,
    Node,
    Scope,
    Val,
    step,
    traversal,
    unknown,
    unwrap,
)
from auditor.loader.iac.result import How, ResolutionStep
from auditor.loader.iac.serving import (
    CommandLine,
    Var,
    Word,
    clean_model,
    command_line,
    model_in_args,
)
from auditor.loader.iac.template import MAX_FILE_BYTES, render
from auditor.loader.iac.terraform import SCRIPT_DATA_SOURCES, HclResource, ModuleInstance
from auditor.loader.yamlsrc import Limits, YamlProblem, parse_text
from auditor.model.common import SourceSpan

# A boot script or a provisioned file larger than this is not read (the cap of file()).
MAX_SCRIPT_BYTES = MAX_FILE_BYTES
_CLOUD_CONFIG_LIMITS = Limits(
    max_file_bytes=MAX_SCRIPT_BYTES, max_values=50_000, max_scalar_chars=MAX_SCRIPT_BYTES
)
_ENCODERS = frozenset({"base64encode", "base64gzip", "textencodebase64"})
_ASSIGN = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
_DOCKER_RUN = re.compile(r"(^|[\s/])(docker|podman|nerdctl) (container )?run(\s|$)")


@dataclass(frozen=True)
class Script:
    """One script an instance runs or is given, as far as the code fixes its text."""

    text: str  # HOLE stands for a part the code does not fix
    span: SourceSpan  # row r of the text is line span.line + 1 + r
    origin: str  # e.g. 'user_data (file("scripts/boot.sh"))'
    steps: tuple[ResolutionStep, ...] = ()
    reason: str = ""  # why parts of the text are unknown
    row_reasons: tuple[tuple[int, str], ...] = ()  # (row, why it is unknown), remote-exec inline


def _call(node: Node) -> tuple[str, list[Node]] | None:
    """``name(args...)`` of a function call expression."""
    node = unwrap(node)
    if not (isinstance(node, Tree) and node.data == "function_call"):
        return None
    parts = [c for c in node.children if isinstance(c, Tree | Token)]
    head = parts[0] if parts else None
    name = str(head.children[0]) if isinstance(head, Tree) and head.children else str(head)
    args: list[Node] = []
    for child in node.children:
        if isinstance(child, Tree) and child.data == "arguments":
            args = [
                c for c in child.children if isinstance(c, Tree) and c.data != "new_line_or_comment"
            ]
    return name, args


def _lone_interpolation(node: Node) -> Node:
    """``"${file("x.sh")}"``: a string that is one interpolation and nothing else is that
    expression."""
    inner = unwrap(node)
    if not (isinstance(inner, Tree) and inner.data == "string"):
        return node
    parts = [c for c in inner.children if isinstance(c, Tree) and c.data == "string_part"]
    if len(parts) != 1 or not parts[0].children:
        return node
    interp = parts[0].children[0]
    if not (isinstance(interp, Tree) and interp.data == "interpolation"):
        return node
    trees = [c for c in interp.children if isinstance(c, Tree)]
    return trees[0] if len(trees) == 1 else node


def _heredoc(node: Node) -> str | None:
    """The raw body of a heredoc (``<<-`` indentation removed), interpolations unevaluated."""
    node = unwrap(node)
    if not (isinstance(node, Tree) and node.data in ("heredoc_template", "heredoc_template_trim")):
        return None
    raw = "".join(str(c) for c in node.children if isinstance(c, Token))
    lines = raw.split("\n")
    body = lines[1:-2] if len(lines) >= 3 else []
    if node.data == "heredoc_template_trim":
        indent = min((len(x) - len(x.lstrip()) for x in body if x.strip()), default=0)
        body = [x[indent:] for x in body]
    return "\n".join(body) + ("\n" if body else "")


def _cloud_config(text: str) -> str:
    """A cloud-config's ``runcmd`` as shell lines (other text unchanged)."""
    if not text.lstrip().startswith("#cloud-config"):
        return text
    try:  # the project's loader: aliases and sizes counted, duplicate keys refused
        data = parse_text(text, "cloud-config", _CLOUD_CONFIG_LIMITS).data
    except YamlProblem:
        return text
    if not isinstance(data, dict):
        return text
    lines: list[str] = []
    for key in ("bootcmd", "runcmd"):
        commands = data.get(key)
        for command in commands if isinstance(commands, list) else []:
            if isinstance(command, str):
                lines.append(command)
            elif isinstance(command, list):
                words = [str(w) for w in command]
                if (
                    len(words) >= 3
                    and words[0].rsplit("/", 1)[-1] in ("sh", "bash")
                    and words[1] == "-c"
                ):
                    lines.append(" ".join(words[2:]))
                else:
                    lines.append(shlex.join(words))
    files = data.get("write_files")
    for entry in files if isinstance(files, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("content"), str):
            lines.append(entry["content"])
    return "\n".join(lines) + "\n" if lines else text


class VmServers:
    """Reads the scripts of compute instances for model servers (one per root module)."""

    def __init__(self, catalogue: Catalogue, root: Path) -> None:
        self.catalogue = catalogue
        self.base = root.resolve() if root.is_dir() else root.resolve().parent
        self.notes: list[str] = []

    # --- scripts --------------------------------------------------------------------------------

    def scripts(self, view: HclResource, rule: ResourceRule) -> list[Script]:
        """The scripts the instance is given, in order: boot attributes, then provisioners."""
        found: list[Script] = []
        for path in rule.scripts:
            located = _locate(view, path)
            if located is None:
                continue
            attr, node = located
            found.extend(self._texts(view, attr, node, path))
        for block in view.block.body.blocks:
            if block.type != "provisioner" or not block.labels:
                continue
            kind = block.labels[0]
            attrs = block.body.attrs
            if kind == "remote-exec":
                if "inline" in attrs:
                    found.extend(self._inline(view, attrs["inline"]))
                for name in ("script", "scripts"):
                    if name in attrs:
                        found.extend(
                            self._paths(view, attrs[name], f'provisioner "remote-exec" {name}')
                        )
            elif kind == "file":
                if "source" in attrs:
                    found.extend(self._paths(view, attrs["source"], 'provisioner "file" source'))
                elif "content" in attrs:
                    found.extend(
                        self._texts(
                            view,
                            attrs["content"],
                            attrs["content"].expr,
                            'provisioner "file" content',
                        )
                    )
        return found

    def _evaluator(self, view: HclResource) -> Evaluator:
        module = view.module
        scope: Scope = BoundScope(module, view.bound) if view.bound else module
        return Evaluator(scope, module.depth, module.ws.budget)

    def _eval(self, view: HclResource, node: Node, span: SourceSpan) -> Val:
        return self._evaluator(view).eval(node, span)

    def _texts(self, view: HclResource, attr: Attr, node: Node, origin: str) -> list[Script]:
        """The text an expression gives, following encoders, file() and templatefile()."""
        first = step(How.ATTRIBUTE, attr.span, f"{view.address}: {origin} = {attr.text[:120]}")
        node = _lone_interpolation(node)
        rendered = self._data_source(view, node, origin)
        if rendered is not None:
            return rendered
        call = _call(node)
        if call is not None:
            name, args = call
            if name in _ENCODERS and args:
                return self._texts(view, attr, args[0], origin)
            if name in ("file", "templatefile") and args:
                path = self._eval(view, args[0], attr.span)
                if not (path.known and isinstance(path.value, str)):
                    self.notes.append(
                        f"{view.address} ({attr.span.path}:{attr.span.line}): {origin}: the file "
                        f"{name}() reads is not known from the code ({path.reason}); not read"
                    )
                    return []
                script = self._read(view, path.value, attr.span, f"{origin} ({name}())", (first,))
                if script is None:
                    return []
                if name == "templatefile":
                    values = self._eval(view, args[1], attr.span) if len(args) > 1 else Val({})
                    script = self._render(view, script, values, attr.span)
                return [script]
        text = _heredoc(node)
        if text is not None:
            span = SourceSpan(path=attr.span.path, line=attr.span.line, column=1)
            body, reason, used = self._interpolate(view, text, attr.span)
            return [Script(_cloud_config(body), span, origin, (first, *used), reason)]
        val = self._eval(view, node, attr.span)
        if val.known and isinstance(val.value, str):
            text = val.value
            if _is_base64(text):
                text = base64.b64decode(text).decode("utf-8", "replace")
            return [Script(_cloud_config(text), _above(attr.span), origin, (first, *val.steps))]
        if val.partial is not None:
            return [
                Script(
                    _cloud_config(val.partial),
                    _above(attr.span),
                    origin,
                    (first, *val.steps),
                    val.reason,
                )
            ]
        return []

    def _data_source(self, view: HclResource, node: Node, origin: str) -> list[Script] | None:
        """``data.template_file.x.rendered`` and ``data.cloudinit_config.x.rendered``: the
        template (with its ``vars``) or the parts' ``content``, read like the attribute."""
        path = traversal(node)
        if not path or len(path) != 4 or path[0] != "data" or path[3] != "rendered":
            return None
        dtype, name = str(path[1]), str(path[2])
        if dtype not in SCRIPT_DATA_SOURCES:
            return None
        block = view.module.files.resources.get(("data", dtype, name))
        if block is None:
            return []
        where = f"{origin} (data.{dtype}.{name})"
        if dtype == "template_file":
            template = block.body.attrs.get("template")
            if template is None:
                return []
            given = block.body.attrs.get("vars")
            values = self._eval(view, given.expr, given.span) if given is not None else Val({})
            return [
                self._render(view, script, values, template.span)
                for script in self._texts(view, template, template.expr, where)
            ]
        found: list[Script] = []
        for part in block.body.blocks:
            content = part.body.attrs.get("content") if part.type == "part" else None
            if content is not None:
                found.extend(self._texts(view, content, content.expr, where))
        return found

    def _render(self, view: HclResource, script: Script, values: Val, span: SourceSpan) -> Script:
        """A template's text with its variables put in (unknown ones become HOLE; the branches
        of a directive the code does not decide are all kept, as commands the script may run)."""
        scope: Scope = BoundScope(view.module, view.bound) if view.bound else view.module
        done = render(
            script.text,
            values,
            scope,
            view.module.ws.budget,
            span,
            depth=view.module.depth,
            keep_branches=True,
        )
        if done.known and isinstance(done.value, str):
            text = done.value
        elif done.partial is not None:
            text = done.partial
        else:
            text = HOLE
        reasons = [r for r in (script.reason, done.reason) if r]
        return Script(
            _cloud_config(text),
            script.span,
            script.origin,
            (*script.steps, *values.steps),
            "; ".join(dict.fromkeys(reasons)),
        )

    def _interpolate(
        self, view: HclResource, text: str, span: SourceSpan
    ) -> tuple[str, str, tuple[ResolutionStep, ...]]:
        """A heredoc rendered in the module's scope (unknown parts become HOLE; the branches of
        a directive the code does not decide are all kept)."""
        scope: Scope = BoundScope(view.module, view.bound) if view.bound else view.module
        done = render(
            text,
            Val({}),
            scope,
            view.module.ws.budget,
            span,
            depth=view.module.depth,
            keep_branches=True,
            scope=scope,
        )
        if done.known and isinstance(done.value, str):
            return done.value, "", done.steps
        if done.partial is not None:
            return done.partial, done.reason, done.steps
        return HOLE, done.reason, done.steps

    def _inline(self, view: HclResource, attr: Attr) -> list[Script]:
        """``remote-exec`` inline commands, one row each, evaluated (unknown parts HOLE)."""
        node = unwrap(attr.expr)
        items: list[Node] = (
            [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]
            if isinstance(node, Tree) and node.data == "tuple"
            else []
        )
        rows: list[str] = []
        reasons: list[str] = []
        steps: list[ResolutionStep] = []
        by_row: list[tuple[int, str]] = []
        for item in items:
            val = self._eval(view, item, attr.span)
            steps.extend(val.steps)
            if val.known and isinstance(val.value, str | int | float):
                rows.append(str(val.value))
                continue
            rows.append(val.partial if val.partial is not None else HOLE)
            reasons.append(val.reason or "a command is not known from the code")
            by_row.append((len(rows) - 1, reasons[-1]))
        if not rows:
            return []
        first = step(How.ATTRIBUTE, attr.span, f'{view.address}: provisioner "remote-exec" inline')
        return [
            Script(
                "\n".join(rows) + "\n",
                attr.span,
                'provisioner "remote-exec" inline',
                (first, *steps),
                "; ".join(dict.fromkeys(reasons)),
                tuple(by_row),
            )
        ]

    def _paths(self, view: HclResource, attr: Attr, origin: str) -> list[Script]:
        val = self._eval(view, attr.expr, attr.span)
        paths = val.value if isinstance(val.value, list) else [val.value]
        first = step(How.ATTRIBUTE, attr.span, f"{view.address}: {origin} = {attr.text[:120]}")
        found: list[Script] = []
        for path in paths:
            if not isinstance(path, str):
                continue
            script = self._read(view, path, attr.span, f"{origin} {path}", (first,))
            if script is not None:
                found.append(script)
        return found

    def _read(
        self,
        view: HclResource,
        written: str,
        span: SourceSpan,
        origin: str,
        steps: tuple[ResolutionStep, ...],
    ) -> Script | None:
        """A file a script attribute names, read only inside the scan root and under the cap."""
        where = f"{view.address} ({span.path}:{span.line})"
        candidate = Path(written)
        if not candidate.is_absolute():  # Terraform reads a relative path from the root module
            candidate = _root_module(view.module).files.directory / candidate
        try:
            resolved = candidate.resolve()
        except (OSError, RuntimeError):
            resolved = None
        if resolved is None or not resolved.is_relative_to(self.base):
            self.notes.append(
                f"{where}: {written} is outside the scanned folder; not read (copy the script "
                "into the folder to have it checked)"
            )
            return None
        if not resolved.is_file():
            self.notes.append(
                f"{where}: {written} is not a regular file in the scanned folder (a directory, a device or missing); not read"
            )
            return None
        size = resolved.stat().st_size
        if size > MAX_SCRIPT_BYTES:
            self.notes.append(
                f"{where}: {written} is {size:,} bytes, over the script limit of "
                f"{MAX_SCRIPT_BYTES:,}; not read"
            )
            return None
        try:
            with resolved.open("rb") as handle:  # capped again: the file may grow meanwhile
                text = handle.read(MAX_SCRIPT_BYTES).decode("utf-8", "replace")
        except OSError as exc:
            self.notes.append(
                f"{where}: {written} cannot be read ({exc.strerror or exc}); not read"
            )
            return None
        display = str(view.module.ws.display(resolved))
        read = step(
            How.ATTRIBUTE, SourceSpan(path=display, line=1, column=1), f"{origin}: file {display}"
        )
        return Script(
            _cloud_config(text), SourceSpan(path=display, line=0, column=1), origin, (*steps, read)
        )

    # --- model servers --------------------------------------------------------------------------

    def part(self, view: HclResource, rule: ResourceRule, placed: Placed) -> Part | None:
        """A model-server component when one of the instance's scripts starts one."""
        scripts = self.scripts(view, rule)
        if not scripts:
            return None
        env = _environment(view, scripts)
        for script in scripts:
            line = command_line(
                [("sh", script.span), ("-c", script.span), (script.text, script.span)], env
            )
            hit = self._server(line)
            if hit is None:
                continue
            server, words, how = hit
            model = self._model(view, server, words, line, script)
            vendor_of_model = self.catalogue.model_vendor(model.value) if model.value else None
            notes = [f"Recognised by the {how} in its {script.origin}."]
            if script.reason:
                notes.append(f"Parts of that script are not known from the code: {script.reason}.")
            if model.value and model.value.startswith("/"):
                notes.append(
                    f"The model is loaded from the local path {model.value}: the code does not "
                    "name its publisher."
                )
            deployment = None
            if server.deployment is not None:
                deployment = Decided(
                    server.deployment,
                    Val(
                        server.deployment,
                        (step(How.ATTRIBUTE, view.span, f"{how} ({server.server})"),),
                    ),
                )
            return Part(
                address=view.address,
                span=view.span,
                kind=server.kind,
                label=f"{server.server} model server on {rule.label}:",
                vendor=server.vendor,
                placed=placed,
                deployment=deployment,
                model=model,
                model_vendor=vendor_of_model,
                open_weights=True if vendor_of_model is not None else None,
                notes=notes,
            )
        return None

    def _server(self, line: CommandLine) -> tuple[ImageRule, list[Word], str] | None:
        """The catalogue rule the script matches: ``docker run IMAGE`` first, then commands."""
        rules = self.catalogue.kubernetes.images
        text = line.text
        if _DOCKER_RUN.search(text):
            for index, word in enumerate(line.words):
                for rule in rules:
                    if rule.pattern is not None and re.search(
                        rule.pattern, word.text, re.IGNORECASE
                    ):
                        return rule, line.words[index:], f"docker run of the image {word.text}"
        for rule in rules:
            for pattern in rule.commands:
                match = re.search(pattern, text)
                if match:
                    return rule, line.words, f"command {match.group(0).strip()!r}"
        for rule in rules:
            for pattern in rule.hook_models:
                match = re.search(pattern, text)
                if match and match.group("model"):
                    return rule, line.words, f"command {match.group(0).strip()!r}"
        return None

    def _model(
        self,
        view: HclResource,
        rule: ImageRule,
        words: list[Word],
        line: CommandLine,
        script: Script,
    ) -> Decided:
        image_run = bool(words) and words is not line.words
        args = CommandLine(words[1:] if image_run else words)
        hit = model_in_args(args, rule.model_args, rule.positional_after)
        if hit is None and image_run and rule.model_first_arg and len(words) > 1:
            first_word = words[1]
            if not first_word.text.startswith("-"):
                hit = first_word, f"first argument {first_word.text}"
        if hit is not None:
            word, shown = hit
            return _word_model(view.address, word, shown, script)
        for word in line.words:
            for name in rule.model_env:
                if word.text.startswith(f"{name}="):
                    value = word.text.split("=", 1)[1]
                    return _word_model(
                        view.address,
                        Word(value, word.span, word.used, word.unknown),
                        word.text,
                        script,
                    )
        text = line.text
        pulled = [
            (match.start("model"), match.group("model"), match.group(0).strip())
            for pattern in rule.hook_models
            for match in re.finditer(pattern, text)
            if match.group("model")
        ]
        if pulled:
            _start, value, shown = sorted(pulled)[0]
            span = next((w.span for w in line.words if w.text == value), script.span)
            decided = _word_model(view.address, Word(value, span), shown, script)
            others = sorted({v for _s, v, _t in pulled if v != value})
            if others and decided.value is not None:
                note = f"the {script.origin} also loads {', '.join(others)}"
                return Decided(decided.value, decided.val, note)
            return decided
        if image_run and rule.model_from_image:
            match = re.search(rule.model_from_image, words[0].text, re.IGNORECASE)
            if match and match.groupdict().get("model"):
                value = match.group("model")
                return _word_model(
                    view.address, Word(value, words[0].span), f"image {words[0].text}", script
                )
        reads = " or ".join(rule.model_args + rule.positional_after) or "no argument"
        return Decided(
            None,
            unknown(
                f"the model is not named in the {script.origin} ({rule.server} reads it from {reads})",
                (
                    step(
                        How.UNKNOWN,
                        script.span if script.span.line > 0 else view.span,
                        view.address,
                    ),
                ),
            ),
        )


def _is_base64(text: str) -> bool:
    """A user_data written already base64-encoded (``user_data_base64``): long, no blanks."""
    if len(text) < 16 or any(c.isspace() for c in text) or len(text) % 4:
        return False
    try:
        base64.b64decode(text, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return False
    return True


def _root_module(module: ModuleInstance) -> ModuleInstance:
    while module.parent is not None:
        module = module.parent
    return module


def _above(span: SourceSpan) -> SourceSpan:
    """A one-line attribute: row 0 of its text is the attribute's own line."""
    return SourceSpan(path=span.path, line=max(span.line - 1, 0), column=1)


def _locate(view: HclResource, path: str) -> tuple[Attr, Node] | None:
    from auditor.loader.iac.terraform import _find_node

    return _find_node(view.block, path.split("."))


def _environment(view: HclResource, scripts: list[Script]) -> dict[str, Var]:
    """Shell variables the scripts set (``export NAME=value``/``NAME=value``), first one kept."""
    env: dict[str, Var] = {}
    for script in scripts:
        for row, raw in enumerate(script.text.split("\n")):
            match = _ASSIGN.match(raw)
            if match is None or match.group(1) in env:
                continue
            name, value = match.group(1), match.group(2).strip().strip("'\"")
            span = SourceSpan(path=script.span.path, line=script.span.line + 1 + row, column=1)
            known = value and HOLE not in value and "$" not in value and "`" not in value
            origin = f"{view.address} {script.origin}: {raw.strip().replace(HOLE, '?')}"
            if not known and HOLE in value:
                why = dict(script.row_reasons).get(row) or script.reason
                origin += f" ({why or 'not known from the code'})"
            env[name] = Var(value if known else None, span, origin)
    return env


def _word_model(address: str, word: Word, shown: str, script: Script) -> Decided:
    """The model a script word names, through the shell variables it read."""
    first = step(
        How.ATTRIBUTE, word.span, f"{address}: {script.origin}: {shown.replace(HOLE, '?')}"
    )
    via = tuple(
        step(How.ATTRIBUTE, var.span, var.origin) for _name, var in word.used if var is not None
    )
    if word.unknown or HOLE in word.text:
        names = ", ".join(word.unknown)
        why = (
            f"{names} is not set to a known value in the scripts the code gives the instance"
            if names
            else f"part of it is not known from the code ({script.reason or 'unknown'})"
        )
        return Decided(
            None,
            unknown(
                f"the model is {shown.replace(HOLE, '?')}: {why}", (first, *via, *script.steps)
            ),
        )
    value = clean_model(word.text)
    return Decided(value, Val(value, (first, *via)))


__all__ = ["MAX_SCRIPT_BYTES", "Script", "VmServers"]
