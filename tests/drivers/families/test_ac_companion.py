"""AC companions (lumi.acpartner.v1/v2/v3): mode, fan speed, swing and target temperature.

python-miio 0.5.12 changes them only with ``send_configuration``: the whole
configuration as one ``send_cmd`` string from a template per AC remote
(``DEVICE_COMMAND_TEMPLATES``). Its user reads the status first and sends every
setting back with one changed; the maps do the same in one command. Compared here
string for string, for every remote python-miio has a template for (and one it has
not), across a seeded sample of states.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

pytest.importorskip("miio")

from miio import airconditioningcompanion as companion

from drivers.families import MiioModelMap, lookup_model
from drivers.families.generate.climate import COMPANION
from drivers.families.generate.record import Recorder, record
from hub.errors import InvalidCommand, ProtocolError

MODELS = tuple(companion.MODELS_SUPPORTED)
# Each template's remote, as the companion reports it (characters 0-1 and 8-15 pick
# the template, the last one ends the string), and a remote python-miio has none for.
AC_MODELS = tuple(
    f"{prefix[:2]}050097{prefix[2:]}0{suffix}"
    for prefix, suffix in zip(
        [p for p in companion.DEVICE_COMMAND_TEMPLATES if p != "fallback"] + ["0180222221"],
        "1234567",
        strict=False,
    )
)
# States drawn per model and remote: power, mode, fan, swing (Chigo remotes say C/D),
# target, LED.
STATES = 20


def _states(seed: int) -> list[str]:
    rng = random.Random(seed)
    return [
        f"01{rng.choice('01')}{rng.choice('01234')}{rng.choice('0123')}{rng.choice('01CD')}"
        f"{rng.randint(16, 31):02X}{rng.choice('0A')}022222210"
        for _ in range(STATES)
    ]


def _map(model: str) -> MiioModelMap:
    found = lookup_model(model)
    assert isinstance(found, MiioModelMap)
    return found


def _theirs(model: str, ac_model: str, state: str, command: str, value: Any) -> list[Any]:
    profile = dataclasses.replace(
        COMPANION, replies={"get_model_and_state": [ac_model, state, "0"]}
    )
    spec = next(c for c in profile.commands if c.name == command)
    return record(profile, model, spec, value)


def _ours(model: str, ac_model: str, state: str, command: str, params: dict[str, Any]) -> list[Any]:
    device = Recorder(replies={"get_model_and_state": [ac_model, state, "0"]})
    requests = _map(model).encode_command(command, params, lambda r: device(r.method, r.params))
    return [(r.method, r.params) for r in requests]


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("ac_model", AC_MODELS)
def test_commands_send_python_miios_configuration_strings(model: str, ac_model: str) -> None:
    commands = [c for c in COMPANION.commands if c.steps]
    assert {c.name for c in commands} == {
        "set_mode",
        "set_target_temperature",
        "set_speed",
        "set_oscillate",
    }
    for state in _states(int(ac_model[-1]) * 10 + MODELS.index(model)):
        for spec in commands:
            assert spec.param is not None
            for value in spec.samples_for(model):
                theirs = _theirs(model, ac_model, state, spec.name, value)
                ours = _ours(model, ac_model, state, spec.name, {spec.param: value})
                assert ours == theirs, (ac_model, state, spec.name, value)


def test_a_temperature_between_whole_degrees_is_refused() -> None:
    # send_configuration writes the target as hex: python-miio raises for 25.5.
    with pytest.raises(InvalidCommand, match=r"temperature must be one of 16, 17, .* 31 °C"):
        _map("lumi.acpartner.v2").validate_command("set_target_temperature", {"temperature": 25.5})


def test_a_state_the_companion_did_not_give_fails_before_anything_is_sent() -> None:
    model_map = _map("lumi.acpartner.v3")
    with pytest.raises(ProtocolError, match="get_model_and_state answered"):
        model_map.encode_command("set_mode", {"mode": "cool"}, lambda r: ["ok"])
    with pytest.raises(ProtocolError, match="shorter than their formats"):
        model_map.encode_command("set_mode", {"mode": "cool"}, lambda r: ["01", "0110", "0"])
    # On, dry, low fan, swing off, 25 °C, LED off; to a high fan.
    state = "01" + "1" + "3" + "0" + "1" + "19" + "A" + "022222210"
    ac_model = "01050097" + "80222221" + "06"
    sent = model_map.encode_command(
        "set_speed", {"speed": "high"}, lambda r: [ac_model, state, "0"]
    )
    # No template for remote 0180222221: the fallback's power, mode, fan, swing, target
    # (hex) and LED, after the remote and before the model's last character.
    assert sent[-1].params == ["0180222221" + "1" + "3" + "2" + "1" + "19" + "A" + "6"]
