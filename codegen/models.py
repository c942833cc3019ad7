"""Pydantic models from a combined JSON Schema, by datamodel-code-generator, followed by what
the generator cannot write: each class's :class:`~lscsde_sdk.schema_rules.SchemaRules`, each
kind's :class:`~lscsde_sdk.resource.ResourceInfo`, the union of the kinds, and a rebuild of
every class so that all of them are complete at import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from datamodel_code_generator import (
    DataModelType,
    InputFileType,
    LiteralType,
    PythonVersion,
    generate,
)
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from lscsde_sdk.schema_rules import SchemaRules

from .jsonschema import UNION_CLASS_NAME, CombinedSchema

MODEL_BASE_CLASS = "lscsde_sdk.model_base.ResourceModel"
KIND_BASE_CLASS = "lscsde_sdk.resource.CustomResource"
TEMPLATES = Path(__file__).parent / "templates"
ROOT = Path(__file__).resolve().parent.parent


def templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["py"] = repr
    return env


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


def generate_models(combined: CombinedSchema, header: str, version: str) -> str:
    """Source of the models module of one version (see the module doc)."""
    source = run_generator(
        combined.as_json_schema(),
        header,
        base_class=MODEL_BASE_CLASS,
        base_class_map=dict.fromkeys(combined.kinds, KIND_BASE_CLASS),
        use_annotated=True,
        field_constraints=True,
        # enums become Literal types: the values are the API's strings, not Python names
        enum_field_as_literal=LiteralType.All,
        # a default means "the server fills this in", not "may be null"
        strict_nullable=True,
        formatters=["ruff-format"],
    )
    classes = sorted(combined.definitions)
    tail = (
        templates()
        .get_template("models_tail.py.jinja")
        .render(
            version=version,
            kinds=[combined.crds[kind] for kind in combined.kinds],
            rules=[
                (name, render_rules(combined.rules[name]))
                for name in classes
                if combined.rules.get(name, SchemaRules()) != SchemaRules()
            ],
            classes=classes,
            union=UNION_CLASS_NAME,
            secret_references=sorted(combined.secret_references),
        )
    )
    head, marker, body = source.partition("\n\nclass ")
    imports = (
        templates()
        .get_template("models_imports.py.jinja")
        .render(secret_references=bool(combined.secret_references))
    )
    return format_source(f"{head}\n{imports}{marker}{body}{tail}")


def render_rules(rules: SchemaRules) -> str:
    """``rules`` as a Python expression (the names of :mod:`lscsde_sdk.schema_rules`)."""
    args = []
    if rules.required:
        items = ", ".join(
            f"RequiredRule({rule.combinator!r}, {rule.alternatives!r})" for rule in rules.required
        )
        args.append(f"required=({items},)")
    if rules.list_types:
        items = ", ".join(
            f"{prop!r}: ListType({kind.type!r}, {kind.map_keys!r})"
            for prop, kind in rules.list_types.items()
        )
        args.append(f"list_types={{{items}}}")
    if rules.map_types:
        args.append(f"map_types={dict(rules.map_types)!r}")
    if rules.validations:
        items = "".join(f"{_validation(rule)}, " for rule in rules.validations)
        args.append(f"validations=({items})")
    if rules.property_validations:
        items = ", ".join(
            f"{prop!r}: ({''.join(f'{_validation(rule)}, ' for rule in found)})"
            for prop, found in rules.property_validations.items()
        )
        args.append(f"property_validations={{{items}}}")
    if rules.preserve_unknown_fields:
        args.append("preserve_unknown_fields=True")
    return f"SchemaRules({', '.join(args)})"


def _validation(rule: Any) -> str:
    fields = {
        "rule": rule.rule,
        "message": rule.message,
        "message_expression": rule.message_expression,
        "reason": rule.reason,
        "field_path": rule.field_path,
        "optional_old_self": rule.optional_old_self,
    }
    return (
        "ValidationRule("
        + ", ".join(f"{key}={value!r}" for key, value in fields.items() if value is not None)
        + ")"
    )


def format_source(source: str) -> str:
    """``source`` formatted by ruff (the pinned version the codegen extra installs), with the
    repository's settings."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--stdin-filename", "generated.py", "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"ruff could not format generated code:\n{result.stderr}")
    return result.stdout
