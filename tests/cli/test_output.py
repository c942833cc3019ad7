"""Tables fit 80 columns; JSON and YAML show objects as the API returns them."""

from __future__ import annotations

import io
import json

import yaml

from lscsde_sdk.cli.output import (
    TABLE_WIDTH,
    Column,
    Printer,
    api_list,
    fit_widths,
    render_table,
    truncate,
)
from lscsde_sdk.models import AnalyticsCrate


def test_a_table_whose_cells_fit_is_printed_whole_and_aligned() -> None:
    table = render_table(
        [Column("NAME"), Column("EXPIRES", shrink=False)],
        [["alpha", "2027-01-01"], ["b", "2027-02-01"]],
    )

    assert table == "NAME   EXPIRES\nalpha  2027-01-01\nb      2027-02-01\n"


def test_a_wide_table_is_cut_to_80_columns_with_an_ellipsis() -> None:
    columns = [Column("NAME"), Column("DESCRIPTION"), Column("EXPIRES", shrink=False)]
    rows = [["a-rather-long-workspace-name-" * 2, "words " * 30, "2027-01-01"]]

    lines = render_table(columns, rows).splitlines()

    assert all(len(line) <= TABLE_WIDTH for line in lines)
    assert lines[1].endswith("2027-01-01")  # columns that may not shrink stay whole
    assert lines[1].count("…") == 2


def test_the_widest_columns_give_way_first_and_not_below_their_minimum() -> None:
    columns = [Column("A", min_width=5), Column("B", min_width=5), Column("C", min_width=30)]
    rows = [["x" * 10, "y" * 60, "z" * 30]]

    widths = fit_widths(columns, rows)

    assert widths == [10, 36, 30]
    assert sum(widths) + 2 * 2 == TABLE_WIDTH


def test_line_breaks_in_cells_do_not_break_the_layout() -> None:
    table = render_table([Column("DESCRIPTION"), Column("X")], [["two\nlines\tand a tab", "1"]])

    assert table.splitlines()[1] == "two lines and a tab  1"


def test_truncate_marks_what_it_cut() -> None:
    assert truncate("abcdef", 6) == "abcdef"
    assert truncate("abcdef", 4) == "abc…"
    assert truncate("abcdef", 1) == "…"


def test_json_and_yaml_show_several_objects_as_a_list_of_their_api_form() -> None:
    crate = AnalyticsCrate.model_validate(
        {"metadata": {"name": "c", "namespace": "ns"}, "spec": {"displayName": "Crate"}}
    )
    for output, parse in (("json", json.loads), ("yaml", yaml.safe_load)):
        out = io.StringIO()
        Printer(out, io.StringIO(), output).show(api_list([crate]), [Column("NAME")], [["c"]])  # type: ignore[arg-type]

        shown = parse(out.getvalue())
        assert shown["kind"] == "List"
        assert shown["items"] == [crate.to_api()]
        assert shown["items"][0]["apiVersion"] == "xlscsde.nhs.uk/v1"
