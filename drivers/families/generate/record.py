"""Drive python-miio's device classes with a `send` that records instead of sending."""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Mapping
from typing import Any

from miio.exceptions import DeviceException

from drivers.families.generate.profile import Command, Field, Profile, Raw, Value

TOKEN = "0" * 32
Request = tuple[str, Any]


# A marked recorder answers get_prop with MARK + 100 * request + position, numbers no
# command parameter has: one found in a later request is a value read and sent back.
MARK = 7_000_000


class Recorder:
    """Stands in for `Device.send`: keeps each request and answers like a device would."""

    def __init__(self, *, marked: bool = False, replies: Mapping[str, Any] | None = None) -> None:
        self.sent: list[Request] = []
        self.marked = marked
        self.replies = replies or {}

    def __call__(self, command: str, parameters: Any = None, *args: Any, **kwargs: Any) -> Any:
        params = [] if parameters is None else parameters
        self.sent.append((command, params))
        if command == "get_properties" and isinstance(params, list):
            return [{**item, "code": 0, "value": 0} for item in params]
        if command in self.replies:
            return copy.deepcopy(self.replies[command])
        if command == "get_prop" and isinstance(params, list):
            base = MARK + 100 * (len(self.sent) - 1)
            return [base + i if self.marked else 0 for i in range(len(params))]
        return ["ok"]


def read_back(value: object) -> dict[str, int] | None:
    """The reply reference a marked recorder's answer `value` stands for, if it is one."""
    if isinstance(value, bool) or not isinstance(value, int) or value < MARK:
        return None
    request, index = divmod(value - MARK, 100)
    return {"reply": request, "index": index}


def recording_device(profile: Profile, model: str, *, marked: bool = False) -> tuple[Any, Recorder]:
    """An instance of the profile's python-miio class for `model`, with a recording send."""
    device = profile.device("127.0.0.1", TOKEN, model=model)
    recorder = Recorder(marked=marked, replies=profile.replies)
    device.send = recorder
    return device, recorder


def chunk_size(profile: Profile, model: str) -> int | None:
    """How many properties python-miio asks for per request when it reads `model`'s state.

    Its status methods pass ``max_properties`` to `Device.get_properties` (MIoT
    classes through ``get_properties_for_mapping``, 15 unless the class says
    otherwise); None when python-miio asks for everything at once.
    """
    device, _ = recording_device(profile, model)
    asked = device.get_properties
    sizes: list[int | None] = []

    def spy(
        properties: Any, *, property_getter: str = "get_prop", max_properties: Any = None
    ) -> Any:
        sizes.append(max_properties)
        return asked(properties, property_getter=property_getter, max_properties=max_properties)

    device.get_properties = spy
    for read in profile.reads:
        # A status container may choke on the recorder's zeros; the request sizes count here.
        with contextlib.suppress(Exception):
            getattr(device, read)()
    known = [size for size in sizes if size is not None]
    return min(known) if known else None


def record(
    profile: Profile, model: str, command: Command, value: Value | None, *, marked: bool = False
) -> list[Request]:
    """The requests python-miio sends for `command` (with its parameter at `value`)."""
    device, recorder = recording_device(profile, model, marked=marked)
    command.call(device, value)
    return recorder.sent


# Past this many values in a range (colour temperatures in kelvin), every n-th is tried.
MAX_TRIED = 201


def candidates(low: float, high: float, step: float | None, *, whole: bool) -> list[Value]:
    """The values from `low` to `high` in `step`s (1 for whole numbers) to try on
    python-miio: all of them, or `MAX_TRIED` spread evenly with both ends."""
    stride = step or 1.0
    count = round((high - low) / stride) + 1
    every = -(-count // MAX_TRIED)
    picked = [*range(0, count, every), *([count - 1] if (count - 1) % every else [])]
    values: list[Value] = [low + i * stride for i in picked]
    return [int(v) for v in values] if whole else values


# (class, model, command, values tried) -> those taken: the generator and the parity
# tests ask the same questions, each a few hundred python-miio calls.
_ACCEPTED: dict[tuple[str, str, str, tuple[Value, ...]], list[Value]] = {}


def accepted(profile: Profile, model: str, command: Command, values: list[Value]) -> list[Value]:
    """The parameter values python-miio sends `command` with; it raises for the others."""
    key = (profile.source, model, command.name, tuple(values))
    if key not in _ACCEPTED:
        out = []
        for value in values:
            try:
                record(profile, model, command, value)
            except (DeviceException, ValueError):
                continue
            out.append(value)
        _ACCEPTED[key] = out
    return list(_ACCEPTED[key])


class TemplateError(ValueError):
    """python-miio's requests for a command do not fit a model-table template."""


def infer(
    profile: Profile, model: str, command: Command, fields: Mapping[str, Field]
) -> list[dict[str, Any]]:
    """The command's steps as the model table writes them, from recorded requests."""
    if command.steps:
        return [dict(step) for step in command.steps]
    samples = command.samples_for(model) if command.param else (None,)
    runs = {_key(v): record(profile, model, command, v) for v in samples}
    first = next(iter(runs.values()))
    for sent in runs.values():
        if [m for m, _ in sent] != [m for m, _ in first]:
            raise TemplateError(f"{model} {command.name}: requests differ between values")
    _read_back(profile, model, command, samples[0], runs)
    steps: list[dict[str, Any]] = []
    for index, (method, _) in enumerate(first):
        by_value = {v: runs[_key(v)][index][1] for v in samples}
        if profile.protocol == "miot":
            assert profile.mappings is not None
            steps.extend(_miot_steps(method, by_value, command, fields, profile.mappings[model]))
        else:
            params = _merge(by_value, command, None)
            step: dict[str, Any] = {"method": method}
            if params != []:
                step["params"] = params
            steps.append(step)
    return steps


def _read_back(
    profile: Profile,
    model: str,
    command: Command,
    value: Value | None,
    runs: Mapping[tuple[type, Value | None], list[Request]],
) -> None:
    """Put a reply reference where python-miio sends back a value it read (legacy get_prop).

    The command is recorded once more with a marked recorder; a parameter that then
    holds a mark came from the reply the mark names.
    """
    if profile.protocol != "miio":
        return
    marked = record(profile, model, command, value, marked=True)
    plain = runs[_key(value)]
    if [m for m, _ in marked] != [m for m, _ in plain]:
        raise TemplateError(f"{model} {command.name}: requests depend on the values read")
    for index, ((_, ours), (_, theirs)) in enumerate(zip(marked, plain, strict=True)):
        if not isinstance(ours, list) or ours == theirs:
            continue
        for position, item in enumerate(ours):
            ref = read_back(item)
            if ref is None or ref["reply"] >= index:
                if item != theirs[position]:
                    raise TemplateError(
                        f"{model} {command.name}: {item!r} is computed from a value read"
                    )
                continue
            for run in runs.values():
                run[index][1][position] = ref


def _key(value: Value | None) -> tuple[type, Value | None]:
    return (type(value), value)


def _merge(by_value: Mapping[Value | None, Any], command: Command, codec: Field | None) -> Any:
    """One template from the same request recorded for each parameter value."""
    values = list(by_value.values())
    if all(_equal(v, values[0]) for v in values):
        return values[0]
    shapes = {type(v) for v in values}
    if shapes == {list} and len({len(v) for v in values}) == 1:
        return [
            _merge({k: v[i] for k, v in by_value.items()}, command, codec)
            for i in range(len(values[0]))
        ]
    if shapes == {dict} and len({tuple(v) for v in values}) == 1:
        return {
            key: _merge({k: v[key] for k, v in by_value.items()}, command, codec)
            for key in values[0]
        }
    assert command.param is not None
    if all(_equal(raw, _through(codec, v)) for v, raw in by_value.items() if v is not None):
        return {"param": command.param}
    if all(isinstance(v, bool | str) for v in by_value):
        return {"param": command.param, "table": dict(by_value)}
    raise TemplateError(f"{command.name}: cannot express {dict(by_value)!r} as a template")


def _through(codec: Field | None, value: Value) -> Raw:
    return value if codec is None or codec.table is not None else codec.encode(value)


def _equal(a: object, b: object) -> bool:
    return a == b and type(a) is type(b)


def _miot_steps(
    method: str,
    by_value: Mapping[Value | None, Any],
    command: Command,
    fields: Mapping[str, Field],
    mapping: Mapping[str, Mapping[str, int]],
) -> list[dict[str, Any]]:
    params = next(iter(by_value.values()))
    if method == "set_properties":
        steps = []
        for index, item in enumerate(params):
            key = item["did"]
            codec = fields.get(key)
            value = _merge({k: v[index]["value"] for k, v in by_value.items()}, command, codec)
            if not isinstance(value, dict) and codec is not None:
                value = codec.decode(value)
            dids = {k: v[index]["did"] for k, v in by_value.items()}
            if len(set(dids.values())) > 1:
                # The parameter picks the property (a gang's endpoint): value -> property.
                assert command.param is not None
                steps.append({"set": {"param": command.param, "table": dids}, "value": value})
                continue
            steps.append({"set": key, "value": value})
        return steps
    if method == "action":
        merged = _merge({k: v["in"] for k, v in by_value.items()}, command, None)
        keys = {k: _action_key(v, mapping) for k, v in by_value.items()}
        step: dict[str, Any] = {"action": _action_key(params, mapping)}
        if len(set(keys.values())) > 1:
            # The parameter picks the action (which part to reset): value -> action.
            assert command.param is not None
            step["action"] = {"param": command.param, "table": keys}
        if merged:
            step["in"] = merged
        return [step]
    raise TemplateError(f"{command.name}: unexpected MIoT request {method}")


def _action_key(params: Mapping[str, Any], mapping: Mapping[str, Mapping[str, int]]) -> str:
    for key, ids in mapping.items():
        if ids.get("siid") == params["siid"] and ids.get("aiid") == params["aiid"]:
            return key
    raise TemplateError(f"action {params['siid']}/{params['aiid']} is not in the mapping")
