"""Strip markers of ``${~ x ~}`` in quoted strings, which python-hcl2's grammar refuses.

Terraform accepts ``"a ${~ x ~} b"``: the ``~`` trims the blanks of the literal on that side
(hashicorp/hcl@2efc266 ``hclsyntax/parser_template.go``). python-hcl2's grammar knows the
marker only in ``%{ }`` directives, so such a file is a parse error and the whole file is
lost (issue 19). :func:`unmark` finds the interpolations of quoted strings that carry a
marker and blanks the ``~`` out (one space for one character, so every line and column of
the file stays where it was); :func:`restore` puts the markers back into the parsed tree as
the ``STRIP_MARKER`` tokens the grammar gives a directive, so the evaluator reads both alike.

Heredocs and comments are left alone: a heredoc is one token the template renderer reads
with its own strip rules. The scanner runs only on a file the grammar refused, so a file
without markers costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lark import Token, Tree

# Offsets of "${" and of "}" whose adjacent "~" was blanked out.
_MARK = "~"


@dataclass
class Unmarked:
    """The text the grammar can parse, and where the markers were."""

    text: str
    left: set[int] = field(default_factory=set)  # offset of "${" in "${~"
    right: set[int] = field(default_factory=set)  # offset of "}" in "~}"

    @property
    def changed(self) -> bool:
        return bool(self.left or self.right)


def _skip_comment(text: str, i: int) -> int:
    """Offset after a comment starting at ``i`` (``#``, ``//`` or ``/* */``)."""
    if text.startswith("/*", i):
        end = text.find("*/", i + 2)
        return len(text) if end < 0 else end + 2
    end = text.find("\n", i)
    return len(text) if end < 0 else end


def _skip_heredoc(text: str, i: int) -> int | None:
    """Offset after a heredoc whose ``<<`` is at ``i``, or None if ``<<`` opens none."""
    j = i + 2
    if j < len(text) and text[j] == "-":
        j += 1
    start = j
    while j < len(text) and (text[j].isalnum() or text[j] in "_-"):
        j += 1
    marker = text[start:j]
    if not marker or (not text.startswith("\n", j) and not text.startswith("\r\n", j)):
        return None
    pos = text.find("\n", j) + 1
    while pos < len(text):
        end = text.find("\n", pos)
        line_end = len(text) if end < 0 else end
        if text[pos:line_end].strip() == marker:
            return line_end
        pos = line_end + 1
    return len(text)


def unmark(text: str) -> Unmarked:
    """Blank out the strip markers of interpolations in quoted strings (see module doc)."""
    chars = list(text)
    found = Unmarked(text)
    # A stack of frames: ("code", depth, start of "${" or -1) or ("string", 0, -1).
    stack: list[tuple[str, int, int]] = [("code", 0, -1)]
    i = 0
    n = len(text)
    while i < n:
        kind, depth, opened = stack[-1]
        c = text[i]
        if kind == "string":
            if c == "\\":
                i += 2
                continue
            if c == '"':
                stack.pop()
            elif text.startswith("$${", i) or text.startswith("%%{", i):
                i += 3
                continue
            elif text.startswith("${", i) or text.startswith("%{", i):
                start = i if c == "$" else -1
                if start >= 0 and text.startswith(_MARK, i + 2):
                    chars[i + 2] = " "
                    found.left.add(i)
                stack.append(("code", 1, start))
                i += 2
                continue
            elif c == "\n":
                stack.pop()  # an unclosed string: the grammar reports it, stop looking here
            i += 1
            continue
        if c == "#" or text.startswith("//", i) or text.startswith("/*", i):
            i = _skip_comment(text, i)
            continue
        if text.startswith("<<", i):
            after = _skip_heredoc(text, i)
            if after is not None:
                i = after
                continue
        if c == '"':
            stack.append(("string", 0, -1))
        elif c == "{":
            stack[-1] = (kind, depth + 1, opened)
        elif c == "}" and len(stack) > 1:
            if depth == 1:
                if opened >= 0 and i > 0 and text[i - 1] == _MARK and i - 1 > opened + 2:
                    chars[i - 1] = " "
                    found.right.add(i)
                stack.pop()
            else:
                stack[-1] = (kind, depth - 1, opened)
        i += 1
    if found.changed:
        found.text = "".join(chars)
    return found


def restore(tree: Tree[Token], marks: Unmarked) -> None:
    """Give each interpolation whose marker :func:`unmark` blanked its ``STRIP_MARKER``
    tokens back, where the grammar puts them in a directive (second and last but one)."""
    for node in tree.iter_subtrees():
        if node.data != "interpolation" or len(node.children) < 3:
            continue
        first, last = node.children[0], node.children[-1]
        if not isinstance(first, Token) or not isinstance(last, Token):
            continue
        if last.start_pos in marks.right:
            node.children.insert(len(node.children) - 1, Token("STRIP_MARKER", _MARK))
        if first.start_pos in marks.left:
            node.children.insert(1, Token("STRIP_MARKER", _MARK))
