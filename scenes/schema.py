"""The scene file's shape, validated by pydantic (what people write in YAML).

Triggers and conditions are tagged by `type:`; actions by their one key
(`call:`, `delay:`, `wait:`, `choose:`, `parallel:`, `notify:`, `scene:`).
Values here are only checked for shape; whether `bedroom_sensor.humidity`
exists and `set_target_humidity` takes `humidity: 55` is checked against the
registry and the family specs by `scenes.checks`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    field_validator,
    model_validator,
)

from hub.config.types import Duration
from scenes.cron import CronSchedule

#: Scene ids (and file names): lower-case letters, digits and underscores.
SLUG = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
_DEVICE = r"[A-Za-z0-9_:\-]+"
_ENTITY = re.compile(rf"^({_DEVICE})\.([a-z][a-z0-9_]*)$")

#: Days as written in files, Monday first (`datetime.weekday()` order).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Mode = Literal["single", "restart", "queued", "parallel"]
#: Runs allowed at once (parallel) or waiting (queued) when a scene gives no `max`.
DEFAULT_MAX_RUNS = 10
ACTION_KINDS = ("call", "delay", "wait", "choose", "parallel", "notify", "scene")


def _slug(value: object) -> object:
    if isinstance(value, str) and not SLUG.match(value):
        raise ValueError("use lower-case letters, digits and underscores, e.g. humidity_guard")
    return value


def _entity(value: object) -> object:
    if isinstance(value, str) and not _ENTITY.match(value):
        raise ValueError(f"{value!r} is not DEVICE.ATTRIBUTE (for example bedroom_sensor.humidity)")
    return value


def _time_of_day(value: object) -> dt.time:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 7:30 as the base-60 number 450.
        raise ValueError('write times of day in quotes, e.g. "07:30"')
    if isinstance(value, dt.time):
        return value
    match = _TIME.match(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f'{value!r} is not a time of day like "07:30" or "23:00:15"')
    hour, minute, second = match.groups()
    return dt.time(int(hour), int(minute), int(second or 0))


def _cron(value: object) -> object:
    if isinstance(value, str):
        CronSchedule.parse(value)  # raises ValueError saying which field is wrong
    return value


def _topic(value: object) -> object:
    if isinstance(value, str):
        levels = value.split("/")
        if not value or any(
            ("#" in lv and lv != "#") or ("+" in lv and lv != "+") for lv in levels
        ):
            raise ValueError(f"{value!r} is not an MQTT topic filter (+ and # stand alone)")
        if "#" in levels[:-1]:
            raise ValueError("# may only be the last level of a topic filter")
    return value


def _scalar(value: object) -> object:
    if not isinstance(value, bool | int | float | str):
        raise ValueError("must be one value: true/false, a number or a text")
    return value


def _number(value: object) -> object:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, not {value!r}")
    return value


Slug = Annotated[str, BeforeValidator(_slug)]
Entity = Annotated[str, BeforeValidator(_entity)]
TimeOfDay = Annotated[dt.time, BeforeValidator(_time_of_day)]
#: A value as written in YAML; coerced to the attribute's type by `scenes.checks`.
Scalar = Annotated[StrictBool | StrictInt | StrictFloat | StrictStr, BeforeValidator(_scalar)]
Number = Annotated[StrictInt | StrictFloat, BeforeValidator(_number)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def split_entity(entity: str) -> tuple[str, str]:
    """`bedroom_sensor.humidity` → (`bedroom_sensor`, `humidity`)."""
    device, _, attribute = entity.rpartition(".")
    return device, attribute


# -- triggers -------------------------------------------------------------------------


class _Trigger(_Model):
    #: Names the trigger for `type: trigger` conditions and in traces.
    id: Slug | None = None


class StateTrigger(_Trigger):
    type: Literal["state"]
    entity: Entity
    to: Scalar | None = None
    from_: Scalar | None = Field(default=None, alias="from")
    for_: Duration | None = Field(default=None, alias="for")


class NumericTrigger(_Trigger):
    type: Literal["numeric"]
    entity: Entity
    above: Number | None = None
    below: Number | None = None
    for_: Duration | None = Field(default=None, alias="for")
    hysteresis: Number = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _bounds(self) -> NumericTrigger:
        if self.above is None and self.below is None:
            raise ValueError("give above:, below: or both")
        if self.above is not None and self.below is not None and self.above >= self.below:
            raise ValueError(f"above ({self.above}) must be lower than below ({self.below})")
        return self


class TimeTrigger(_Trigger):
    type: Literal["time"]
    at: TimeOfDay
    weekdays: list[Weekday] | None = None


class CronTrigger(_Trigger):
    type: Literal["cron"]
    expression: Annotated[str, BeforeValidator(_cron)]


class EventTrigger(_Trigger):
    type: Literal["event"]
    device: str
    event: Slug


class MqttTrigger(_Trigger):
    type: Literal["mqtt"]
    topic: Annotated[str, BeforeValidator(_topic)]
    payload: str | None = None


class ManualTrigger(_Trigger):
    type: Literal["manual"]


def _type_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        kind = value.get("type")
        return kind if isinstance(kind, str) else None
    return getattr(value, "type", None)


_TRIGGER_TYPES = ("state", "numeric", "time", "cron", "event", "mqtt", "manual")

Trigger = Annotated[
    Annotated[StateTrigger, Tag("state")]
    | Annotated[NumericTrigger, Tag("numeric")]
    | Annotated[TimeTrigger, Tag("time")]
    | Annotated[CronTrigger, Tag("cron")]
    | Annotated[EventTrigger, Tag("event")]
    | Annotated[MqttTrigger, Tag("mqtt")]
    | Annotated[ManualTrigger, Tag("manual")],
    Discriminator(
        _type_tag,
        custom_error_type="trigger_type",
        custom_error_message="type must be one of: " + ", ".join(_TRIGGER_TYPES),
    ),
]

# -- conditions ---------------------------------------------------------------------


class StateCondition(_Model):
    type: Literal["state"]
    entity: Entity
    is_: Scalar | list[Scalar] = Field(alias="is")
    for_: Duration | None = Field(default=None, alias="for")


class NumericCondition(_Model):
    type: Literal["numeric"]
    entity: Entity
    above: Number | None = None
    below: Number | None = None

    @model_validator(mode="after")
    def _bounds(self) -> NumericCondition:
        if self.above is None and self.below is None:
            raise ValueError("give above:, below: or both")
        return self


class TimeCondition(_Model):
    type: Literal["time"]
    after: TimeOfDay | None = None
    before: TimeOfDay | None = None
    weekdays: list[Weekday] | None = None

    @model_validator(mode="after")
    def _something(self) -> TimeCondition:
        if self.after is None and self.before is None and not self.weekdays:
            raise ValueError("give after:, before: or weekdays:")
        return self


class AndCondition(_Model):
    type: Literal["and"]
    conditions: list[Condition] = Field(min_length=1)


class OrCondition(_Model):
    type: Literal["or"]
    conditions: list[Condition] = Field(min_length=1)


class NotCondition(_Model):
    """Holds when none of its conditions hold."""

    type: Literal["not"]
    conditions: list[Condition] = Field(min_length=1)


class TriggerCondition(_Model):
    """Holds when the run was started by one of these trigger ids."""

    type: Literal["trigger"]
    id: Slug | list[Slug]


class WaitCondition(_Model):
    """Whether the last `wait` of this run ended by its timeout (or by its trigger)."""

    type: Literal["wait"]
    timed_out: bool


_CONDITION_TYPES = ("state", "numeric", "time", "and", "or", "not", "trigger", "wait")

Condition = Annotated[
    Annotated[StateCondition, Tag("state")]
    | Annotated[NumericCondition, Tag("numeric")]
    | Annotated[TimeCondition, Tag("time")]
    | Annotated[AndCondition, Tag("and")]
    | Annotated[OrCondition, Tag("or")]
    | Annotated[NotCondition, Tag("not")]
    | Annotated[TriggerCondition, Tag("trigger")]
    | Annotated[WaitCondition, Tag("wait")],
    Discriminator(
        _type_tag,
        custom_error_type="condition_type",
        custom_error_message="type must be one of: " + ", ".join(_CONDITION_TYPES),
    ),
]

# -- actions ------------------------------------------------------------------------


class CallAction(_Model):
    call: Annotated[str, BeforeValidator(_entity)]  # DEVICE.COMMAND
    params: dict[str, Scalar] = Field(default_factory=dict)
    timeout: Duration | None = None
    continue_on_error: bool = False


class DelayAction(_Model):
    delay: Duration


class WaitAction(_Model):
    wait: Trigger
    timeout: Duration | None = None
    continue_on_timeout: bool = True

    @field_validator("wait")
    @classmethod
    def _waitable(cls, value: Any) -> Any:
        if isinstance(value, ManualTrigger):
            raise ValueError("a wait cannot be for a manual trigger")
        return value


class ChooseOption(_Model):
    conditions: list[Condition] = Field(min_length=1)
    actions: list[Action] = Field(min_length=1)


class ChooseAction(_Model):
    choose: list[ChooseOption] = Field(min_length=1)
    default: list[Action] = Field(default_factory=list)


class ParallelAction(_Model):
    parallel: list[list[Action]] = Field(min_length=1)


class NotifyAction(_Model):
    notify: str = Field(min_length=1)
    #: A speaker device that says the message aloud too.
    speaker: str | None = None


class SceneAction(_Model):
    scene: Slug


def _action_tag(value: Any) -> str | None:
    keys = value.keys() if isinstance(value, dict) else type(value).model_fields
    return next((kind for kind in ACTION_KINDS if kind in keys), None)


Action = Annotated[
    Annotated[CallAction, Tag("call")]
    | Annotated[DelayAction, Tag("delay")]
    | Annotated[WaitAction, Tag("wait")]
    | Annotated[ChooseAction, Tag("choose")]
    | Annotated[ParallelAction, Tag("parallel")]
    | Annotated[NotifyAction, Tag("notify")]
    | Annotated[SceneAction, Tag("scene")],
    Discriminator(
        _action_tag,
        custom_error_type="action_kind",
        custom_error_message="an action is one of: " + ", ".join(ACTION_KINDS),
    ),
]

# -- the scene ----------------------------------------------------------------------


class SceneSpec(_Model):
    id: Slug
    name: str = Field(min_length=1)
    description: str = ""
    mode: Mode = "single"
    max: int | None = Field(default=None, ge=1, le=1000)
    enabled: bool = True
    triggers: list[Trigger] = Field(min_length=1)
    conditions: list[Condition] = Field(default_factory=list)
    actions: list[Action] = Field(min_length=1)

    @model_validator(mode="after")
    def _max_only_when_it_means_something(self) -> SceneSpec:
        if self.max is not None and self.mode not in ("queued", "parallel"):
            raise ValueError(f"max: only applies to queued and parallel scenes, not {self.mode}")
        return self

    @property
    def max_runs(self) -> int:
        return self.max or DEFAULT_MAX_RUNS


for _model in (AndCondition, OrCondition, NotCondition, ChooseOption, ChooseAction, ParallelAction):
    _model.model_rebuild()
SceneSpec.model_rebuild()

AnyTrigger = (
    StateTrigger | NumericTrigger | TimeTrigger | CronTrigger | EventTrigger | MqttTrigger
) | ManualTrigger
AnyCondition = (
    StateCondition
    | NumericCondition
    | TimeCondition
    | AndCondition
    | OrCondition
    | NotCondition
    | TriggerCondition
    | WaitCondition
)
AnyAction = (
    CallAction
    | DelayAction
    | WaitAction
    | ChooseAction
    | ParallelAction
    | NotifyAction
    | SceneAction
)
