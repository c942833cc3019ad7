"""Pydantic models from the combined JSON Schema, by datamodel-code-generator."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from datamodel_code_generator import DataModelType, InputFileType, PythonVersion, generate
from datamodel_code_generator.util import camel_to_snake

from .jsonschema import ANY_OF_REQUIRED_KEY, RESOURCE_KEY, ModelFacts

MODEL_BASE_CLASS = "lscsde_sdk.model_base.ResourceModel"
KIND_BASE_CLASS = "lscsde_sdk.resource.CustomResource"
# Scalar types that accept only the input forms the API server accepts.
WIRE_TYPES = {
    "date": "lscsde_sdk.wire_formats.Date",
    "date-time": "lscsde_sdk.wire_formats.DateTime",
    "integer": "lscsde_sdk.wire_formats.Integer",
}


def wire_type_overrides(facts: Mapping[str, ModelFacts]) -> dict[str, str]:
    """datamodel-code-generator's per-field type overrides ("Class.python_name": type)."""
    return {
        f"{class_name}.{camel_to_snake(prop, PythonVersion.PY_311)}": WIRE_TYPES[form]
        for class_name, class_facts in facts.items()
        for prop, form in class_facts.wire_formats.items()
    }


def run_generator(json_schema: dict[str, Any], header: str, **profile: Any) -> str:
    """One models module from ``json_schema``: the options every profile shares, plus
    ``profile`` (base classes, typing of fields and defaults, formatters)."""
    source = generate(
        json.dumps(json_schema),
        input_file_type=InputFileType.JsonSchema,
        output_model_type=DataModelType.PydanticV2BaseModel,
        target_python_version=PythonVersion.PY_311,
        # snake_case attributes, the schema's camelCase as alias
        snake_case_field=True,
        use_standard_collections=True,
        use_union_operator=True,
        use_schema_description=True,
        use_field_description=True,
        use_double_quotes=True,
        keep_model_order=True,
        disable_timestamp=True,
        custom_file_header=header,
        **profile,
    )
    if not isinstance(source, str):
        raise RuntimeError("datamodel-code-generator returned several modules; expected one")
    # The formatter may leave the last line unterminated; linters want the newline.
    return source if source.endswith("\n") else f"{source}\n"


def generate_models(
    json_schema: dict[str, Any],
    kinds: list[str],
    header: str,
    type_overrides: Mapping[str, str] | None = None,
) -> str:
    """Source of the models module for ``json_schema`` (see :mod:`codegen.jsonschema`)."""
    return run_generator(
        json_schema,
        header,
        base_class=MODEL_BASE_CLASS,
        base_class_map=dict.fromkeys(kinds, KIND_BASE_CLASS),
        use_annotated=True,
        field_constraints=True,
        # format: date / date-time; date-times must carry a zone, as RFC 3339 requires
        output_date_class="date",
        output_datetime_class="AwareDatetime",
        # a default means "the server fills this in", not "may be null"
        strict_nullable=True,
        model_extra_keys={ANY_OF_REQUIRED_KEY, RESOURCE_KEY},
        type_overrides=dict(type_overrides or {}),
        formatters=["ruff-format"],
    )
