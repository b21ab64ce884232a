"""Reply sentences, in the language of the sentence they answer (zh or en)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from drivers.families.spec import ParamSpec
from hub.intents.plan import Action, Plan, Problem
from hub.intents.understanding import Understood
from hub.intents.vocabulary import HomeWords, NameRef, base_language
from hub.registry import Device

#: What a command did, said of a device ({d}) and its params.
DONE: Final[dict[str, dict[str, str]]] = {
    "en": {
        "turn_on": "turned on {d}",
        "turn_off": "turned off {d}",
        "start": "started {d}",
        "stop": "stopped {d}",
        "pause": "paused {d}",
        "return_to_dock": "sent {d} back to its dock",
        "open": "opened {d}",
        "close": "closed {d}",
        "lock": "locked {d}",
        "unlock": "unlocked {d}",
        "set_position": "set {d} to {position}%",
        "set_target_temperature": "set {d} to {temperature}°C",
        "set_target_humidity": "set {d} to {humidity}% humidity",
        "set_speed": "set {d} speed to {speed}%",
        "set_volume": "set {d} volume to {volume}%",
        "set_brightness": "set {d} brightness to {brightness}%",
        "set_color_temp": "set {d} to {kelvin} K",
        "set_color": "set {d} colour to {color}",
        "play_music": "started music on {d}",
    },
    "zh": {
        "turn_on": "已打开{d}",
        "turn_off": "已关闭{d}",
        "start": "已启动{d}",
        "stop": "已停止{d}",
        "pause": "已暂停{d}",
        "return_to_dock": "已让{d}回去充电",
        "open": "已打开{d}",
        "close": "已关闭{d}",
        "lock": "已锁上{d}",
        "unlock": "已解锁{d}",
        "set_position": "已把{d}调到{position}%",
        "set_target_temperature": "已把{d}温度设为{temperature}度",
        "set_target_humidity": "已把{d}湿度设为{humidity}%",
        "set_speed": "已把{d}风速调到{speed}%",
        "set_volume": "已把{d}音量调到{volume}%",
        "set_brightness": "已把{d}亮度调到{brightness}%",
        "set_color_temp": "已把{d}色温调到{kelvin}K",
        "set_color": "已把{d}颜色设为{color}",
        "play_music": "{d}开始播放音乐",
    },
}
ATTRIBUTES: Final = {
    "en": {
        "humidity": "humidity", "temperature": "temperature",
        "target_humidity": "target humidity", "target_temperature": "target temperature",
        "battery": "battery", "aqi": "PM2.5", "volume": "volume", "brightness": "brightness",
        "position": "position", "water_level": "water level", "pressure": "pressure",
        "state": "state",
    },
    "zh": {
        "humidity": "湿度", "temperature": "温度", "target_humidity": "目标湿度",
        "target_temperature": "目标温度", "battery": "电量", "aqi": "PM2.5", "volume": "音量",
        "brightness": "亮度", "position": "位置", "water_level": "水位", "pressure": "气压",
        "state": "状态",
    },
}  # fmt: skip
PARAMS_ZH: Final = {
    "humidity": "湿度", "temperature": "温度", "position": "位置", "volume": "音量",
    "brightness": "亮度", "speed": "风速", "kelvin": "色温",
}  # fmt: skip
STATES: Final = {
    "en": {"on": "on", "off": "off", "open": "open", "closed": "closed",
           "locked": "locked", "unlocked": "unlocked"},
    "zh": {"on": "开着", "off": "关着", "open": "开着", "closed": "关着",
           "locked": "锁着", "unlocked": "没锁"},
}  # fmt: skip


class Replies:
    """Phrases for one language, naming things as `HomeWords` says them."""

    def __init__(self, words: HomeWords, said: Mapping[str, str] | None = None) -> None:
        self.words = words
        self.lang = base_language(words.language)
        #: Device name -> the words the sentence named it with ("小加", "卧室的加湿器"):
        #: a reply names a device as the person did.
        self.said: Mapping[str, str] = said or {}

    @property
    def zh(self) -> bool:
        return self.lang == "zh"

    def _join(self, items: Sequence[str], last_word: str | None = None) -> str:
        if self.zh:
            if last_word and len(items) > 1:
                return "、".join(items[:-1]) + last_word + items[-1]
            return "、".join(items)
        word = last_word or "and"
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + f" {word} " + items[-1]

    def _sentence(self, text: str) -> str:
        if self.zh:
            return text + "。"
        return text[:1].upper() + text[1:] + "."

    def label(self, device: Device) -> str:
        """The device as the sentence named it, else as `HomeWords.device_label` says it."""
        return self.said.get(device.name) or self.words.device_label(device)

    def device(self, device: Device) -> str:
        label = self.label(device)
        return label if self.zh else f"the {label}"

    # -- actions ----------------------------------------------------------------------------------

    def done(self, done: Sequence[Action], failed: Sequence[tuple[Action, str]]) -> str:
        parts: list[str] = []
        by_phrase: dict[tuple[str, tuple[tuple[str, Any], ...]], list[Device]] = {}
        for action in done:
            key = (action.command, tuple(sorted(action.params.items())))
            by_phrase.setdefault(key, []).append(action.device)
        for (command, params), devices in by_phrase.items():
            pattern = DONE[self.lang].get(command, "{d}: " + command)
            names = self._join([self.device(d) for d in devices])
            parts.append(pattern.format(d=names, **dict(params)))
        for action, error in failed:
            if self.zh:
                parts.append(f"{self.device(action.device)}没有执行成功（{error}）")
            else:
                parts.append(f"could not reach {self.device(action.device)} ({error})")
        if not parts:
            return self.nothing()
        return self._sentence("；".join(parts) if self.zh else "; ".join(parts))

    def scene(self, label: str, failed: str | None = None) -> str:
        if failed:
            return self._sentence(
                f"无法执行{label}场景：{failed}" if self.zh else f"could not run {label}: {failed}"
            )
        return self._sentence(f"已执行{label}场景" if self.zh else f"running {label}")

    def refused_too(self, refused: Sequence[Action]) -> str:
        names = self._join([self.device(a.device) for a in refused])
        if self.zh:
            return f"为了安全，没有打开{names}。"
        return f"For safety I left {names} as it was."

    # -- problems -----------------------------------------------------------------------------

    def problem(self, problem: Problem) -> str:
        family = self.words.family_label(problem.family)
        room = self.words.room_label(problem.room)
        if problem.kind == "ask":
            options = self._options(problem.devices)
            if self.zh:
                return f"哪个{family}：{self._join(options, '还是')}？"
            return f"Which {family}: {self._join(options, 'or')}?"
        if problem.kind == "none":
            attribute = problem.extra.get("attribute")
            if attribute:
                said = ATTRIBUTES[self.lang].get(attribute, attribute)
                where = room or ("家里" if self.zh else "the home")
                if self.zh:
                    return f"{where}没有能报告{said}的设备。"
                return f"Nothing in {where} reports the {said}."
            if self.zh:
                return f"{room or '家里'}没有{family}。"
            return f"There is no {family} in the {room}." if room else f"There is no {family}."
        if problem.kind == "cannot":
            names = self._join([self.device(d) for d in problem.devices[:3]])
            if self.zh:
                return f"{names}不支持这个操作。"
            return f"{names[:1].upper() + names[1:]} cannot do that."
        if problem.kind == "unlock":
            if self.zh:
                return "为了安全，不能用语音开锁（可在配置 intents.allow_unlock 中允许）。"
            return (
                "For safety I do not unlock doors from a sentence "
                "(intents.allow_unlock in the config allows it)."
            )
        if problem.kind == "open":
            names = self._join([self.device(d) for d in problem.devices[:3]])
            if self.zh:
                return f"为了安全，不能用语音打开{names}（可在配置 intents.allow_open 中允许）。"
            return (
                f"For safety I do not open {names} from a sentence "
                "(intents.allow_open in the config allows it)."
            )
        return self.nothing()

    def _options(self, devices: Sequence[Device]) -> list[str]:
        rooms = [self.words.room_label(d.room) for d in devices]
        if all(rooms) and len(set(rooms)) == len(rooms):
            return [r for r in rooms if r]
        return [self.label(d) for d in devices]

    def invalid(self, device: Device, message: str, param: ParamSpec | None = None) -> str:
        name = self.label(device)
        if self.zh:
            if param is not None and param.min is not None and param.max is not None:
                said = PARAMS_ZH.get(param.name, param.name)
                unit = param.unit or ""
                if param.values:  # a list, not a range (30、40……或80%)
                    *most, last = (f"{v:g}" for v in param.values)
                    listed = f"{'、'.join(most)}或{last}" if most else last
                    return f"{name}的{said}只能设为{listed}{unit}。"
                return f"{name}的{said}只能设为{param.min:g}到{param.max:g}{unit}。"
            return f"{name}不接受这个设置。"
        return f"The {name} cannot take that: {message}."

    def nothing(self) -> str:
        return "我不知道该怎么做。" if self.zh else "I am not sure what to do with that."

    def not_understood(self, text: str, unknown: Sequence[str], suggestions: Sequence[str]) -> str:
        if self.zh:
            out = f"抱歉，我没听懂“{text}”。"
            if unknown:
                out += "我不知道" + "、".join(f"“{u}”" for u in unknown) + "是什么。"
            if suggestions:
                out += "你可以说：" + "、".join(f"“{s}”" for s in suggestions) + "。"
            return out
        out = f'Sorry, I did not understand "{text}".'
        if unknown:
            out += " I do not know " + self._join([f'"{u}"' for u in unknown]) + "."
        if suggestions:
            out += " You could say: " + ", ".join(f'"{s}"' for s in suggestions) + "."
        return out

    # -- answers ------------------------------------------------------------------------------

    def value(self, attribute: str, readings: Sequence[tuple[Device, Any, str | None]],
              place: str | None) -> str:  # fmt: skip
        said = ATTRIBUTES[self.lang].get(attribute, attribute.replace("_", " "))
        known = [(d, v, u) for d, v, u in readings if v is not None]
        if not known:
            return self._sentence(f"还不知道{said}" if self.zh else f"the {said} is not known yet")
        if len(known) == 1:
            device, value, unit = known[0]
            shown = _shown(value, unit)
            where = self.words.room_label(place) if place else self.label(device)
            if self.zh:
                return f"{where}的{said}是{shown}。"
            return f"The {where} {said} is {shown}."
        items = [f"{self.label(d)} {_shown(v, u)}" for d, v, u in known]
        if self.zh:
            return f"{said}：" + "，".join(items) + "。"
        return f"{said[:1].upper() + said[1:]}: " + ", ".join(items) + "."

    def state(self, asked: str | None, results: Sequence[tuple[Device, str | None, bool]],
              response: str | None, named: bool) -> str:  # fmt: skip
        states = STATES[self.lang]
        if named or response in (None, "default", "one"):
            if len(results) > 1:
                # "Is the AC on?" with two: each one's state, not a question back.
                return self._each_state(results)
            device, actual, matches = results[0]
            name = self.device(device)
            if actual is None:
                return f"还不知道{name}的状态。" if self.zh else f"I do not know yet how {name} is."
            now = states.get(actual, actual)
            if asked is None:
                return f"{name}现在{now}。" if self.zh else self._sentence(f"{name} is {now}")
            if self.zh:
                return f"{'是的' if matches else '没有'}，{name}{now}。"
            return f"{'Yes' if matches else 'No'}, {name} is {now}."
        matching = [d for d, _, m in results if m]
        word = states.get(asked or "", asked or "")
        if not matching:
            return f"没有{word}的。" if self.zh else f"None is {word}."
        names = self._join([self.label(d) for d in matching])
        if response == "all" and len(matching) == len(results):
            return f"是的，都{word}。" if self.zh else f"Yes, all are {word}."
        if response == "how_many":
            count = len(matching)
            return f"{count}个{word}：{names}。" if self.zh else f"{count} {word}: {names}."
        return f"{names}{word}。" if self.zh else self._sentence(f"{names} {_is(matching)} {word}")

    def _each_state(self, results: Sequence[tuple[Device, str | None, bool]]) -> str:
        states = STATES[self.lang]
        parts = []
        for device, actual, _ in results:
            name = self.label(device)
            if actual is None:
                parts.append(f"还不知道{name}的状态" if self.zh else f"the {name} is not known yet")
            else:
                now = states.get(actual, actual)
                parts.append(f"{name}{now}" if self.zh else f"the {name} is {now}")
        return self._sentence("，".join(parts) if self.zh else ", ".join(parts))

    def consumables(self, due: Sequence[dict[str, Any]]) -> str:
        if not due:
            return "目前没有需要更换的耗材。" if self.zh else "No consumable needs replacing now."
        items = []
        for part in due:
            left = f"{part['remaining_percent']:.0f}%"
            days = part.get("days_left")
            if self.zh:
                when = f"，约{days:.0f}天" if days is not None else ""
                items.append(f"{part['device']}的{part['part']}（剩{left}{when}）")
            else:
                when = f", about {days:.0f} days" if days is not None else ""
                items.append(f"the {part['device']}'s {part['part']} ({left} left{when})")
        if self.zh:
            return f"有{len(items)}个耗材需要更换：" + "；".join(items) + "。"
        noun = "part needs" if len(items) == 1 else "parts need"
        return f"{len(items)} {noun} replacing: " + "; ".join(items) + "."


def _is(devices: Sequence[Device]) -> str:
    return "is" if len(devices) == 1 else "are"


def _shown(value: Any, unit: str | None) -> str:
    if isinstance(value, float):
        value = f"{value:.1f}".rstrip("0").rstrip(".")
    if unit in (None, ""):
        return str(value)
    return f"{value}{unit}" if unit in ("%", "°C") else f"{value} {unit}"


def said_names(understood: Understood, decided: Plan) -> dict[str, str]:
    """The words a sentence named its one device with, for the reply to use.

    "打开小加" -> "小加"; "打开卧室的加湿器" -> "卧室加湿器"; "turn on the humidifier in
    the bedroom" -> "bedroom humidifier". Only when the sentence meant one device and
    the plan is about exactly one: several devices are each named by their own label.
    """
    devices = {a.device.name for a in (*decided.actions, *decided.refused)}
    if decided.question is not None:
        devices |= {d.name for d in decided.question.devices}
    if decided.problem is not None and decided.problem.kind != "ask":
        devices |= {d.name for d in decided.problem.devices}
    if understood.scope != "one" or len(devices) != 1:
        return {}
    slots, said = understood.slots, understood.said
    if isinstance(slots.get("name"), NameRef):
        text = said.get("name", "")
    elif isinstance(slots.get("family"), str):
        text = said.get("family", "")
    else:
        return {}
    area = said.get("area", "")
    if text and area and area.casefold() not in text.casefold():
        text = area + text if base_language(understood.language) == "zh" else f"{area} {text}"
    return {devices.pop(): text} if text else {}
