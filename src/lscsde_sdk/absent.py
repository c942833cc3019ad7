"""Stand-ins for the classes that the CRD release this SDK was generated from does not have.

The hand-written layers name every kind's model and client (``AnalyticsCrate``,
``AnalyticsCrateClient``, ...). An SDK generated from a release without some of them (an
earlier chart release, before AnalyticsCrate) still imports: :mod:`lscsde_sdk.models`,
:mod:`lscsde_sdk.clients` and :mod:`lscsde_workspace_mgmt.models` give a stand-in class for
each name the codegen configuration knows and the release lacks (``ABSENT_CLASSES`` and
``ABSENT_KINDS`` of the generated packages).

A stand-in raises :class:`~lscsde_sdk.errors.NotInReleaseError`, naming itself, what the
release lacks and the release, when it is used: called (``AnalyticsCrateClient(api)``), or
asked for a public attribute (``AnalyticsCrate.model_validate(...)``) or for the SDK's
``__resource__`` or ``__schema_rules__``; a class derived from one does the same. Nothing is
an instance of one, so ``isinstance(x, AnalyticsCrate)`` is False. Type checkers do not see
the stand-ins: the SDK is type-checked on the full release.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NoReturn

from .core.errors import NotInReleaseError

__all__ = ["AbsentClass", "stand_in", "stand_ins_getattr"]

#: The class attributes the SDK's models and clients have beyond pydantic's.
_SDK_CLASS_ATTRIBUTES = frozenset({"__resource__", "__schema_rules__"})


class AbsentClass(type):
    """The metaclass of the stand-ins: using one raises :class:`NotInReleaseError`."""

    #: What the release lacks for the class (a kind, or a kind and schema path), and the
    #: release.
    _absence: tuple[str, str]

    def __call__(cls, *args: object, **kwargs: object) -> NoReturn:
        raise cls.not_in_release()

    def __getattr__(cls, name: str) -> NoReturn:
        # Tools probe classes for underscore names (typing, pydantic, copy, pytest, inspect)
        # and expect AttributeError when there is none; the SDK's own are a use.
        if name.startswith("_") and name not in _SDK_CLASS_ATTRIBUTES:
            raise AttributeError(name)
        raise cls.not_in_release()

    def __repr__(cls) -> str:
        return f"<{cls.__name__}: not in CRD release {cls._absence[1]}>"

    def not_in_release(cls) -> NotInReleaseError:
        """The error that using this class raises."""
        missing, release = cls._absence
        return NotInReleaseError(cls.__name__, missing, release)


def stand_in(name: str, missing: str, release: str, module: str) -> AbsentClass:
    """A stand-in for the class ``name`` of ``module``; ``missing`` is what ``release`` lacks
    for it."""
    return AbsentClass(
        name,
        (),
        {
            "__module__": module,
            "__qualname__": name,
            "__doc__": f"Not in CRD release {release}: {missing}.",
            "_absence": (missing, release),
        },
    )


def stand_ins_getattr(
    module: str, absent: Mapping[str, str], release: str
) -> Callable[[str], AbsentClass]:
    """A module ``__getattr__`` (PEP 562) for ``module`` giving the stand-in of each name of
    ``absent`` (name -> what ``release`` lacks for it), the same one each time, and the usual
    AttributeError for any other name."""
    made: dict[str, AbsentClass] = {}

    def __getattr__(name: str) -> AbsentClass:
        if name not in absent:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        if name not in made:
            made[name] = stand_in(name, absent[name], release, module)
        return made[name]

    return __getattr__
