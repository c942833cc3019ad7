"""AnalyticsWorkspaceBinding models."""

from __future__ import annotations

import unittest

from ..models import AnalyticsWorkspaceBinding


class WorkspaceBindingTests(unittest.TestCase):
    def binding(self) -> AnalyticsWorkspaceBinding:
        return AnalyticsWorkspaceBinding.model_validate(
            {
                "metadata": {"name": "outcomes-joe"},
                "spec": {
                    "workspace": "cancer-outcomes",
                    "username": "Joe.Bloggs@example.org",
                    "expires": "2025-02-01",
                },
            }
        )

    def test_username_as_label(self) -> None:
        spec = self.binding().spec
        assert spec is not None
        self.assertEqual(spec.username_as_label(), "joe.bloggs___example.org")

    def test_old_defaults(self) -> None:
        binding = self.binding()
        assert binding.metadata is not None
        self.assertEqual(binding.metadata.namespace, "default")
        assert binding.status is not None
        self.assertEqual(binding.status.status_text, "Waiting")
        self.assertEqual(binding.kind, "AnalyticsWorkspaceBinding")


if __name__ == "__main__":
    unittest.main()
