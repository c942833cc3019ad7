"""Stand-ins for what the CRD release lacks: importable, and a NotInReleaseError naming the
class, what the release lacks and the release as soon as they are used (the earlier release
itself: tests/unit/test_earlier_release.py)."""

from __future__ import annotations

import copy
import typing

import pytest

import lscsde_sdk.clients
import lscsde_sdk.models
import lscsde_workspace_mgmt.models
from lscsde_sdk.absent import stand_in, stand_ins_getattr
from lscsde_sdk.errors import NotInReleaseError

MESSAGE = "AnalyticsCrate is not in CRD release 0.1.0 that this lscsde-sdk was generated from"


def test_calling_or_asking_a_stand_in_for_an_attribute_names_it_and_the_release() -> None:
    crate = stand_in("AnalyticsCrate", "AnalyticsCrate", "0.1.0", "lscsde_sdk.models")
    for use in (lambda: crate(), lambda: crate.model_validate({}), lambda: crate.__resource__):
        with pytest.raises(NotInReleaseError) as caught:
            use()
        assert str(caught.value) == MESSAGE
        assert (caught.value.name, caught.value.missing) == ("AnalyticsCrate", "AnalyticsCrate")
        assert caught.value.release == "0.1.0"
    assert repr(crate) == "<AnalyticsCrate: not in CRD release 0.1.0>"


def test_tools_probing_a_stand_in_get_attribute_errors_and_no_instance_exists() -> None:
    spec = stand_in("AnalyticsCrateSpec", "AnalyticsCrate", "0.1.0", "lscsde_sdk.models")
    assert not hasattr(spec, "__get_pydantic_core_schema__")
    assert not hasattr(spec, "_pytestfixturefunction")
    assert not isinstance(object(), spec)
    assert typing.get_type_hints(spec) == {}
    assert copy.deepcopy(spec) is spec
    assert typing.Optional[spec] == spec | None  # noqa: UP045 (how older code spells it)


def test_a_module_gives_the_same_stand_in_each_time_and_no_other_name() -> None:
    module_getattr = stand_ins_getattr(
        "lscsde_sdk.models", {"AnalyticsCrate": "AnalyticsCrate"}, "0.1.0"
    )
    assert module_getattr("AnalyticsCrate") is module_getattr("AnalyticsCrate")
    with pytest.raises(AttributeError, match="has no attribute 'AnalyticsCrat'"):
        module_getattr("AnalyticsCrat")


def test_the_full_release_has_no_stand_ins() -> None:
    for module in (lscsde_sdk.models, lscsde_workspace_mgmt.models, lscsde_sdk.clients):
        with pytest.raises(AttributeError):
            module.AnalyticsCrat  # type: ignore[attr-defined]  # noqa: B018
    assert isinstance(lscsde_sdk.models.AnalyticsCrate, type)
    assert not isinstance(lscsde_sdk.models.AnalyticsCrate, type(stand_in("X", "X", "0", "m")))
