"""The one place where compat models and lscsde_sdk models are converted, and SDK errors are
turned into the errors the old library raised.

Both directions go through the schema's JSON form (aliases, ISO date strings):

* compat -> SDK: dumped by alias without ``None`` values (the old library sent nulls, which
  the server prunes), without the fields only the old library had and without the default
  instances it made up, and validated by the SDK model, so its checks apply;
* SDK -> compat: what the SDK object holds (``to_api()``), validated into the compat model
  keeping fields neither knows (a newer CRD's), which the way back sends again;
* server -> compat: the response bytes validated straight into the compat model, keeping
  those fields too (reads of many objects cost no Python code per object).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any, TypeVar

from kubernetes_asyncio.client import ApiException
from pydantic import BaseModel, ValidationError
from pydantic_core import to_jsonable_python

from lscsde_sdk.errors import ApiError
from lscsde_sdk.model_base import ResourceModel
from lscsde_sdk.secrets import redacted

from ._base import CompatModel

__all__ = [
    "as_api_exception",
    "from_api_json",
    "from_sdk",
    "kubernetes_errors",
    "to_api_dict",
    "to_sdk",
]

CompatT = TypeVar("CompatT", bound=CompatModel)
CompatModelT = TypeVar("CompatModelT", bound=BaseModel)
SdkT = TypeVar("SdkT", bound=ResourceModel)


def to_api_dict(model: BaseModel) -> dict[str, Any]:
    """``model`` as the API server's JSON (aliases, no ``None`` values, no old-only fields,
    and the unknown fields it was read with)."""
    data = _api_value(model)
    assert isinstance(data, dict)
    return data


def _api_value(value: Any) -> Any:
    if isinstance(value, CompatModel):
        cls = type(value)
        skipped = set(cls.__compat_only__) | set(value.untouched_default_instances())
        out: dict[str, Any] = {}
        for name, field in cls.model_fields.items():
            alias = field.alias or name
            item = getattr(value, name)
            if item is not None and name not in skipped and alias not in skipped:
                out[alias] = _api_value(item)
        for key, item in (value.__pydantic_extra__ or {}).items():
            if item is not None:
                out.setdefault(key, _api_value(item))
        return out
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, Mapping):
        return {key: _api_value(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [_api_value(item) for item in value]
    return to_jsonable_python(value)


def to_sdk(model: CompatModel | SdkT, sdk_type: type[SdkT]) -> SdkT:
    """The lscsde_sdk model of ``model`` (returned as it is when it already is one).

    Fields the SDK does not know are those ``model`` was read with from the server (the
    compat models drop unknown user input), so they are kept, not refused."""
    if isinstance(model, sdk_type):
        return model
    if not isinstance(model, CompatModel):
        raise TypeError(f"expected a compat model or a {sdk_type.__name__}, got {type(model)}")
    return sdk_type.model_validate(to_api_dict(model), extra="allow")


def from_sdk(model: ResourceModel, compat_type: type[CompatT]) -> CompatT:
    """The compat model of an lscsde_sdk model, keeping fields neither knows."""
    return compat_type.model_validate(model.to_api(), extra="allow")


def from_api_json(
    body: bytes | bytearray, compat_type: type[CompatModelT], sdk_type: type[BaseModel]
) -> CompatModelT:
    """The compat model (or list envelope, ``ResourceList[<compat model>]``) of a response
    body, validated straight from its bytes by pydantic-core, keeping the fields neither
    library knows (a newer CRD's), as :func:`from_sdk` does. A body that does not validate is
    an error whose inputs are masked where ``sdk_type`` has secrets, as the SDK's are."""
    try:
        return compat_type.model_validate_json(body, extra="allow")
    except ValidationError as error:
        failure = redacted(sdk_type, error)
    # Raised outside the except block: the unmasked error must not be its context.
    raise failure


def as_api_exception(error: ApiError) -> ApiException:
    """The kubernetes_asyncio ``ApiException`` the old library raised for this failure: the
    HTTP status and reason phrase, and the server's Status object as the body."""
    try:
        phrase = HTTPStatus(error.status).phrase
    except ValueError:
        phrase = error.reason or "Error"
    exception = ApiException(status=error.status, reason=phrase)
    # kubernetes_asyncio hands callers the body decoded to str (its annotation says bytes);
    # so did the old library.
    body = json.dumps(error.body) if error.body is not None else error.message
    exception.body = body  # type: ignore[assignment]
    return exception


@contextmanager
def kubernetes_errors() -> Iterator[None]:
    """Raise the API errors of the block as ``ApiException`` (the SDK error as its cause), as
    code written for the old library catches those and reads ``.status``."""
    try:
        yield
    except ApiError as error:
        raise as_api_exception(error) from error
