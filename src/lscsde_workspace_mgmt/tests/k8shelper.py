"""KubernetesHelper.format_as_label turns usernames into label values, or refuses."""

from __future__ import annotations

import unittest

from ..exceptions import InvalidLabelFormatException
from ..models import KubernetesHelper


class FormatAsLabelTests(unittest.TestCase):
    def setUp(self) -> None:
        self.helper = KubernetesHelper()

    def test_other_characters_become_three_underscores(self) -> None:
        self.assertEqual(
            self.helper.format_as_label("joe.blogs@someplace.co.uk"),
            "joe.blogs___someplace.co.uk",
        )

    def test_case_is_folded(self) -> None:
        self.assertEqual(self.helper.format_as_label("Joe.Blogs@X.org"), "joe.blogs___x.org")

    def test_a_value_that_cannot_be_a_label_is_refused(self) -> None:
        with self.assertRaises(InvalidLabelFormatException) as caught:
            self.helper.format_as_label("joe.o'keef@someplace.co.uk!")
        self.assertIn("joe.o___keef___someplace.co.uk___", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
