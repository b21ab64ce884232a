"""Build `FamilySpec` records from the family tables (``specs/*.yaml``).

A table has ``family``, ``description``, ``poll_interval_s`` (absent: state is
pushed), and mappings keyed by name: ``attributes`` (``type``: bool | int |
float | str | enum, ``unit``, ``min``, ``max``, ``step``, ``choices``,
``max_length``, ``writable``, ``description``), ``commands`` (``description``
and ``params`` with the same keys plus ``required``/``default``) and
``consumables`` (``used_hours_attribute``, ``remaining_percent_attribute``,
``resettable``, ``description``). A part's life is not written here: the parts
catalog (hub/maintenance/parts.yaml) is its one source.
"""

from __future__ import annotations

from typing import Any

from drivers.families.family import FamilySpec
from drivers.families.spec import (
    AttributeSpec,
    CommandSpec,
    ConsumableSpec,
    ParamSpec,
    ValueType,
)
from drivers.families.yaml_source import Node, parse_table

_SCHEMA_KEYS = ("type", "unit", "min", "max", "step", "choices", "max_length", "description")


def load_family(text: str, filename: str) -> FamilySpec:
    """Parse and validate one family table."""
    root = parse_table(text, filename)
    root.only("family", "description", "poll_interval_s", "attributes", "commands", "consumables")
    name = root.child("family").text()
    attributes = tuple(
        _attribute(str(key), node.relabel(f"attribute {key}"))
        for key, node in root.child("attributes").items()
    )
    commands_node = root.child("commands")
    commands = (
        tuple(
            _command(str(key), node.relabel(f"command {key}"))
            for key, node in commands_node.items()
        )
        if commands_node.value is not None
        else ()
    )
    consumables_node = root.child("consumables")
    consumables = (
        tuple(
            _consumable(str(key), node.relabel(f"consumable {key}"))
            for key, node in consumables_node.items()
        )
        if consumables_node.value is not None
        else ()
    )
    try:
        return FamilySpec(
            name=name,
            attributes=attributes,
            commands=commands,
            consumables=consumables,
            poll_interval_s=root.child("poll_interval_s").number(),
            description=root.child("description").text(optional=True),
            defined_at=root.where,
        )
    except ValueError as exc:
        root.fail(str(exc))


def _value_type(node: Node) -> ValueType:
    text = node.child("type").text()
    try:
        return ValueType(text)
    except ValueError:
        node.child("type").fail(
            f"unknown type {text!r}; types: {', '.join(t.value for t in ValueType)}"
        )


def _max_length(node: Node) -> int | None:
    child = node.child("max_length")
    return None if child.value is None else child.integer()


def _value_schema(node: Node) -> dict[str, Any]:
    """The fields attributes and command parameters share (`_SCHEMA_KEYS`)."""
    return {
        "type": _value_type(node),
        "unit": node.child("unit").opt_text(),
        "min": node.child("min").number(),
        "max": node.child("max").number(),
        "step": node.child("step").number(),
        "choices": node.child("choices").texts(),
        "max_length": _max_length(node),
        "description": node.child("description").text(optional=True),
    }


def _attribute(name: str, node: Node) -> AttributeSpec:
    node.only(*_SCHEMA_KEYS, "writable")
    try:
        return AttributeSpec(
            name=name,
            **_value_schema(node),
            writable=node.child("writable").flag(False),
            defined_at=node.where,
        )
    except ValueError as exc:
        node.fail(str(exc))


def _param(name: str, node: Node) -> ParamSpec:
    node.only(*_SCHEMA_KEYS, "required", "default")
    default = node.child("default").value
    if default is not None and not isinstance(default, bool | int | float | str):
        node.child("default").fail(f"expected a plain value, got {default!r}")
    try:
        return ParamSpec(
            name=name,
            **_value_schema(node),
            required=node.child("required").flag(default is None),
            default=default,
        )
    except ValueError as exc:
        node.fail(str(exc))


def _command(name: str, node: Node) -> CommandSpec:
    if node.value is None:
        params: tuple[ParamSpec, ...] = ()
        description = ""
    else:
        node.only("description", "params")
        params_node = node.child("params")
        params = (
            tuple(
                _param(str(key), child.relabel(f"{node.field} parameter {key}"))
                for key, child in params_node.items()
            )
            if params_node.value is not None
            else ()
        )
        description = node.child("description").text(optional=True)
    try:
        return CommandSpec(name=name, params=params, description=description, defined_at=node.where)
    except ValueError as exc:
        node.fail(str(exc))


def _consumable(key: str, node: Node) -> ConsumableSpec:
    node.only(
        "used_hours_attribute",
        "remaining_percent_attribute",
        "resettable",
        "description",
    )
    try:
        return ConsumableSpec(
            key=key,
            used_hours_attribute=node.child("used_hours_attribute").opt_text(),
            remaining_percent_attribute=node.child("remaining_percent_attribute").opt_text(),
            resettable=node.child("resettable").flag(False),
            description=node.child("description").text(optional=True),
            defined_at=node.where,
        )
    except ValueError as exc:
        node.fail(str(exc))
