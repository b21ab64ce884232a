"""Build model maps from the model tables (``models/*.yaml``).

Everything a table says is checked against its family here, so a wrong
attribute, command, parameter or enum value fails at load time with the file
and line, not when a user first presses a button.

A table has ``model``, ``family``, ``protocol`` (miio | miot | zigbee2mqtt),
``source`` (where the wire facts come from), optionally ``generator`` (the
script that wrote a generated table), ``patterns`` (model patterns such as
``roborock.vacuum.*`` the map also serves) and ``limits``
(``{volume: {min: 6}, set_volume.volume: {min: 6}, set_mode.mode: {choices:
[auto, silent]}, set_target_humidity.humidity: {values: [30, 40, 50]}}``:
narrower ranges, fewer enum choices, a list of the only numbers taken). A wire value feeds an
attribute through ``attribute`` plus, optionally, ``table`` (wire -> value),
``divisor``, ``decimals``, ``invert``, ``valid_min``/``valid_max`` and ``clamp``.

- miio: ``poll`` is a list of ``{method, params, reply: values | object |
  first_object, fields: [{key, attribute, ...}]}`` (a ``values`` poll asks for
  its fields' keys, as get_prop does); ``commands`` maps a command to method
  calls ``{method, params}``, where ``{reply: 0, index: 0}`` stands for item 0
  of the reply to the command's first call (a value the device is asked for
  and given back, as Viomi vacuums' edge-cleaning flag), and ``{configure: 0,
  mo: ...}`` for an AC companion's command string built from the state in that
  reply with ``configurations`` (see `drivers.families.ac_companion`).
- miot: ``properties`` lists ``{key, siid, piid}`` (python-miio's names), with
  ``attribute`` when the property feeds one (only those are polled);
  ``actions`` lists ``{key, siid, aiid}``; a command is a list of
  ``{set: key, value}`` and ``{action: key, in: [...]}`` steps;
  ``poll_prelude`` lists writes sent before each poll; ``max_properties``
  (default 15) is how many properties one get_properties asks for.
- zigbee2mqtt: ``fields`` lists state fields, ``readable`` the fields
  ``<name>/get`` answers, ``commands`` the ``/set`` JSON of each command.

Anywhere a command's parameter goes, ``{param: name}`` (optionally with a
``table`` from value to wire value) stands for it.
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from drivers.families.ac_companion import (
    STATE_SPANS,
    CommandTemplate,
    CompanionCommand,
    CompanionTemplates,
)
from drivers.families.family import FamilySpec
from drivers.families.miio_maps import (
    MIOT_MAX_PROPERTIES_PER_REQUEST,
    MiioCall,
    MiioField,
    MiioModelMap,
    MiioPoll,
    MiotAction,
    MiotCall,
    MiotModelMap,
    MiotProperty,
    MiotSet,
    ReplyShape,
)
from drivers.families.spec import CommandSpec, ValueType
from drivers.families.wire import ParamRef, Raw, ReplyRef, ValueCodec
from drivers.families.yaml_source import Node, parse_table
from drivers.families.zigbee_maps import SetTemplate, ZigbeeField, ZigbeeModelMap

ModelMap = MiioModelMap | MiotModelMap | ZigbeeModelMap
_T = TypeVar("_T")
_CODEC_KEYS = (
    "attribute",
    "table",
    "divisor",
    "decimals",
    "invert",
    "valid_min",
    "valid_max",
    "clamp",
    "bit",
    "span",
    "base",
)


def load_model(text: str, filename: str, families: Mapping[str, FamilySpec]) -> ModelMap:
    """Parse and validate one model table against the known families."""
    root = parse_table(text, filename)
    model = root.child("model").text()
    family_name = root.child("family").text()
    family = families.get(family_name)
    if family is None:
        root.child("family").fail(
            f"unknown family {family_name!r}; families: {', '.join(sorted(families))}"
        )
    protocol = root.child("protocol").text()
    source = root.child("source").text()
    if root.has("limits"):
        family = _limited(root.child("limits"), family)
    if protocol == "miio":
        return _miio(root, model, family, source)
    if protocol == "miot":
        return _miot(root, model, family, source)
    if protocol == "zigbee2mqtt":
        return _zigbee(root, model, family, source)
    raise root.child("protocol").error(
        f"unknown protocol {protocol!r}; protocols: miio, miot, zigbee2mqtt"
    )


def _patterns(root: Node, model: str) -> tuple[str, ...]:
    node = root.child("patterns")
    patterns = node.texts()
    for pattern in patterns:
        if "*" not in pattern or (fnmatch.fnmatchcase(model, pattern) and pattern == model):
            node.fail(f"pattern {pattern!r} needs a * (a model name alone is the map's model)")
    return patterns


def _limited(node: Node, family: FamilySpec) -> FamilySpec:
    limits: dict[str, tuple[float | None, float | None]] = {}
    choices: dict[str, tuple[str, ...]] = {}
    values: dict[str, tuple[float, ...]] = {}
    for key, child in node.items():
        child.only("min", "max", "choices", "values")
        if child.has("choices"):
            choices[str(key)] = child.child("choices").texts()
        if child.has("min") or child.has("max"):
            limits[str(key)] = (child.child("min").number(), child.child("max").number())
        if child.has("values"):
            values[str(key)] = tuple(_number(n) for n in child.child("values").elements())
    return _checked(node, lambda: family.with_limits(limits, choices, values))


def _number(node: Node) -> float:
    number = node.number()
    if number is None:
        node.fail("expected a number")
    return number


def _checked(node: Node, build: Callable[[], _T]) -> _T:
    try:
        return build()
    except (ValueError, LookupError) as exc:
        node.fail(str(exc))


def _codec(node: Node, family: FamilySpec) -> ValueCodec:
    name = node.child("attribute").text()
    if not family.has_attribute(name):
        node.child("attribute").fail(
            f"{family.name} has no attribute {name!r}; attributes: {', '.join(family.attribute_names)}"
        )
    table = tuple((_raw(node, k), v) for k, v in _table_items(node.child("table")))
    decimals = node.child("decimals")
    return _checked(
        node,
        lambda: ValueCodec(
            attribute=family.attribute(name),
            table=table,
            divisor=node.child("divisor").number(),
            decimals=None if decimals.value is None else decimals.integer(),
            invert=node.child("invert").flag(False),
            valid_min=node.child("valid_min").number(),
            valid_max=node.child("valid_max").number(),
            clamp=node.child("clamp").flag(False),
            bit=None if node.child("bit").value is None else node.child("bit").integer(),
            span=_span(node.child("span")),
            base=None if node.child("base").value is None else node.child("base").integer(),
        ),
    )


def _span(node: Node) -> tuple[int, int] | None:
    if node.value is None:
        return None
    bounds = [n.integer() for n in node.elements()]
    if len(bounds) != 2:
        node.fail("span is [start, end]: the characters a value is read from")
    return bounds[0], bounds[1]


def _table_items(node: Node) -> list[tuple[Any, Any]]:
    if node.value is None:
        return []
    return [(key, child.value) for key, child in node.items()]


def _raw(node: Node, value: Any) -> Raw:
    if value is None or not isinstance(value, bool | int | float | str):
        node.fail(f"expected a plain JSON value, got {value!r}")
    return value


def _param_ref(node: Node, command: CommandSpec) -> ParamRef:
    node.only("param", "table")
    name = node.child("param").text()
    param = command.param(name)
    if param is None:
        node.fail(f"command {command.name} has no parameter {name!r}")
    table = tuple((k, _raw(node, v)) for k, v in _table_items(node.child("table")))
    if table and param.type is ValueType.ENUM:
        missing = [c for c in param.choices if c not in {k for k, _ in table}]
        if missing:
            node.fail(f"table for parameter {name} lacks: {', '.join(missing)}")
    return ParamRef(name, table)


def _template_value(node: Node, command: CommandSpec) -> Raw | ParamRef:
    if isinstance(node.value, dict):
        return _param_ref(node, command)
    return _raw(node, node.value)


def _commands(
    root: Node, family: FamilySpec, build: Callable[[Node, CommandSpec], _T]
) -> dict[str, _T]:
    out: dict[str, _T] = {}
    if not root.has("commands"):
        return out
    for name, node in root.child("commands").items():
        labelled = node.relabel(f"command {name}")
        command = _checked(labelled, functools.partial(family.command, str(name)))
        out[str(name)] = build(labelled, command)
    return out


def _narrowed(
    root: Node, family: FamilySpec, attributes: list[str], commands: Mapping[str, object]
) -> FamilySpec:
    seen: set[str] = set()
    for name in attributes:
        if name in seen:
            root.fail(f"attribute {name} is fed by two wire values")
        seen.add(name)
    return _checked(root, lambda: family.restricted_to(attributes, commands, defined_at=root.where))


# --- legacy miio ---------------------------------------------------------------


def _miio(root: Node, model: str, family: FamilySpec, source: str) -> MiioModelMap:
    root.only(
        "model",
        "family",
        "protocol",
        "source",
        "generator",
        "patterns",
        "limits",
        "poll",
        "configurations",
        "commands",
    )
    polls = tuple(_miio_poll(n, family) for n in root.child("poll").elements(label="poll[{index}]"))
    templates = (
        _configurations(root.child("configurations")) if root.has("configurations") else None
    )

    def param(
        node: Node, spec: CommandSpec, index: int
    ) -> Raw | ParamRef | ReplyRef | CompanionCommand:
        if isinstance(node.value, dict) and "reply" in node.value:
            return _reply_ref(node, index)
        if isinstance(node.value, dict) and "configure" in node.value:
            if templates is None:
                node.fail("a configure step needs the table's configurations")
            return _companion_command(node, spec, index, templates)
        return _template_value(node, spec)

    def command(node: Node, spec: CommandSpec) -> tuple[MiioCall, ...]:
        calls: list[MiioCall] = []
        for step in node.elements():
            step.only("method", "params")
            params = tuple(param(p, spec, len(calls)) for p in step.child("params").elements())
            calls.append(MiioCall(step.child("method").text(), params))
        if not calls:
            node.fail("a command needs at least one method call")
        return tuple(calls)

    commands = _commands(root, family, command)
    attributes = [f.codec.attribute.name for p in polls for f in p.fields]
    spec = _narrowed(root, family, attributes, commands)
    return MiioModelMap(
        model,
        spec,
        source,
        root.where,
        polls=polls,
        commands=commands,
        patterns=_patterns(root, model),
        generator=root.child("generator").opt_text(),
    )


def _configurations(node: Node) -> CompanionTemplates:
    # {fallback: {base: "[po][mo][wi][sw][tt][li]"}, "0100010727": {base: ..., off: ...}}
    templates = {}
    for key, child in node.items():
        child.only("deviceType", "base", "off")  # deviceType: python-miio's name for the remote
        templates[str(key)] = CommandTemplate(
            child.child("base").text(), child.child("off").opt_text()
        )
    return _checked(node, lambda: CompanionTemplates(templates))


def _companion_command(
    node: Node, spec: CommandSpec, index: int, templates: CompanionTemplates
) -> CompanionCommand:
    # {configure: 0, mo: {param: mode, table: {heat: 0, ...}}}: see drivers.families.ac_companion.
    node.only("configure", *STATE_SPANS)
    step = node.child("configure").integer()
    if not 0 <= step < index:
        node.child("configure").fail(
            f"configure {step} is not an earlier call of this command (calls before this one: {index})"
        )
    changes = tuple(
        (str(key), _template_value(child, spec))
        for key, child in node.items()
        if key != "configure"
    )
    return CompanionCommand(step, changes, templates)


def _reply_ref(node: Node, index: int) -> ReplyRef:
    # {reply: 0, index: 0}: item 0 of the reply to the command's call 0.
    node.only("reply", "index")
    step = node.child("reply").integer()
    item = node.child("index").integer()
    if not 0 <= step < index:
        node.child("reply").fail(
            f"reply {step} is not an earlier call of this command (calls before this one: {index})"
        )
    if item < 0:
        node.child("index").fail("index is a position in the reply: 0 or more")
    return ReplyRef(step, item)


def _miio_poll(node: Node, family: FamilySpec) -> MiioPoll:
    node.only("method", "params", "reply", "positions", "fields")
    reply_text = node.child("reply").text()
    try:
        reply = ReplyShape(reply_text)
    except ValueError:
        node.child("reply").fail(
            f"unknown reply shape {reply_text!r}; shapes: {', '.join(s.value for s in ReplyShape)}"
        )
    fields = tuple(
        MiioField(n.child("key").text(), _codec(_only_field(n), family))
        for n in node.child("fields").elements()
    )
    positions = node.child("positions").texts()
    if reply is ReplyShape.LIST:
        missing = [f.key for f in fields if f.key not in positions]
        if not positions or missing:
            node.child("positions").fail(
                "a 'list' poll names each position of its reply in positions"
                + (f"; not among them: {', '.join(missing)}" if missing else "")
            )
    elif positions:
        node.child("positions").fail("positions belong to a 'list' poll")
    if reply is ReplyShape.VALUES:
        if node.has("params"):
            node.fail("a 'values' poll asks for its fields' keys; leave out params")
        params: tuple[Raw, ...] = tuple(dict.fromkeys(f.key for f in fields))
    else:
        params = tuple(_raw(p, p.value) for p in node.child("params").elements())
    return MiioPoll(node.child("method").text(), params, reply, fields, positions)


def _only_field(node: Node) -> Node:
    node.only("key", *_CODEC_KEYS)
    return node


# --- MIoT ----------------------------------------------------------------------


def _miot(root: Node, model: str, family: FamilySpec, source: str) -> MiotModelMap:
    root.only(
        "model",
        "family",
        "protocol",
        "source",
        "generator",
        "patterns",
        "limits",
        "max_properties",
        "properties",
        "actions",
        "poll_prelude",
        "commands",
    )
    properties: dict[str, MiotProperty] = {}
    for node in root.child("properties").elements(label="properties[{index}]"):
        node.only("key", "siid", "piid", *_CODEC_KEYS)
        key = node.child("key").text()
        if key in properties:
            node.fail(f"property {key} is listed twice")
        codec = _codec(node, family) if node.has("attribute") else None
        properties[key] = MiotProperty(
            key, node.child("siid").integer(), node.child("piid").integer(), codec
        )
    actions: dict[str, MiotAction] = {}
    for node in root.child("actions").elements(label="actions[{index}]"):
        node.only("key", "siid", "aiid")
        key = node.child("key").text()
        actions[key] = MiotAction(key, node.child("siid").integer(), node.child("aiid").integer())
    ids = [(p.siid, p.piid) for p in properties.values()]
    if len(set(ids)) != len(ids):
        root.child("properties").fail("two properties share one siid/piid")

    def property_named(node: Node, name: str) -> MiotProperty:
        prop = properties.get(name)
        if prop is None:
            node.fail(f"no property {name!r}; properties: {', '.join(properties)}")
        return prop

    def chosen_set(node: Node, spec: CommandSpec | None) -> MiotSet:
        # {set: {param: endpoint, table: {l1: switch_1_state, ...}}, value: ...}
        target = node.child("set")
        if spec is None:
            target.fail("only a command's step can pick its property by a parameter")
        ref = _param_ref(target, spec)
        if not ref.table:
            target.fail("a property picked by a parameter needs a table: value -> property")
        choices = tuple((value, property_named(target, str(key))) for value, key in ref.table)
        first = set_step(node, spec, choices[0][1])
        return MiotSet(first.prop, first.value, chosen_by=ref.name, choices=choices)

    def set_step(
        node: Node, spec: CommandSpec | None, picked: MiotProperty | None = None
    ) -> MiotSet:
        if picked is None and isinstance(node.child("set").value, dict):
            return chosen_set(node, spec)
        name = picked.key if picked is not None else node.child("set").text()
        prop = picked or property_named(node.child("set"), name)
        value_node = node.child("value")
        if isinstance(value_node.value, dict) and spec is not None:
            ref = _param_ref(value_node, spec)
            param = spec.param(ref.name)
            if not ref.table and prop.codec is not None and prop.codec.table and param is not None:
                # The property's codec writes the value: it must know every choice.
                known = {normal for _, normal in prop.codec.table}
                missing = [c for c in param.choices if c not in known]
                if missing:
                    value_node.fail(
                        f"property {name} has no wire value for {', '.join(missing)}; "
                        f"narrow the choices with limits: {spec.name}.{ref.name}"
                    )
            return MiotSet(prop, ref)
        literal = _raw(value_node, value_node.value)
        if prop.codec is not None:
            codec = prop.codec
            _checked(value_node, lambda: codec.attribute.coerce(literal))
        step = MiotSet(prop, literal)
        _checked(value_node, lambda: step.item({}))
        return step

    def action_named(node: Node, name: str) -> MiotAction:
        action = actions.get(name)
        if action is None:
            node.fail(f"no action {name!r}; actions: {', '.join(actions)}")
        return action

    def command(node: Node, spec: CommandSpec) -> tuple[MiotSet | MiotCall, ...]:
        steps: list[MiotSet | MiotCall] = []
        for step in node.elements():
            if step.has("set"):
                step.only("set", "value")
                steps.append(set_step(step, spec))
                continue
            step.only("action", "in")
            ins = tuple(_template_value(v, spec) for v in step.child("in").elements())
            target = step.child("action")
            if isinstance(target.value, dict):
                # {action: {param: part, table: {filter: reset_filter_life, ...}}}
                ref = _param_ref(target, spec)
                if not ref.table:
                    target.fail("an action picked by a parameter needs a table: value -> action")
                choices = tuple((value, action_named(target, str(key))) for value, key in ref.table)
                steps.append(MiotCall(choices[0][1], ins, chosen_by=ref.name, choices=choices))
                continue
            steps.append(MiotCall(action_named(target, target.text()), ins))
        if not steps:
            node.fail("a command needs at least one step")
        return tuple(steps)

    commands = _commands(root, family, command)
    prelude = tuple(
        set_step(n.relabel("poll_prelude"), None) for n in root.child("poll_prelude").elements()
    )
    attributes = [p.codec.attribute.name for p in properties.values() if p.codec is not None]
    spec = _narrowed(root, family, attributes, commands)
    chunk = MIOT_MAX_PROPERTIES_PER_REQUEST
    if root.has("max_properties"):
        chunk = root.child("max_properties").integer()
        if chunk < 1:
            root.child("max_properties").fail(
                "max_properties is how many properties one get_properties asks for: 1 or more"
            )
    return MiotModelMap(
        model,
        spec,
        source,
        root.where,
        properties=tuple(properties.values()),
        actions=tuple(actions.values()),
        commands=commands,
        poll_prelude=prelude,
        max_properties=chunk,
        patterns=_patterns(root, model),
        generator=root.child("generator").opt_text(),
    )


# --- Zigbee2MQTT ---------------------------------------------------------------


def _zigbee(root: Node, model: str, family: FamilySpec, source: str) -> ZigbeeModelMap:
    root.only("model", "family", "protocol", "source", "limits", "fields", "readable", "commands")
    fields = tuple(
        ZigbeeField(n.child("key").text(), _codec(_only_field(n), family))
        for n in root.child("fields").elements(label="fields[{index}]")
    )

    def template(node: Node, spec: CommandSpec) -> SetTemplate:
        node.require_mapping()
        out: dict[str, Raw | ParamRef | SetTemplate] = {}
        for key, child in node.items():
            if isinstance(child.value, dict) and "param" not in child.value:
                out[str(key)] = template(child, spec)
            else:
                out[str(key)] = _template_value(child, spec)
        return out

    commands = _commands(root, family, template)
    readable = root.child("readable").texts()
    keys = {f.key for f in fields}
    for key in readable:
        if key not in keys:
            root.child("readable").fail(f"readable field {key!r} is not among the fields")
    spec = _narrowed(root, family, [f.codec.attribute.name for f in fields], commands)
    return ZigbeeModelMap(
        model, spec, source, root.where, fields=fields, commands=commands, readable=readable
    )
