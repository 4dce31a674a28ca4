"""python-hcl2's Lark parser, kept whole in the rules cache between runs (issue 19).

``hcl2`` builds its parser from Lark's own cache file, which holds the grammar's
tables in Lark's serialised form: every run turns them back into objects one by
one, about 50 ms of CPU, a tenth of a scan of a small tree. A pickle of the built
parser loads in under half that. It is stored with the validated rules
(:mod:`auditor.loader.cache`, only where the command line caches), keyed by the Lark
and python-hcl2 versions and the grammar and parser-options files, besides what
every cache file is keyed by (the auditor's source, the Python version).

Two things in a parser do not survive a plain pickle: Lark's ``Shift`` and ``Reduce``
parse actions are compared by identity (``action is Shift``), so a copy would turn
every shift into a reduce; and the lexer keeps the ``re`` module itself. Both are
pickled by name and restored to the objects of the running process.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import io
import pickle
import types
from pathlib import Path

import hcl2
import lark
from hcl2.version import version as hcl2_version
from lark import Lark
from lark.parsers.lalr_analysis import Reduce, Shift

from auditor.loader.cache import cached

_ACTIONS = {"Shift": Shift, "Reduce": Reduce}


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj: object) -> tuple[str, str] | None:
        if obj is Shift or obj is Reduce:
            return ("action", str(obj))
        if isinstance(obj, types.ModuleType):
            return ("module", obj.__name__)
        return None


class _Unpickler(pickle.Unpickler):
    def persistent_load(self, pid: object) -> object:
        match pid:
            case ("action", str(name)) if name in _ACTIONS:
                return _ACTIONS[name]
            case ("module", str(name)):
                return importlib.import_module(name)
        raise pickle.UnpicklingError(f"unknown reference {pid!r}")


def _restore(data: bytes) -> SavedParser:
    parser = _Unpickler(io.BytesIO(data)).load()
    if not isinstance(parser, Lark):
        raise pickle.UnpicklingError("not a Lark parser")
    return SavedParser(parser)


class SavedParser:
    """A built parser that pickles as described above (what the cache stores)."""

    def __init__(self, parser: Lark) -> None:
        self.parser = parser

    def __reduce__(self) -> tuple[object, tuple[bytes]]:
        out = io.BytesIO()
        _Pickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump(self.parser)
        return (_restore, (out.getvalue(),))


def _grammar_key() -> list[str]:
    """What the built parser depends on besides the auditor: versions, grammar, options."""
    package = Path(hcl2.__file__).resolve().parent
    parts = [f"lark {lark.__version__}", f"python-hcl2 {hcl2_version}"]
    for name in ("hcl2.lark", "parser.py", "postlexer.py"):
        parts.append(f"{name} {hashlib.sha256((package / name).read_bytes()).hexdigest()}")
    return parts


@functools.cache
def hcl_parser() -> Lark:
    """python-hcl2's parser: from the rules cache if there is one, else as hcl2 builds it."""
    try:
        context = _grammar_key()
    except OSError:  # a grammar file cannot be read: hcl2 reports it its own way
        return hcl2.parser.parser()
    saved = cached("hcl-parser", [], lambda: SavedParser(hcl2.parser.parser()), context=context)
    return saved.parser


def parses_to_tree(text: str) -> lark.Tree[lark.Token]:
    """Parse HCL text as ``hcl2.parses_to_tree`` does, with :func:`hcl_parser`."""
    # hcl2 appends the newline too: its grammar needs one at the end of the last line.
    tree = hcl_parser().parse(text + "\n")
    return tree
