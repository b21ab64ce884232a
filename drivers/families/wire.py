"""The pieces model maps are built from: wire requests, value codecs, parameter references.

A `ValueCodec` turns one wire value into one normalised attribute value and
back: enum tables, unit scaling (`divisor`), rounding, inversion, and a window
of valid raw values. Decoding never raises; it returns (see `hub.state`):

- the attribute's value;
- None when the device says "unknown": null, a raw value outside the codec's
  valid window (a tank that is not there), an enum code or choice the table
  does not know (like aioesphomeapi's unknown enum values);
- `Invalid` when the value cannot be this attribute: the wrong type, NaN or
  infinity, a number too large for any range, or outside a read-only
  attribute's min..max (humidity -500 %). The state store keeps the last good
  value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from drivers.families.spec import AttributeSpec, Value, ValueType
from hub.errors import ProtocolError
from hub.state import Invalid

# A value as the device sends it: JSON scalars.
Raw: TypeAlias = bool | int | float | str
#: What decoding one wire value gives.
Decoded: TypeAlias = Value | Invalid | None
#: Integers past 64 bits are no reading of any attribute (JSON's are unbounded).
_INT_LIMIT = 1 << 63
#: How far past its min..max (as a share of the span) a reading may go before it is
#: refused: offsets and calibration push real sensors a little past 0-100 %.
REPORT_SLACK = 0.1


@dataclass(frozen=True, slots=True)
class WireRequest:
    """One request for the miio transport: a method and its JSON params."""

    method: str
    params: list[Any] | dict[str, Any] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ParamRef:
    """A command parameter's value inside a wire template, optionally through a table."""

    name: str
    # Normalised value -> wire value; empty: the value goes through unchanged
    # (or through the codec of the property it is written to).
    table: tuple[tuple[Value, Raw], ...] = ()

    def resolve(self, params: Mapping[str, Value]) -> Raw:
        """The wire value for the (already validated) `params`."""
        value = params[self.name]
        for normal, raw in self.table:
            if _same(normal, value):
                return raw
        if self.table:
            # validate_command limits the parameter to the table's keys; reaching
            # here means the model table and the family spec disagree.
            raise LookupError(f"no wire value for {self.name}={value!r}")
        return value


@dataclass(frozen=True, slots=True)
class ReplyRef:
    """A value from the reply to an earlier call of the same command.

    Viomi vacuums take their edge-cleaning flag with every start, pause and stop:
    python-miio reads it (``get_prop ["mode"]`` -> ``[2]``) and sends it back
    (``set_mode_withroom [2, 1, 0]``); ``{reply: 0, index: 0}`` is that 2.
    """

    step: int
    index: int

    def resolve(self, replies: Sequence[object], *, model: str, method: str) -> Raw:
        """The value in `replies` (the earlier calls' results, in order)."""
        reply = replies[self.step] if self.step < len(replies) else None
        if not isinstance(reply, list) or len(reply) <= self.index:
            raise ProtocolError(
                f"{model}: {method} needs item {self.index} of the reply to call "
                f"{self.step} of the command, which answered {reply!r}"
            )
        value = reply[self.index]
        if isinstance(value, bool | int | float | str):
            return value
        # python-miio would send a null back; the hub refuses rather than guess.
        raise ProtocolError(
            f"{model}: {method} needs item {self.index} of the reply to call {self.step} "
            f"of the command, which is {value!r}"
        )


def _is_exactly(kind: ValueType, value: object) -> bool:
    """Whether `value` already is of `kind` (tables hold values, not spellings of them)."""
    if kind is ValueType.BOOL:
        return isinstance(value, bool)
    if kind is ValueType.INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is ValueType.FLOAT:
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


def _same(a: object, b: object) -> bool:
    # True == 1 in Python; a wire table must not confuse them.
    return a == b and isinstance(a, bool) == isinstance(b, bool)


@dataclass(frozen=True, slots=True)
class ValueCodec:
    """How one wire value maps onto one attribute."""

    attribute: AttributeSpec
    # Wire value -> normalised value. Values missing from a non-empty table decode to None.
    table: tuple[tuple[Raw, Value], ...] = ()
    # Wire value / divisor = attribute value (mm² -> m²: 1e6; s -> h: 3600).
    divisor: float | None = None
    decimals: int | None = None
    invert: bool = False
    # Raw values outside this window mean "unknown" (a tank that is not there).
    valid_min: float | None = None
    valid_max: float | None = None
    clamp: bool = False
    # One bit of an integer bit mask (0 is the lowest): the state of one relay of many.
    bit: int | None = None
    # Characters [start, end) of a string value, and the base the text is a number in
    # (16: hex): the AC companions pack their whole state in one hex string.
    span: tuple[int, int] | None = None
    base: int | None = None

    def __post_init__(self) -> None:
        attr = self.attribute
        if self.span is not None and not 0 <= self.span[0] < self.span[1]:
            raise ValueError(f"attribute {attr.name}: span must be [start, end) with start < end")
        if self.base is not None and not 2 <= self.base <= 36:
            raise ValueError(f"attribute {attr.name}: base must be 2 to 36")
        if self.bit is not None:
            if attr.type is not ValueType.BOOL:
                raise ValueError(f"attribute {attr.name}: bit needs a bool attribute")
            if not 0 <= self.bit < 64:
                raise ValueError(f"attribute {attr.name}: bit must be 0 to 63")
            if self.table or self.invert:
                raise ValueError(f"attribute {attr.name}: use bit alone")
        if self.table:
            for _, normal in self.table:
                if not _is_exactly(attr.type, normal) or (
                    attr.type is ValueType.ENUM and normal not in attr.choices
                ):
                    raise ValueError(
                        f"attribute {attr.name}: table value {normal!r} is not "
                        f"{attr.describe_range()}"
                    )
            raws = [raw for raw, _ in self.table]
            for i, raw in enumerate(raws):
                if any(_same(raw, other) for other in raws[:i]):
                    raise ValueError(f"attribute {attr.name}: wire value {raw!r} listed twice")
        numeric = attr.type in (ValueType.INT, ValueType.FLOAT)
        if (self.divisor is not None or self.decimals is not None or self.clamp) and not numeric:
            raise ValueError(
                f"attribute {attr.name}: divisor/decimals/clamp need a numeric attribute"
            )
        if self.divisor is not None and self.divisor == 0:
            raise ValueError(f"attribute {attr.name}: divisor must not be 0")
        if self.invert and attr.type is not ValueType.BOOL:
            raise ValueError(f"attribute {attr.name}: invert needs a bool attribute")
        if self.table and (self.divisor is not None or self.invert):
            raise ValueError(f"attribute {attr.name}: use a table or scaling, not both")

    def decode(self, raw: object) -> Decoded:
        """The attribute value for wire value `raw`: None when unknown, `Invalid` when bad."""
        if raw is None:
            return None
        if self.span is not None or self.base is not None:
            raw = self._unpack(raw)
            if raw is None:
                return None
        if self.bit is not None:
            if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
                return None
            return bool((raw >> self.bit) & 1)
        if self.table:
            return next((normal for wire, normal in self.table if _same(wire, raw)), None)
        if self.valid_min is not None or self.valid_max is not None:
            if isinstance(raw, bool) or not isinstance(raw, int | float):
                return self._invalid(raw)
            if (self.valid_min is not None and raw < self.valid_min) or (
                self.valid_max is not None and raw > self.valid_max
            ):
                return None
        if self.invert:
            return (not raw) if isinstance(raw, bool) else self._invalid(raw)
        return self._decode_number(raw) if self._numeric else self._decode_plain(raw)

    def _invalid(self, raw: object) -> Invalid:
        return Invalid(raw, f"{self.attribute.name} must be {self.attribute.describe_range()}")

    def _unpack(self, raw: object) -> Raw | None:
        """The piece of a packed string this codec reads, as text or as a number."""
        if not isinstance(raw, str):
            return None
        text = raw
        if self.span is not None:
            start, end = self.span
            text = raw[start:end]
            if len(text) != end - start:
                return None  # a state string shorter than its format
        if self.base is None:
            return text
        try:
            return int(text, self.base)
        except ValueError:
            return None

    @property
    def _numeric(self) -> bool:
        return self.attribute.type in (ValueType.INT, ValueType.FLOAT)

    def _decode_plain(self, raw: object) -> Decoded:
        attr = self.attribute
        if attr.type is ValueType.ENUM:
            # An enum without a table carries its choices on the wire (Zigbee2MQTT);
            # a choice it does not list is unknown, not wrong.
            if not isinstance(raw, str):
                return self._invalid(raw)
            return raw if raw in attr.choices else None
        if attr.type is ValueType.BOOL:
            return raw if isinstance(raw, bool) else self._invalid(raw)
        return raw if isinstance(raw, str) else self._invalid(raw)

    def _decode_number(self, raw: object) -> Decoded:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            return self._invalid(raw)
        attr = self.attribute
        if isinstance(raw, int) and attr.type is ValueType.INT and self.divisor is None:
            # Exact, however large: JSON integers are unbounded, readings are not.
            if not -_INT_LIMIT < raw < _INT_LIMIT:
                return self._invalid(raw)
            return self._in_range(self._clamped_int(raw), raw)
        try:
            number = float(raw)
        except OverflowError:
            return self._invalid(raw)
        if not math.isfinite(number):
            return self._invalid(raw)
        if self.divisor is not None:
            number = number / self.divisor
        if self.clamp:
            if attr.min is not None:
                number = max(number, attr.min)
            if attr.max is not None:
                number = min(number, attr.max)
        if attr.type is ValueType.INT:
            # Truncation, as the vendor apps (and python-miio) show these values.
            if not -_INT_LIMIT < number < _INT_LIMIT:
                return self._invalid(raw)
            return self._in_range(int(number), raw)
        if self.decimals is not None:
            number = round(number, self.decimals)
        return self._in_range(float(number), raw)

    def _in_range(self, value: int | float, raw: object) -> Decoded:
        """`value` when a reading's min..max (give or take `REPORT_SLACK`) allow it, else `Invalid`.

        Only read-only attributes: their limits are physical (humidity 0-100 %). A
        writable one's limits say what a command may set, and devices report more
        (a purifier's favorite level 17 where the hub sets 0-14).
        """
        attr = self.attribute
        if attr.writable:
            return value
        low, high = attr.min, attr.max
        if low is not None and high is not None:
            # A calibrated sensor may read 100.4 %; -500 % is no reading at all.
            slack = (high - low) * REPORT_SLACK
            low, high = low - slack, high + slack
        if (low is not None and value < low) or (high is not None and value > high):
            return self._invalid(raw)
        return value

    def _clamped_int(self, raw: int) -> int:
        attr = self.attribute
        if self.clamp:
            if attr.min is not None and raw < attr.min:
                return int(attr.min)
            if attr.max is not None and raw > attr.max:
                return int(attr.max)
        return raw

    def encode(self, value: Value) -> Raw:
        """The wire value for normalised `value` (already validated against the attribute)."""
        if self.bit is not None:
            # One bit cannot be written alone: the device takes a command per relay.
            raise LookupError(f"attribute {self.attribute.name}: a bit of a mask is read-only")
        if self.span is not None or self.base is not None:
            # A piece of a packed state is rewritten whole, by the device's own command.
            raise LookupError(f"attribute {self.attribute.name}: a packed value is read-only")
        if self.table:
            for raw, normal in self.table:
                if _same(normal, value):
                    return raw
            raise LookupError(f"attribute {self.attribute.name}: no wire value for {value!r}")
        if self.invert and isinstance(value, bool):
            return not value
        if self.divisor is not None and isinstance(value, int | float):
            scaled = value * self.divisor
            if isinstance(value, int) or float(scaled).is_integer():
                return round(scaled)
            return scaled
        return value
