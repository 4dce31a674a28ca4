"""Names from the input reach the terminal, a pull-request comment and a DOT file inert (issue 15).

- terminal: no control character and no bidi override or isolate (U+202E, U+2066,
  ...: the "Trojan Source" reordering) in anything a command prints, including
  the file names ``scan --explain-resolution`` lists;
- Markdown: GitHub neither autolinks a URL or e-mail address (the GFM spec's
  "Autolinks (extension)": www., http://, https://, local@domain, mailto:, xmpp:)
  nor notifies an @mention, while the text still reads the same;
- DOT: every string is quoted per the DOT language, so a backslash, a quote or a
  newline in a name can neither end the string early nor break the file.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from auditor.graph.build import dot_string
from tests.robustness._support import audit_args, dump, run_cli
from tests.robustness.test_injection import hostile_inventory, outputs

pytestmark = pytest.mark.usefixtures("cached_kb")

BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ANSI = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TROJAN = ("\u202eevil\u202c RTL override", "\u2066isolate\u2069 \u200fmark", "a\u2067b\u2068c")


@pytest.mark.parametrize("text", TROJAN)
def test_bidi_controls_never_reach_the_terminal(
    text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "inventory.yaml"
    path.write_text(dump(hostile_inventory(text)), encoding="utf-8")
    code, out, err = run_cli(audit_args(str(path), extra=["--show-waived"]), capsys)
    assert code == 0, err
    assert not BIDI.search(out + err), sorted(set(BIDI.findall(out + err)))
    assert "\\u202e" in out or "\\u2066" in out or "\\u2067" in out  # shown, not hidden


def test_explain_resolution_file_names_are_printed_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = "ev\x1b[31mil\x1b]0;owned\x07\u202egpj.tf"
    (tmp_path / name).write_text(
        'provider "aws" {\n  region = "eu-west-1"\n}\n'
        'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n',
        encoding="utf-8",
    )
    code, out, err = run_cli(["scan", str(tmp_path), "--explain-resolution"], capsys)
    assert code == 0, err
    assert "aws_s3_bucket.b" in out
    assert not ANSI.search(out + err.replace("\n", "")), repr(out + err)
    assert not BIDI.search(out + err), repr(out + err)
    assert "ev\\x1b[31mil\\x1b]0;owned\\x07\\u202egpj.tf" in out


# The GFM autolink patterns (https://github.github.com/gfm/#autolinks-extension-), matched
# anywhere rather than only after whitespace, and github.com's @mentions.
AUTOLINKS = {
    "www": re.compile(r"(?i)www\.[A-Za-z0-9_-]"),
    "url": re.compile(r"(?i)https?://"),
    "email": re.compile(r"[A-Za-z0-9._+-]@[A-Za-z0-9_-]+\."),
    "protocol": re.compile(r"(?i)(?:mailto|xmpp):[A-Za-z0-9._+-]+@[A-Za-z0-9]"),
    "mention": re.compile(r"@[A-Za-z0-9]"),
}
LINKY = (
    "ping @octocat and @acme/legal",
    "see https://evil.example/x and HTTP://EVIL.EXAMPLE",
    "visit www.evil.example or WWW.Evil.example/path",
    "write to boss@evil.example",
    "mailto:boss@evil.example xmpp:chat@evil.example",
)


@pytest.mark.parametrize("text", LINKY)
def test_markdown_has_no_autolink_or_mention_from_the_input(text: str) -> None:
    markdown = outputs(text)["markdown"]
    for kind, pattern in AUTOLINKS.items():
        assert not pattern.search(markdown), (kind, pattern.search(markdown))
    # The words are all there once the zero-width spaces are taken out.
    assert md_plain(text) in markdown.replace("\u200b", "")


def md_plain(text: str) -> str:
    return text.replace("_", "\\_").replace("(", "\\(").replace(")", "\\)")


HOSTILE_NAMES = ("C:\\ops\\", 'say "hi"', "two\nlines", "back\\N\\G", "\\", '\\"', "esc\x1bape")
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _esc_string(quoted: str) -> str:
    """The text Graphviz shows for a quoted label: ``\\"`` is a quote (DOT), then the
    escString sequences ``\\\\`` and ``\\n``."""
    return re.sub(r"\\(.)", lambda m: {"n": "\n", '"': '"', "\\": "\\"}[m.group(1)], quoted)


def test_dot_string_round_trips_hostile_text() -> None:
    for name in HOSTILE_NAMES:
        quoted = dot_string(name)
        assert QUOTED.fullmatch(quoted), quoted
        assert _esc_string(quoted[1:-1]) == name.replace("\x1b", " ")
    assert dot_string("C:\\ops\\") == '"C:\\\\ops\\\\"'


def _hostile_graph(tmp_path: Path) -> Path:
    path = tmp_path / "inventory.yaml"
    entities = [{"id": "org", "name": "Org", "country": "DE", "parents": []}]
    entities += [
        {"id": f"e{i}", "name": name, "country": "US", "parents": []}
        for i, name in enumerate(HOSTILE_NAMES)
    ]
    components = [
        {"id": f"c{i}", "kind": "database", "operator": f"e{i}", "on_prem": {"country": "DE"}}
        for i in range(len(HOSTILE_NAMES))
    ]
    doc = {
        "organisation": {"name": "Org", "country": "DE", "entity": "org"},
        "entities": entities,
        "data": [{"id": "d", "categories": ["user.name"]}],
        "systems": [{"id": "s", "purpose": "p", "components": components}],
    }
    path.write_text(dump(doc), encoding="utf-8")
    return path


def test_graph_dot_quotes_backslashes_quotes_and_newlines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["graph", str(_hostile_graph(tmp_path)), "--format", "dot"], capsys)
    assert code == 0, err
    statement = re.compile(
        rf"  {QUOTED.pattern} \[label={QUOTED.pattern}, group={QUOTED.pattern}\];"
        rf"|  {QUOTED.pattern} -> {QUOTED.pattern} \[label={QUOTED.pattern}\];"
    )
    lines = out.splitlines()
    assert lines[0] == "digraph residency {" and lines[-1] == "}"
    labels = []
    for line in lines[3:-1]:
        found = statement.fullmatch(line)
        assert found, line  # one statement per line: no string ended early or ran on
        if found.group(2) is not None:
            labels.append(_esc_string(found.group(2)))
    for name in HOSTILE_NAMES:
        assert name.replace("\x1b", " ") in labels, name


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graphviz_reads_the_dot_file_and_shows_the_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(["graph", str(_hostile_graph(tmp_path)), "--format", "dot"], capsys)
    assert code == 0
    svg = subprocess.run(
        ["dot", "-Tsvg"], input=out, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    texts = {t.replace("&quot;", '"') for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)}
    assert {"C:\\ops\\", 'say "hi"', "two", "lines", "back\\N\\G", "\\", '\\"'} <= texts
