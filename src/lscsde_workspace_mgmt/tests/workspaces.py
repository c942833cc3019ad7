"""AnalyticsWorkspace models and their conversion to KubeSpawner profiles."""

from __future__ import annotations

import unittest
from datetime import datetime, timedelta

from ..models import AnalyticsWorkspace
from ..objects import AnalyticsWorkspaceConverter


def workspace() -> AnalyticsWorkspace:
    return AnalyticsWorkspace.model_validate(
        {
            "metadata": {"name": "cancer-outcomes", "namespace": "jupyterhub"},
            "spec": {
                "displayName": "Cancer outcomes",
                "description": "Outcomes study",
                "validity": {"availableFrom": "2025-01-01", "expires": "2025-03-01"},
                "jupyterWorkspace": {
                    "image": "lscsde/datascience-notebook-default:0.1.0",
                    "extraLabels": {"study": "outcomes"},
                    "resources": {"limits": {"memory": "2G"}},
                },
            },
        }
    )


class WorkspaceModelTests(unittest.TestCase):
    def test_dates_are_iso_strings_and_status_defaults_to_waiting(self) -> None:
        model = workspace()
        assert model.spec is not None and model.spec.validity is not None
        self.assertEqual(model.spec.validity.expires, "2025-03-01")
        assert model.status is not None
        self.assertEqual(model.status.status_text, "Waiting")

    def test_dump_by_alias_round_trips(self) -> None:
        dumped = workspace().model_dump(by_alias=True, exclude_none=True)
        self.assertEqual(dumped["spec"]["validity"]["availableFrom"], "2025-01-01")
        self.assertEqual(AnalyticsWorkspace.model_validate(dumped), workspace())


class ConverterTests(unittest.TestCase):
    def test_days_until_expiry(self) -> None:
        converter = AnalyticsWorkspaceConverter()
        left = converter.days_until_expiry("2025-01-10", date_now=datetime(2025, 1, 1))
        self.assertEqual(left, timedelta(days=9))

    def test_profile_has_the_kubespawner_override(self) -> None:
        profile = AnalyticsWorkspaceConverter().to_workspace_dict(
            workspace(), date_now=datetime(2025, 1, 1)
        )
        self.assertEqual(profile["slug"], "cancer-outcomes")
        self.assertEqual(profile["end_date"], "2025-03-01")
        override = profile["kubespawner_override"]
        self.assertEqual(
            override["extra_labels"], {"study": "outcomes", "workspace": "cancer-outcomes"}
        )
        # Only limits are set: no guarantee appears, and nothing raises.
        self.assertEqual(override["mem_limit"], 2_000_000_000)  # "2G" as Kubernetes reads it
        self.assertNotIn("mem_guarantee", override)


if __name__ == "__main__":
    unittest.main()
