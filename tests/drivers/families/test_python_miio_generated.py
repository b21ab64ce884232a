"""Every generated model map against python-miio 0.5.12's class for the same model.

For each model the generator writes (drivers/families/generate), three checks
drive python-miio's own device class with a `send` that records instead of
sending: the properties it asks for, the requests each normalised command
sends, and the values its status container decodes from the same reply.
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import math
from collections import defaultdict
from typing import Any

import pytest

pytest.importorskip("miio")

from drivers.families import MiioModelMap, MiotModelMap, lookup_model
from drivers.families.catalog import builtin_catalog
from drivers.families.generate.emit import HEADER, dump, model_table
from drivers.families.generate.profile import Field, Profile, snake
from drivers.families.generate.record import (
    Recorder,
    accepted,
    candidates,
    chunk_size,
    record,
    recording_device,
)
from drivers.families.generate.registry import by_model
from drivers.families.miio_maps import MIOT_MAX_PROPERTIES_PER_REQUEST
from drivers.families.model_loader import load_model
from drivers.families.wire import REPORT_SLACK
from hub.errors import InvalidCommand

PROFILES = by_model()
MODELS = sorted(PROFILES)


def _map(model: str) -> MiioModelMap | MiotModelMap:
    found = lookup_model(model)
    assert isinstance(found, MiioModelMap | MiotModelMap), model
    return found


def _generated(model: str) -> bool:
    found = _map(model)
    assert found.defined_at is not None
    return True


@pytest.mark.parametrize("model", MODELS)
def test_checked_in_map_is_what_the_generator_writes(model: str) -> None:
    model_map = _map(model)
    assert model_map.defined_at is not None
    path = model_map.defined_at.rsplit(":", 1)[0]
    families = {f.name: f for f in builtin_catalog().families}
    profile = PROFILES[model]
    text = dump(model_table(profile, model, families[profile.family]))
    shipped = _shipped_text(path)
    if not shipped.startswith(HEADER):
        pytest.skip(f"{model} has a hand-written map (test_python_miio_parity.py checks it)")
    assert shipped == text, f"{path} is out of date: run python -m drivers.families.generate"
    assert load_model(text, path, families).model == model


def _shipped_text(name: str) -> str:
    from importlib import resources

    return resources.files("drivers.families.models").joinpath(name).read_text(encoding="utf-8")


# --- properties requested -----------------------------------------------------------


def _status_requests(profile: Profile, model: str) -> list[tuple[str, Any]]:
    device, recorder = recording_device(profile, model)
    for read in profile.reads:
        # The status container may choke on the recorder's zeros; the requests count here.
        with contextlib.suppress(Exception):
            getattr(device, read)()
    return recorder.sent


@pytest.mark.parametrize("model", MODELS)
def test_properties_requested_are_python_miios(model: str) -> None:
    profile = PROFILES[model]
    model_map = _map(model)
    theirs = _status_requests(profile, model)
    if isinstance(model_map, MiotModelMap):
        assert profile.mappings is not None
        # python-miio notes some properties' access ("write"); the ids are what count.
        ids = {
            key: {k: v for k, v in entry.items() if k in ("siid", "piid", "aiid")}
            for key, entry in profile.mappings[model].items()
        }
        assert model_map.mapping() == ids
        # YeelightDualControlModule.status sends its MIoT items with get_prop (python-miio
        # 0.5.12's Device.get_properties default); the map asks with get_properties, as
        # every other MIoT class does. The items asked are what is compared.
        asked = {
            item["did"]
            for method, params in theirs
            if method in ("get_properties", "get_prop")
            for item in params
            if isinstance(item, dict)
        }
        polled = {p.key for p in model_map.polled}
        assert polled <= asked
        for request in model_map.poll_requests():
            if request.method == "get_properties":
                assert len(request.params) <= model_map.max_properties
        return
    sent = {
        (method, str(p))
        for method, params in theirs
        for p in (params if isinstance(params, list) else [params])
    }
    for request in model_map.poll_requests():
        assert isinstance(request.params, list)
        if request.method == "get_prop":
            chunk = profile.chunk_for(model)
            assert chunk is None or len(request.params) <= chunk
            for key in request.params:
                assert ("get_prop", str(key)) in sent, f"python-miio does not ask {model} for {key}"
        else:
            assert request.method in {method for method, _ in theirs}


def _miot_models() -> list[str]:
    return [m for m in MODELS if PROFILES[m].protocol == "miot"]


@pytest.mark.parametrize("model", _miot_models())
def test_properties_per_request_are_python_miios(model: str) -> None:
    # Dreame and Mijia G1 vacuums answer "Checksum error" past 10 properties a request:
    # python-miio asks them for 10 at a time, 15 elsewhere (None: all at once, where
    # the map keeps the 15 every MIoT device takes).
    theirs = chunk_size(PROFILES[model], model) or MIOT_MAX_PROPERTIES_PER_REQUEST
    model_map = _map(model)
    assert isinstance(model_map, MiotModelMap)
    assert model_map.max_properties == theirs
    sizes = [len(r.params) for r in model_map.poll_requests() if r.method == "get_properties"]
    assert sizes
    assert max(sizes) <= theirs


# --- commands sent --------------------------------------------------------------------


def _cases() -> list[tuple[str, str]]:
    # One case per model and command, every parameter sample inside it: the hooks
    # around each test (leftover checks, a garbage collection) cost more than a case.
    return [
        (model, command.name)
        for model in MODELS
        for command in PROFILES[model].commands
        if not command.unless(model)
    ]


@pytest.mark.parametrize(("model", "command"), _cases())
def test_command_sends_what_python_miio_sends(model: str, command: str) -> None:
    profile = PROFILES[model]
    spec = next(c for c in profile.commands if c.name == command)
    for value in spec.samples_for(model) if spec.param else (None,):
        params = {spec.param: value} if spec.param else {}
        # Answered twice: with zeros, and with a distinct number per value read, so a
        # value python-miio reads and sends back (Viomi's edge-cleaning flag with
        # start, pause and stop) must come from the same reply in the map.
        for marked in (False, True):
            theirs = record(profile, model, spec, value, marked=marked)
            answers = Recorder(marked=marked, replies=profile.replies)
            assert _sent(model, command, params, answers) == theirs, f"{model} {command} {params}"


def _sent(
    model: str, command: str, params: dict[str, Any], device: Recorder
) -> list[tuple[str, Any]]:
    """What the map sends for `command`, each request answered as `device` answers it."""
    model_map = _map(model)
    if isinstance(model_map, MiotModelMap):
        requests = model_map.encode_command(command, params)
    else:
        requests = model_map.encode_command(command, params, lambda r: device(r.method, r.params))
    return [(r.method, r.params) for r in requests]


def _numeric_cases() -> list[tuple[str, str]]:
    families = {f.name: f for f in builtin_catalog().families}
    out = []
    for model, command in _cases():
        spec = next(c for c in PROFILES[model].commands if c.name == command)
        family = families[PROFILES[model].family]
        param = family.command(command).param(spec.param) if spec.param else None
        if param is not None and param.type.value in ("int", "float") and param.max is not None:
            out.append((model, command))
    return out


@pytest.mark.parametrize(("model", "command"), _numeric_cases())
def test_numbers_taken_are_python_miios(model: str, command: str) -> None:
    # Every number of the family's range (in its steps): the map takes it exactly when
    # python-miio sends it, within the bounds a profile narrows on purpose (fans'
    # set_speed from 1). A list with gaps (zhimi humidifiers' 30, 40, ... 80) is
    # refused between its values, with the list in the error.
    profile = PROFILES[model]
    spec = next(c for c in profile.commands if c.name == command)
    assert spec.param is not None
    family = next(f for f in builtin_catalog().families if f.name == profile.family)
    param = family.command(command).param(spec.param)
    assert param is not None
    assert param.min is not None
    assert param.max is not None
    tried = candidates(param.min, param.max, param.step, whole=param.type.value == "int")
    bounds = profile.limits(model).get(f"{command}.{spec.param}", {})
    theirs = [
        v
        for v in accepted(profile, model, spec, tried)
        if bounds.get("min", -math.inf) <= v <= bounds.get("max", math.inf)
    ]
    model_map = _map(model)
    ours = []
    refused: InvalidCommand | None = None
    for value in tried:
        try:
            model_map.validate_command(command, {spec.param: value})
        except InvalidCommand as err:
            refused = err
            continue
        ours.append(value)
    assert ours == theirs
    if refused is not None:
        assert refused.field == spec.param


# --- values decoded ----------------------------------------------------------------------


def _samples(field: Field, model_map: MiioModelMap | MiotModelMap) -> tuple[Any, ...]:
    if field.samples:
        return field.samples
    if field.table is not None:
        return tuple(field.table)
    attr = model_map.spec.attribute(field.attribute)
    if attr.type.value == "bool":
        return (True, False)
    # Readings past a read-only attribute's range are refused by design (see
    # drivers.families.wire): sample those the attribute can report.
    span = (
        (attr.max - attr.min) * REPORT_SLACK
        if attr.min is not None and attr.max is not None
        else 0.0
    )
    low = -math.inf if attr.writable or attr.min is None else attr.min - span
    high = math.inf if attr.writable or attr.max is None else attr.max + span
    return tuple(v for v in (0, 1, 37, 100) if low <= v <= high) or (attr.min,)


def _normalise(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return snake(value.name)
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return value


def _close(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, bool) or isinstance(theirs, bool) or ours is None or theirs is None:
        return (ours == theirs and type(ours) is type(theirs)) or (ours is None and theirs is None)
    if isinstance(ours, int | float) and isinstance(theirs, int | float):
        return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-9)
    return bool(ours == theirs)


def _decoded(model_map: MiioModelMap | MiotModelMap, data: dict[str, Any]) -> dict[str, Any]:
    if isinstance(model_map, MiotModelMap):
        result = [
            {"did": p.key, "siid": p.siid, "piid": p.piid, "code": 0, "value": data[p.key]}
            for p in model_map.polled
            if p.key in data
        ]
        request = next(r for r in model_map.poll_requests() if r.method == "get_properties")
        del request
        from drivers.families.wire import WireRequest

        return model_map.decode(WireRequest("get_properties", []), result)
    decoded: dict[str, Any] = {}
    for poll in model_map.polls:
        if poll.reply.value == "values":
            reply: Any = [data.get(str(k)) for k in poll.params]
        elif poll.reply.value == "list":
            reply = [data.get(k) for k in poll.positions]
        elif poll.reply.value == "first_object":
            reply = [data]
        else:
            reply = data
        decoded.update(poll.decode(reply, model_map.model))
    return decoded


def _decode_models() -> list[str]:
    return [m for m in MODELS if any(f.status for f in PROFILES[m].fields_for(m))]


@pytest.mark.parametrize("model", _decode_models())
def test_values_decode_as_python_miio_shows_them(model: str) -> None:
    profile = PROFILES[model]
    model_map = _map(model)
    fields = profile.fields_for(model)
    baseline = {f.key: _samples(f, model_map)[0] for f in fields}
    for field in fields:
        if field.status is None:
            continue
        for raw in _samples(field, model_map):
            data: dict[str, Any] = defaultdict(lambda: None, {**baseline, field.key: raw})
            status = profile.status(data, model)
            theirs = status
            for name in field.status.split("."):
                theirs = getattr(theirs, name)
            theirs = field.theirs(theirs) if field.theirs else _normalise(theirs)
            ours = _decoded(model_map, data).get(field.attribute)
            assert _close(ours, theirs), (
                f"{model} {field.key}={raw!r} ({field.attribute}): ours {ours!r}, "
                f"python-miio {theirs!r}"
            )
