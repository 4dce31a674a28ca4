"""Which documents of the tree's YAML files a Terraform resource applies (issue 19).

A Kubernetes object that Terraform applies from a file of the scanned tree
(``kubernetes_manifest`` with ``yamldecode(file(...))`` or ``templatefile(...)``,
``kubectl_manifest`` fed by ``file()``, ``templatefile()`` or the kubectl document data
sources) is one object, created once: the Terraform reading reports it (it knows the
cluster and the rendered values), and the plain scan of the same file must not report
it a second time as if ``kubectl apply`` ran the file.

The evaluator records every text ``file()`` or ``templatefile()`` produced from a file
(:meth:`TextOrigins.record_file`), and the kubectl data sources record the documents
they split such a text into (:meth:`TextOrigins.record_documents`). The Kubernetes
reader of Terraform then asks where the exact text it decodes came from
(:meth:`TextOrigins.of`): a file and the lines of one document. A text Terraform reads
for another purpose (a release's values, a config map's data) is recorded too, but
nothing asks for it, so it suppresses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

_SEPARATOR: Final = "\n---"  # gavinbunney/terraform-provider-kubectl yaml/splitter.go


@dataclass(frozen=True, order=True)
class Origin:
    """One document of a file of the tree: the file (resolved), as shown, and its lines."""

    path: Path
    display: str
    first: int  # 1-based, inclusive
    last: int

    def holds(self, path: Path, line: int) -> bool:
        """The object whose first value stands at ``line`` of ``path`` is this document."""
        return path == self.path and self.first <= line <= self.last


@dataclass(frozen=True, order=True)
class Applied:
    """A document of the tree that a Terraform resource instance applies."""

    origin: Origin
    address: str  # the Terraform address, e.g. kubernetes_manifest.vllm["small"]
    # Why Terraform creates no instance of the resource with these variables ("count = 0"),
    # or empty: it would apply the document, so the file scan must not report it either.
    absent: str = ""
    # The resource's count/for_each is unknown, so each.value is too: Terraform's side cannot
    # read the document, which the file scan reports once, naming the resource.
    maybe: bool = False


# How a document is applied: by an instance Terraform creates, only by a resource with no
# instance with these variables, or by one whose count/for_each is unknown.
Applies = Literal["created", "absent", "maybe"]


def split_documents_at(text: str) -> list[tuple[int, int, str]]:
    """The YAML documents of a text as the kubectl provider splits them (``SplitMultiDocumentYAML``:
    a document ends at a line starting ``---``, the rest of that line is skipped; documents are
    trimmed and empty ones left out), each with its first and last line in ``text``."""
    out: list[tuple[int, int, str]] = []
    rest: str | None = text
    line = 1  # the line ``rest`` starts on
    while rest is not None:
        cut = rest.find(_SEPARATOR)
        if cut < 0:
            chunk, after_rest = rest, None
        else:
            chunk, after = rest[:cut], rest[cut + len(_SEPARATOR) :]
            newline = after.find("\n")
            after_rest = after[newline + 1 :] if newline >= 0 else None
        document = chunk.strip()
        if any(_content(row) for row in document.splitlines()):
            lead = len(chunk) - len(chunk.lstrip())
            first = line + chunk[:lead].count("\n")
            out.append((first, first + document.count("\n"), document))
        line += chunk.count("\n") + 2  # the separator's line break and its own line
        rest = after_rest
    return out


def _content(line: str) -> bool:
    """A line that is more than a blank, a comment or a document marker."""
    bare = line.strip()
    return bool(bare) and not bare.startswith("#") and bare not in ("---", "...")


class TextOrigins:
    """Texts Terraform code produced from files of the tree, and the file each came from."""

    def __init__(self) -> None:
        # text made (read, or rendered as a template) -> (file, as shown, its raw text)
        self._files: dict[str, set[tuple[Path, str, str]]] = {}
        self._documents: dict[str, set[Origin]] = {}

    def record_file(self, path: Path, display: str, raw: str, made: str) -> None:
        """``made`` is the text of the file ``path`` (``raw``), read or rendered."""
        self._files.setdefault(made, set()).add((path, display, raw))

    def record_documents(self, made: str, documents: list[str]) -> None:
        """The kubectl provider split ``made`` into ``documents``: each comes from the document of
        its file at the same place. A template whose rendering adds or removes documents leaves
        the correspondence unknown, so each then comes from the whole file."""
        for path, display, raw in self._files.get(made, set()):
            spans = split_documents_at(raw)
            whole = Origin(path, display, 1, raw.count("\n") + 1)
            for index, document in enumerate(documents):
                origin = (
                    Origin(path, display, spans[index][0], spans[index][1])
                    if len(spans) == len(documents)
                    else whole
                )
                self._documents.setdefault(document, set()).add(origin)

    def of(self, text: str) -> list[Origin]:
        """Where a text that becomes one applied object came from (sorted; none when it was not
        read from a file of the tree). A whole file holds one object when Terraform decodes it
        (``yamldecode`` and ``yaml_body`` read one document): that document's lines, or the whole
        file when the split does not find exactly one."""
        found = set(self._documents.get(text, set()))
        for path, display, raw in self._files.get(text, set()):
            spans = split_documents_at(raw)
            if len(spans) == 1:
                found.add(Origin(path, display, spans[0][0], spans[0][1]))
            else:
                found.add(Origin(path, display, 1, raw.count("\n") + 1))
        return sorted(found)


__all__ = ["Applied", "Origin", "TextOrigins", "split_documents_at"]
