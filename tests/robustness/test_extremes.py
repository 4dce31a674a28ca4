"""Extreme option values and hostile custom templates end in a clear error or a result,
never a traceback or a hang (issue 15).

- dates: ``kb check --max-age`` larger than the calendar, ``--today`` on the first
  or last representable day;
- ``--template-dir``: a macro that calls itself, huge format widths, huge
  repetitions and powers, ranges nested until they multiply, a string doubled in a
  namespace: each is a template error (exit 2) naming the template file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.robustness._support import audit_args, require_html, run_cli, time_limit

pytestmark = pytest.mark.usefixtures("cached_kb")

HOSPITAL = str(EXAMPLES / "hospital")


@pytest.mark.parametrize(
    "args",
    [
        ["--max-age", "99999999999999"],
        ["--max-age", str(10**30)],
        ["--today", "0001-01-01", "--max-age", "1"],
        ["--today", "0001-01-01"],
        ["--today", "9999-12-31", "--max-age", "3000000"],
    ],
    ids=["max-age-huge", "max-age-10e30", "today-first-day", "today-first-day-no-age", "last-day"],
)
def test_kb_check_takes_any_age_and_date(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(["kb", "check", *args], capsys)
    assert "Traceback" not in err
    assert code == 0, err
    if "--max-age" in args:
        assert "facts older than" in out and "(0):" in out  # nothing is that old


@pytest.mark.parametrize("today", ["0001-01-01", "9999-12-31"])
def test_audit_on_the_first_and_last_day_writes_every_report(
    today: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_html()
    outputs = ["--json", "--markdown", "--csv", "--html", "--sarif", "--junit"]
    extra = [x for flag in outputs for x in (flag, str(tmp_path / flag.strip("-")))]
    args = audit_args(HOSPITAL, extra=extra)
    args[args.index("--today") + 1] = today
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    assert (tmp_path / "html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


HOSTILE_TEMPLATES = {
    "recursive-macro": ("{% macro r(n) %}{{ r(n) }}{% endmacro %}{{ r(1) }}", "RecursionError"),
    "format-width": ("{{ '%999999999d'|format(1) }}", "over the limit of 1000"),
    "format-star-width": ("{{ '%*d'|format(999999999, 1) }}", "'*' width"),
    "percent-operator": ("{{ '%.999999999f' % 1.5 }}", "over the limit of 1000"),
    "str-format-width": ("{{ '{:999999999}'.format(1) }}", "over the limit of 1000"),
    "str-format-nested": ("{{ '{:{w}}'.format(1, w=999999999) }}", "nested '{}'"),
    "nested-range": (
        "{% for i in range(100000) %}{% for j in range(100000) %}"
        "{% for k in range(100000) %}{% endfor %}{% endfor %}{% endfor %}",
        "exceed 1,000,000 items",
    ),
    "repetition": ("{{ 'x' * 10000000000 }}", "repetition would make"),
    "list-repetition": ("{{ ([0] * 100000000)|length }}", "repetition would make"),
    "power": ("{{ 2 ** 100000000 }}", "too large to compute"),
    "center": ("{{ 'x'|center(10000000000) }}", "center would make"),
    "indent": ("{{ 'a\\nb'|indent(10000000000) }}", "indent would make"),
    "namespace-doubling": (
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
        "namespace value 's' would make",
    ),
    "lipsum": ("{{ lipsum(1000000000) }}", "'lipsum' is undefined"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TEMPLATES))
def test_a_hostile_template_is_a_template_error_naming_it(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_html()
    body, message = HOSTILE_TEMPLATES[name]
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.html.j2").write_text(body, encoding="utf-8")
    out = tmp_path / "report.html"
    args = audit_args(
        HOSPITAL, extra=["--quiet", "--html", str(out), "--template-dir", str(templates)]
    )
    with time_limit(60):
        code, _, err = run_cli(args, capsys)
    assert "Traceback" not in err
    assert code == 2, err
    assert err.startswith("error: report template error"), err
    assert message in err, err
    assert f"{templates / 'report.html.j2'}:1:" in err, err
    assert not out.exists()


def test_ordinary_formats_ranges_and_repetition_still_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_html()
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "report.html.j2").write_text(
        "{{ '%5.2f'|format(3.14159) }}|{{ '%03d' % 7 }}|{{ '{:>4}'.format('ok') }}|"
        "{{ 'ab' * 3 }}|{{ 2 ** 10 }}|{{ 'x'|center(5) }}|"
        "{% for i in range(3) %}{% for j in range(2) %}{{ i }}{{ j }}{% endfor %}{% endfor %}|"
        "{% set ns = namespace(n=0) %}{% for i in range(4) %}{% set ns.n = ns.n + i %}{% endfor %}"
        "{{ ns.n }}",
        encoding="utf-8",
    )
    out = tmp_path / "report.html"
    args = audit_args(
        HOSPITAL, extra=["--quiet", "--html", str(out), "--template-dir", str(templates)]
    )
    code, _, err = run_cli(args, capsys)
    assert code == 0, err
    assert out.read_text(encoding="utf-8") == " 3.14|007|  ok|ababab|1024|  x  |000110112021|6"
