"""Pydantic models from the combined JSON Schema, by datamodel-code-generator."""

from __future__ import annotations

import json
from typing import Any

from datamodel_code_generator import DataModelType, InputFileType, PythonVersion, generate

from .jsonschema import ANY_OF_REQUIRED_KEY, RESOURCE_KEY

MODEL_BASE_CLASS = "lscsde_sdk.model_base.ResourceModel"
KIND_BASE_CLASS = "lscsde_sdk.resource.CustomResource"


def generate_models(json_schema: dict[str, Any], kinds: list[str], header: str) -> str:
    """Source of the models module for ``json_schema`` (see :mod:`codegen.jsonschema`)."""
    source = generate(
        json.dumps(json_schema),
        input_file_type=InputFileType.JsonSchema,
        output_model_type=DataModelType.PydanticV2BaseModel,
        target_python_version=PythonVersion.PY_311,
        base_class=MODEL_BASE_CLASS,
        base_class_map=dict.fromkeys(kinds, KIND_BASE_CLASS),
        # snake_case attributes, the schema's camelCase as alias
        snake_case_field=True,
        use_standard_collections=True,
        use_union_operator=True,
        use_annotated=True,
        field_constraints=True,
        # format: date / date-time; date-times must carry a zone, as RFC 3339 requires
        output_date_class="date",
        output_datetime_class="AwareDatetime",
        # a default means "the server fills this in", not "may be null"
        strict_nullable=True,
        use_schema_description=True,
        use_field_description=True,
        use_double_quotes=True,
        keep_model_order=True,
        disable_timestamp=True,
        model_extra_keys={ANY_OF_REQUIRED_KEY, RESOURCE_KEY},
        formatters=["ruff-format"],
        custom_file_header=header,
    )
    if not isinstance(source, str):
        raise RuntimeError("datamodel-code-generator returned several modules; expected one")
    return source
