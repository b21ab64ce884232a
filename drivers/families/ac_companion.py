"""The Aqara AC companions' command strings (lumi.acpartner.v1/v2/v3).

A companion drives its air conditioner by infrared, so it cannot change one
setting alone: python-miio 0.5.12's ``AirConditioningCompanion.send_configuration``
sends ``send_cmd [string]``, the whole configuration as one string built from a
template for the remote the AC uses (``DEVICE_COMMAND_TEMPLATES``; the model
table's ``configurations``). The template is chosen by the AC model the companion
reports (``get_model_and_state`` -> ``[ac_model, state, load]``: characters 0-1
and 8-15 of ``ac_model``; its last character ends the string), and its markers
are filled from the state string: ``[po]`` power (state character 2), ``[mo]``
mode (3), ``[wi]`` fan speed (4), ``[sw]`` swing (5), ``[tt]`` target temperature
(6-7, hex), ``[li]`` LED (8); ``[tt1]``, ``[tt4]``, ``[tt7]`` are checksums of the
temperature some remotes carry. A command changes the markers it names and
keeps the others as the state says. A template with an ``off`` string sends that
fixed string whenever power is off.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from drivers.families.spec import Value
from drivers.families.wire import ParamRef, Raw
from hub.errors import ProtocolError

#: Marker -> the characters of the state string it is read from.
STATE_SPANS: Final = {
    "po": (2, 3),
    "mo": (3, 4),
    "wi": (4, 5),
    "sw": (5, 6),
    "tt": (6, 8),
    "li": (8, 9),
}
FALLBACK: Final = "fallback"


@dataclass(frozen=True, slots=True)
class CommandTemplate:
    """The string one remote takes: `base` with markers, and a fixed `off` string if any."""

    base: str
    off: str | None = None


@dataclass(frozen=True, slots=True)
class CompanionTemplates:
    """Templates by remote prefix (``0180111111``), with the ``fallback`` one."""

    by_prefix: Mapping[str, CommandTemplate]

    def __post_init__(self) -> None:
        if FALLBACK not in self.by_prefix:
            raise ValueError("configurations need a 'fallback' template")

    def command(self, ac_model: str, state: str, changes: Mapping[str, Raw]) -> str:
        """The string python-miio's send_configuration builds for this AC and state."""
        if len(ac_model) < 16 or len(state) < 9:
            raise ProtocolError(
                f"AC companion reported model {ac_model!r} and state {state!r}, "
                "shorter than their formats"
            )
        marks: dict[str, Raw] = {
            name: state[start:end] for name, (start, end) in STATE_SPANS.items()
        }
        try:
            marks["tt"] = int(state[6:8], 16)  # a number until formatted
        except ValueError:
            raise ProtocolError(f"AC companion state {state!r}: no target temperature") from None
        marks.update(changes)
        prefix = ac_model[0:2] + ac_model[8:16]
        template = self.by_prefix.get(prefix)
        if str(marks["po"]) == "0" and template is not None and template.off is not None:
            return prefix + template.off
        chosen = template or self.by_prefix[FALLBACK]
        target = int(marks["tt"])
        text = prefix + chosen.base
        for name in ("po", "mo", "wi", "sw"):
            text = text.replace(f"[{name}]", str(marks[name]))
        text = text.replace("[tt]", format(target, "X")).replace("[li]", str(marks["li"]))
        for mark, offset in (("tt1", 1), ("tt4", 4), ("tt7", 7)):
            text = text.replace(f"[{mark}]", format((offset + target - 17) % 16, "X"))
        return text + ac_model[-1:]


@dataclass(frozen=True, slots=True)
class CompanionCommand:
    """``{configure: 0, mo: {param: mode, table: {...}}}`` in a command's params: the
    configuration string for the AC model and state in the reply to call 0, with the
    named markers changed."""

    step: int
    changes: tuple[tuple[str, Raw | ParamRef], ...]
    templates: CompanionTemplates

    def resolve(self, params: Mapping[str, Value], replies: Sequence[object], *, model: str) -> str:
        """The string to send, once call `step` has answered."""
        reply = replies[self.step] if self.step < len(replies) else None
        if (
            not isinstance(reply, list)
            or len(reply) < 2
            or not isinstance(reply[0], str)
            or not isinstance(reply[1], str)
        ):
            raise ProtocolError(
                f"{model}: get_model_and_state answered {reply!r}, not [AC model, state, ...]"
            )
        changes = {
            name: value.resolve(params) if isinstance(value, ParamRef) else value
            for name, value in self.changes
        }
        return self.templates.command(reply[0], reply[1], changes)
