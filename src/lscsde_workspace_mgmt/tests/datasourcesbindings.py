"""AnalyticsDataSourceBinding models."""

from __future__ import annotations

import unittest

from ..models import AnalyticsDataSourceBinding


class DataSourceBindingTests(unittest.TestCase):
    def test_fields_by_alias_or_by_name(self) -> None:
        spec = {"workspace": "w", "datasource": "d", "expires": "2025-12-31"}
        by_alias = AnalyticsDataSourceBinding.model_validate(
            {"spec": spec, "status": {"statusText": "Active"}}
        )
        by_name = AnalyticsDataSourceBinding.model_validate(
            {"spec": spec, "status": {"status_text": "Active"}}
        )
        self.assertEqual(by_alias, by_name)

    def test_status_defaults_to_waiting(self) -> None:
        binding = AnalyticsDataSourceBinding.model_validate({"spec": {"workspace": "w"}})
        assert binding.status is not None
        self.assertEqual(binding.status.status_text, "Waiting")


if __name__ == "__main__":
    unittest.main()
