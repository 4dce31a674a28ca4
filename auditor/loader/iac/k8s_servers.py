"""Model servers in workload containers: which server a container runs, and which model.

Mixed into :class:`~auditor.loader.iac.kubernetes.KubernetesScanner`. A container is
a model server when its image, else its command line (after ``$(VAR)`` expansion),
matches a catalogue rule; the model is read only where that server reads it: its
arguments, the environment variables its own source names, its image name (NIM),
or the commands of its postStart hook (``ollama pull MODEL``).
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING, Any

from auditor.loader.iac.catalogue import ImageRule, KubernetesCatalogue
from auditor.loader.iac.detect import Decided, Part, Placed
from auditor.loader.iac.hcl import Val, step, unknown
from auditor.loader.iac.result import How
from auditor.loader.iac.serving import (
    CommandLine,
    Word,
    clean_model,
    command_line,
    model_in_args,
)
from auditor.loader.yamlsrc import DataPath
from auditor.model.common import SourceSpan

if TYPE_CHECKING:
    from auditor.loader.iac.catalogue import Catalogue
    from auditor.loader.iac.kubernetes import Workload


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class ServerReader:
    """Reads model servers out of containers (the catalogue's ``images`` rules)."""

    catalogue: Catalogue
    k8s: KubernetesCatalogue

    # --- model servers --------------------------------------------------------------------------

    def server_of(
        self, workload: Workload, path: DataPath, container: dict[str, Any]
    ) -> tuple[ImageRule, CommandLine, str] | None:
        """The catalogue rule a container matches: by image first, then by its command line."""
        image = str(container.get("image") or "")
        line = self._command(workload, path, container)
        for rule in self.k8s.images:
            if rule.pattern is not None and re.search(rule.pattern, image, re.IGNORECASE):
                return rule, line, f"image {image}"
        for rule in self.k8s.images:
            for pattern in rule.commands:
                match = re.search(pattern, line.text)
                if match:
                    return rule, line, f"command line {match.group(0).strip()!r}"
        return None

    def _command(
        self, workload: Workload, path: DataPath, container: dict[str, Any]
    ) -> CommandLine:
        manifest = workload.manifest
        parts: list[tuple[str, SourceSpan]] = []
        for key in ("command", "args"):
            for index, arg in enumerate(_items(container.get(key))):
                if isinstance(arg, str | int | float):
                    parts.append((str(arg), manifest.span(*path, key, index)))
        return command_line(parts, workload.env.get(path, {}))

    def server_part(
        self,
        workload: Workload,
        path: DataPath,
        container: dict[str, Any],
        rule: ImageRule,
        how: str,
        model: Decided,
        place: Placed,
        ident: str,
        server: str | None = None,
    ) -> Part:
        """A model-server component for a container the catalogue recognised."""
        manifest = workload.manifest
        image = str(container.get("image") or "")
        vendor_of_model = self.catalogue.model_vendor(model.value) if model.value else None
        deployment = None
        if rule.deployment is not None:
            span = manifest.span(*path, "image")
            deployment = Decided(
                rule.deployment,
                Val(rule.deployment, (step(How.MANIFEST, span, f"{how} ({rule.server})"),)),
            )
        notes = [f"Recognised by its {how}."]
        if image and not how.startswith("image"):
            notes.append(f"Image {image}.")
        if model.value and model.value.startswith("/"):
            notes.append(
                f"The model is loaded from the local path {model.value}: the manifests do not "
                "name its publisher."
            )
        return Part(
            address=manifest.address,
            span=manifest.span(),
            kind=rule.kind,
            label=f"{server or rule.server} model server ({manifest.kind}):",
            vendor=rule.vendor,
            placed=place,
            deployment=deployment,
            model=model,
            model_vendor=vendor_of_model,
            open_weights=True if vendor_of_model is not None else None,
            notes=notes + ([rule.note] if rule.note else []),
            ident=ident,
        )

    def model_of(
        self,
        workload: Workload,
        path: DataPath,
        container: dict[str, Any],
        rule: ImageRule,
        line: CommandLine,
    ) -> Decided:
        manifest = workload.manifest
        hit = model_in_args(line, rule.model_args, rule.positional_after)
        if hit is not None:
            word, shown = hit
            return self.word_model(manifest.address, word, shown)
        if rule.model_first_arg and container.get("command") is None and line.words:
            # The image's own entrypoint runs (vllm/vllm-openai: 'vllm serve'): its first
            # argument is the model.
            first_word = line.words[0]
            if not first_word.text.startswith("-"):
                return self.word_model(
                    manifest.address, first_word, f"first argument {first_word.text}"
                )
        env = workload.env.get(path, {})
        for name in rule.model_env:
            var = env.get(name)
            if var is None:
                continue
            first = step(How.MANIFEST, var.span, f"{var.origin} ({rule.server} reads {name})")
            if var.value:
                return Decided(clean_model(var.value), Val(clean_model(var.value), (first,)))
            return Decided(
                None,
                unknown(f"{name} comes from a Secret or a ConfigMap outside the scan", (first,)),
            )
        hooked = self._hook_models(workload, path, container, rule)
        if hooked is not None:
            return hooked
        image = str(container.get("image") or "")
        if rule.model_from_image:
            match = re.search(rule.model_from_image, image, re.IGNORECASE)
            if match and match.groupdict().get("model"):
                value = match.group("model")
                span = manifest.span(*path, "image")
                return Decided(value, Val(value, (step(How.MANIFEST, span, f"image {image}"),)))
        reads = (
            f"{rule.server} reads it from "
            + (" or ".join(rule.model_args + rule.positional_after) or "no argument")
            + (f" or the variable {', '.join(rule.model_env)}" if rule.model_env else "")
        )
        return Decided(
            None,
            unknown(
                f"the model is not named in the manifest ({reads})",
                (step(How.UNKNOWN, manifest.span(*path), image or manifest.address),),
            ),
        )

    def _hook_models(
        self, workload: Workload, path: DataPath, container: dict[str, Any], rule: ImageRule
    ) -> Decided | None:
        """The first model the postStart hook loads (ollama-helm pulls its models there)."""
        if not rule.hook_models:
            return None
        manifest = workload.manifest
        hook: DataPath = ("lifecycle", "postStart", "exec", "command")
        current: Any = container
        for key in hook:
            current = current.get(key) if isinstance(current, dict) else None
        parts = [
            (str(arg), manifest.span(*path, *hook, index))
            for index, arg in enumerate(_items(current))
            if isinstance(arg, str | int | float)
        ]
        if not parts:
            return None
        line = command_line(parts, workload.env.get(path, {}))
        starts: list[int] = []  # where each word begins in the joined text
        offset = 0
        for word in line.words:
            starts.append(offset)
            offset += len(word.text) + 1
        text = " ".join(w.text for w in line.words)
        hits: list[tuple[int, str, Word]] = []
        for pattern in rule.hook_models:
            for match in re.finditer(pattern, text):
                if match.group("model"):
                    index = bisect.bisect_right(starts, match.start("model")) - 1
                    hits.append((match.start("model"), match.group("model"), line.words[index]))
        found = [(value, word) for _start, value, word in sorted(hits, key=lambda h: h[0])]
        if not found:
            return None
        value, word = found[0]
        others = sorted({v for v, _w in found[1:] if v != value})
        span = word.span
        raw = next((text for text, where in parts if where == span), "")
        if "\n" in raw:  # a block script: point at its line, not at the block's start
            row = next((i for i, text in enumerate(raw.splitlines()) if value in text), 0)
            span = SourceSpan(path=span.path, line=span.line + 1 + row, column=1)
        first = step(How.MANIFEST, span, f"{manifest.address}: postStart hook loads {value}")
        note = f"the postStart hook also loads {', '.join(others)}" if others else None
        return Decided(clean_model(value), Val(clean_model(value), (first,)), note)

    @staticmethod
    def word_model(address: str, word: Word, shown: str) -> Decided:
        """The model a command-line word names, through the variables it was expanded from."""
        first = step(How.MANIFEST, word.span, f"{address}: {shown}")
        via = tuple(
            step(How.MANIFEST, var.span, f"{var.origin} = {var.value}")
            for _name, var in word.used
            if var.value is not None
        )
        if word.unknown:
            names = ", ".join(word.unknown)
            return Decided(
                None,
                unknown(
                    f"the model is {shown}: {names} is set in a Secret, a ConfigMap outside the "
                    "scan, the image or a Terraform value the code does not fix, so the files do "
                    "not say which model it is",
                    (first, *via),
                ),
            )
        value = clean_model(word.text)
        return Decided(value, Val(value, (first, *via)))
