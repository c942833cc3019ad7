"""AnalyticsDataSource models."""

from __future__ import annotations

import unittest

from ..models import AnalyticsDataSource


class DataSourceTests(unittest.TestCase):
    def test_connections_round_trip_by_alias(self) -> None:
        source = AnalyticsDataSource.model_validate(
            {
                "metadata": {"name": "ds-outcomes"},
                "spec": {
                    "displayName": "Outcomes extract",
                    "connections": [
                        {
                            "name": "warehouse",
                            "databricksConnection": {
                                "hostName": "adb-0000.example.net",
                                "personalAccessToken": {"secretName": "token"},
                            },
                        }
                    ],
                },
            }
        )
        assert source.spec is not None
        self.assertEqual(source.spec.type, "Uploaded")
        dumped = source.model_dump(by_alias=True, exclude_none=True)
        connection = dumped["spec"]["connections"][0]
        self.assertEqual(connection["databricksConnection"]["hostName"], "adb-0000.example.net")


if __name__ == "__main__":
    unittest.main()
