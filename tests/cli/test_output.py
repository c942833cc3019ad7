"""Tables as kubectl prints them (names whole; free text cut only to fit a terminal), names,
JSON and YAML."""

from __future__ import annotations

import io
import json

import pytest
import yaml

from lscsde_sdk.cli.output import (
    Column,
    Printer,
    TableLayout,
    fit_widths,
    render_table,
    resource_name,
    truncate,
)
from lscsde_sdk.cli.terminal import terminal_width
from lscsde_sdk.models import AnalyticsCrate, AnalyticsWorkspaceBinding

NAME = Column("NAME")
DESCRIPTION = Column("DESCRIPTION", shrink=True)
EXPIRES = Column("EXPIRES")


def test_a_table_is_printed_whole_and_aligned() -> None:
    table = render_table([NAME, EXPIRES], [["alpha", "2027-01-01"], ["b", "2027-02-01"]])

    assert table == "NAME   EXPIRES\nalpha  2027-01-01\nb      2027-02-01\n"


def test_without_a_terminal_width_nothing_is_cut_however_long() -> None:
    name, words = "a-rather-long-workspace-name-" * 4, "words " * 40
    lines = render_table([NAME, DESCRIPTION, EXPIRES], [[name, words, "2027-01-01"]]).splitlines()

    assert lines[1].split("  ")[0] == name
    assert words.strip() in lines[1]
    assert "…" not in lines[1]


def test_a_terminal_narrower_than_the_table_cuts_only_free_text() -> None:
    name = "a-rather-long-workspace-name-for-a-study"
    rows = [[name, "words " * 30, "2027-01-01"]]

    lines = render_table([NAME, DESCRIPTION, EXPIRES], rows, width=80).splitlines()

    assert all(len(line) <= 80 for line in lines)
    assert lines[1].startswith(name + "  ")  # the name is whole
    assert lines[1].endswith("2027-01-01")
    assert lines[1].count("…") == 1


def test_a_name_wider_than_the_terminal_is_still_whole() -> None:
    name = "n" * 100

    line = render_table([NAME, DESCRIPTION], [[name, "text"]], width=40).splitlines()[1]

    assert line.startswith(name)


def test_the_widest_free_text_gives_way_first_and_not_below_its_minimum() -> None:
    columns = [
        Column("A", shrink=True, min_width=5),
        Column("B", shrink=True, min_width=5),
        Column("C", shrink=True, min_width=30),
    ]
    rows = [["x" * 10, "y" * 60, "z" * 30]]

    widths = fit_widths(columns, rows, 80)

    assert widths == [10, 36, 30]
    assert sum(widths) + 2 * 2 == 80


def test_line_breaks_in_cells_do_not_break_the_layout() -> None:
    table = render_table([DESCRIPTION, Column("X")], [["two\nlines\tand a tab", "1"]])

    assert table.splitlines()[1] == "two lines and a tab  1"


def test_truncate_marks_what_it_cut() -> None:
    assert truncate("abcdef", 6) == "abcdef"
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abcdef", 1) == "…"


def test_a_layout_prints_later_rows_in_the_first_rows_columns() -> None:
    layout = TableLayout([NAME, EXPIRES], [["alpha", "2027-01-01"]])

    assert layout.header() == "NAME   EXPIRES"
    assert layout.line(["b", "2027-02-01"]) == "b      2027-02-01"
    assert layout.line(["much-longer", "2027-03-01"]) == "much-longer  2027-03-01"


def test_wide_columns_only_with_o_wide_and_no_headers_drops_the_header() -> None:
    columns = [NAME, Column("IMAGE", wide=True)]
    rows = [["ws", "image:1"]]
    shown = {}
    for output, headers in (("table", True), ("wide", True), ("wide", False)):
        out = io.StringIO()
        Printer(out, io.StringIO(), output, headers=headers).show({}, columns, rows)  # type: ignore[arg-type]
        shown[(output, headers)] = out.getvalue()

    assert shown[("table", True)] == "NAME\nws\n"
    assert shown[("wide", True)] == "NAME  IMAGE\nws    image:1\n"
    assert shown[("wide", False)] == "ws  image:1\n"


def test_names_are_kind_dot_group_slash_name_as_kubectl_prints_custom_resources() -> None:
    binding = AnalyticsWorkspaceBinding.model_validate(
        {
            "metadata": {"name": "b"},
            "spec": {"workspace": "w", "username": "u", "expires": "2030-01-01"},
        }
    )
    out = io.StringIO()

    Printer(out, io.StringIO(), "name").show({}, [NAME], [["b"]], [resource_name(binding)])

    assert out.getvalue() == "analyticsworkspacebinding.xlscsde.nhs.uk/b\n"


@pytest.mark.parametrize("output", ["json", "yaml"])
def test_json_and_yaml_show_several_objects_as_a_list_of_their_api_form(output: str) -> None:
    crate = AnalyticsCrate.model_validate(
        {"metadata": {"name": "c", "namespace": "ns"}, "spec": {"displayName": "Crate"}}
    )
    out = io.StringIO()
    printer = Printer(out, io.StringIO(), output)  # type: ignore[arg-type]
    printer.show(printer.resources([crate]), [NAME], [["c"]])

    shown = json.loads(out.getvalue()) if output == "json" else yaml.safe_load(out.getvalue())
    assert shown["kind"] == "List"
    assert shown["items"] == [crate.to_api()]
    assert shown["items"][0]["apiVersion"] == "xlscsde.nhs.uk/v1"


def test_a_stream_that_is_not_a_terminal_has_no_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "50")

    assert terminal_width(io.StringIO()) is None


_MANAGED = [
    {
        "manager": "kubectl-client-side-apply",
        "operation": "Update",
        "apiVersion": "xlscsde.nhs.uk/v1",
        "time": "2026-01-02T03:04:05Z",
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:spec": {"f:displayName": {}}},
    }
]


def _crate_with_managed_fields() -> AnalyticsCrate:
    return AnalyticsCrate.model_validate(
        {
            "metadata": {"name": "c", "namespace": "ns", "managedFields": _MANAGED},
            "spec": {"displayName": "Crate"},
        }
    )


def test_objects_are_shown_without_managed_fields_as_kubectl_shows_them() -> None:
    crate = _crate_with_managed_fields()
    printer = Printer(io.StringIO(), io.StringIO(), "json")

    shown = printer.resource(crate)

    assert "managedFields" not in shown["metadata"]
    assert shown["metadata"]["name"] == "c" and shown["spec"] == {"displayName": "Crate"}
    assert printer.resources([crate])["items"] == [shown]
    assert crate.metadata.managed_fields is not None  # the object itself keeps them


def test_show_managed_fields_keeps_them() -> None:
    crate = _crate_with_managed_fields()
    printer = Printer(io.StringIO(), io.StringIO(), "yaml", managed_fields=True)

    assert printer.resource(crate) == crate.to_api()
    assert printer.resource(crate)["metadata"]["managedFields"][0]["manager"] == (
        "kubectl-client-side-apply"
    )
