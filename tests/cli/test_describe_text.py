"""The pure parts of ``describe`` and progress: the layout, whether a user may start a
workspace on a day, what a lookup label says, and the counter drawn only on a terminal."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest

from lscsde_sdk.cli.describe import Description, age
from lscsde_sdk.cli.lookup_labels import change_reason
from lscsde_sdk.cli.output import Column
from lscsde_sdk.cli.progress import Progress
from lscsde_sdk.cli.start_today import applies_on, start_check
from lscsde_sdk.clients import LabelChange
from lscsde_sdk.models import AnalyticsDataSource, AnalyticsWorkspace

DAY = date(2027, 6, 15)


def workspace(
    available_from: str = "2027-01-01", expires: str = "2028-01-01"
) -> AnalyticsWorkspace:
    return AnalyticsWorkspace.model_validate(
        {
            "metadata": {"name": "study", "namespace": "ns"},
            "spec": {
                "displayName": "Study",
                "description": "d",
                "validity": {"availableFrom": available_from, "expires": expires},
                "jupyterWorkspace": {"image": "lscsde/notebook:1"},
            },
        }
    )


def test_fields_line_up_and_nested_objects_are_indented_by_two() -> None:
    out = Description()
    out.field("Name", "study")
    out.field("Namespace", "ns")
    out.model("Spec", workspace().spec)

    assert out.text().splitlines() == [
        "Name:       study",
        "Namespace:  ns",
        "Spec:",
        "  Display Name:  Study",
        "  Description:   d",
        "  Validity:",
        "    Available From:  2027-01-01",
        "    Expires:         2028-01-01",
        "  Jupyter Workspace:",
        "    Image:  lscsde/notebook:1",
    ]


def test_lists_of_objects_are_items_and_secrets_and_unknown_fields_are_masked() -> None:
    source = AnalyticsDataSource.model_validate(
        {
            "metadata": {"name": "s", "namespace": "ns"},
            "spec": {
                "connections": [
                    {"type": "odbc", "name": "a", "connectionString": {"value": "Password=x"}},
                    {"type": "odbc", "name": "b", "connectionString": {"secretName": "db"}},
                ]
            },
        }
    )
    assert source.spec is not None
    source.spec.__pydantic_extra__ = {"newerField": "token-abc"}  # as a newer CRD sends it
    out = Description()
    out.model("Spec", source.spec)

    text = out.text()
    assert text.splitlines()[1:9] == [
        "  Connections:",
        "    - Type:  odbc",
        "      Name:  a",
        "      Connection String:",
        "        Value:  **********",
        "    - Type:  odbc",
        "      Name:  b",
        "      Connection String:",
    ]
    assert "Password=x" not in text and "token-abc" not in text
    assert "  Newer Field:  ********** (a field this SDK does not know; not shown)" in text


def test_metadata_hides_the_last_applied_configuration() -> None:
    item = workspace()
    item.metadata.annotations = {
        "kubectl.kubernetes.io/last-applied-configuration": '{"secret": "s3cret"}',
        "team": "outcomes",
    }
    out = Description()
    out.metadata(item)

    text = out.text()
    assert "s3cret" not in text
    assert "team: outcomes" in text
    assert "Labels:       <none>" in text


def test_an_empty_table_is_none_and_a_table_is_indented_under_its_heading() -> None:
    out = Description()
    out.table("Events", [Column("TYPE"), Column("REASON")], [])
    out.table("Claims", [Column("NAME"), Column("EXISTS")], [["home", "yes"]])

    assert out.text().splitlines() == [
        "Events:  <none>",
        "Claims:",
        "  NAME  EXISTS",
        "  home  yes",
    ]


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(5, "5s"), (119, "119s"), (3600, "60m"), (3 * 3600, "3h"), (2 * 86400, "2d")],
)
def test_ages_are_shown_in_kubectls_units(seconds: int, shown: str) -> None:
    now = datetime(2027, 1, 1, tzinfo=UTC)

    assert age(now - timedelta(seconds=seconds), now) == shown


@pytest.mark.parametrize(
    ("ws", "binding_expires", "state", "reason"),
    [
        (
            workspace(),
            date(2027, 9, 1),
            "permitted",
            "until 2027-09-01 (78 days left; the binding ends then)",
        ),
        (
            workspace(expires="2027-07-01"),
            date(2027, 9, 1),
            "permitted",
            "until 2027-07-01 (16 days left; the workspace ends then)",
        ),
        (workspace(), DAY, "expired", "binding expired on 2027-06-15"),
        (
            workspace(expires="2027-06-15"),
            date(2028, 1, 1),
            "expired",
            "workspace expired on 2027-06-15",
        ),
        (
            workspace(available_from="2027-06-16"),
            date(2028, 1, 1),
            "not yet available",
            "workspace opens on 2027-06-16",
        ),
        (None, date(2028, 1, 1), "missing", "workspace study does not exist"),
    ],
)
def test_whether_a_user_may_start_a_workspace_names_the_date_that_decides(
    ws: AnalyticsWorkspace | None, binding_expires: date, state: str, reason: str
) -> None:
    check = start_check(ws, "study", binding_expires, DAY)

    assert (check.state, check.reason) == (state, reason)
    assert check.allowed == (state == "permitted")


def test_a_data_source_binding_applies_until_its_expiry_and_only_between_existing_objects() -> None:
    assert applies_on(None, None, DAY) == "yes"
    assert applies_on(date(2027, 6, 16), None, DAY) == "yes"
    assert applies_on(DAY, None, DAY) == "no: expired on 2027-06-15"
    assert applies_on(None, "workspace w", DAY) == "no: workspace w does not exist"


def test_relabel_reasons_tell_a_missing_label_from_one_naming_another_user() -> None:
    label = "xlscsde.nhs.uk/username"
    missing = LabelChange("b", label, None, "dana___x.org", "dana@x.org")
    stale = LabelChange("b", label, "bob___x.org", "dana___x.org", "dana@x.org")
    no_form = LabelChange("b", label, "bob___x.org", None, "dana!")

    assert change_reason(missing, "spec.username") == "missing"
    assert change_reason(stale, "spec.username") == (
        "stale: names another user than spec.username (dana@x.org)"
    )
    assert change_reason(no_form, "spec.username") == (
        "stale: names a user, but spec.username (dana!) has no label form"
    )


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_only_on_a_terminal_and_erased_when_done() -> None:
    terminal, pipe = _Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = Progress(stream, "relabelling")
        for done in range(4):
            progress.update(done, 3)
        progress.done()

    assert terminal.getvalue().startswith("\r\x1b[Krelabelling: 0/3")
    assert terminal.getvalue().endswith("\r\x1b[Krelabelling: 3/3\r\x1b[K")
    assert pipe.getvalue() == ""
