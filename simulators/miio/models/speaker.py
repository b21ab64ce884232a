"""xiaomi.wifispeaker.lx06 (Xiao AI Speaker Pro), MIoT; remembers what it was told to say."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Final

from simulators.miio.miot import (
    BOOL,
    INT,
    RW,
    STR,
    Access,
    MiotAction,
    MiotDevice,
    MiotProperty,
    MiotSpec,
)

# siid/piid/aiid from miot-spec.org urn:miot-spec-v2:device:speaker:0000A015:xiaomi-lx06:2,
# as transcribed in homebridge-miot (merdok) devices/speaker/XiaomiWifispeakerLx06.js;
# play-text [5,1] and wake-up [5,3] agree with idootop/mi-gpt docs/compatibility.md.
SPEC: Final = MiotSpec(
    model="xiaomi.wifispeaker.lx06",
    source="miot-spec xiaomi-lx06:2 via homebridge-miot XiaomiWifispeakerLx06.js",
    properties=(
        MiotProperty("volume", 2, 1, INT, RW, minimum=6, maximum=100),
        MiotProperty("mute", 2, 2, BOOL, RW),
        # The spec gives playing-state notify access only: reads answer -4001.
        MiotProperty("playing_state", 3, 1, INT, Access.NOTIFY, choices=(0, 1, 2)),
        MiotProperty("microphone_mute", 4, 1, BOOL, RW),
        MiotProperty("text_content", 5, 1, STR, Access(0)),
        MiotProperty("silent_execution", 5, 2, BOOL, Access(0)),
        MiotProperty("sleep_mode", 5, 3, BOOL, RW),
        MiotProperty("audio_id", 5, 4, STR, Access.READ | Access.NOTIFY),
    ),
    actions=(
        MiotAction("play", 3, 1, "_play"),
        MiotAction("pause", 3, 2, "_pause"),
        MiotAction("next", 3, 3, "_next"),
        MiotAction("previous", 3, 4, "_next"),
        MiotAction("play_text", 5, 1, "_play_text", inputs=(1,)),
        MiotAction("play_music", 5, 2, "_play_music"),
        MiotAction("wake_up", 5, 3, "_wake_up"),
        MiotAction("play_radio", 5, 4, "_play_music"),
        MiotAction("execute_text_directive", 5, 5, "_execute_text", inputs=(1, 2)),
        MiotAction("stop_alarm", 6, 1, "_stop_alarm"),
    ),
)

STOPPED, PLAYING, PAUSED = 0, 1, 2
PLAYING_NAMES: Final = {STOPPED: "stopped", PLAYING: "playing", PAUSED: "paused"}
# Each spoken or performed utterance is kept for the control API; bounded.
SPOKEN_LOG_SIZE: Final = 1_000


@dataclass(frozen=True, slots=True)
class Utterance:
    at: float
    text: str
    kind: str  # "say" (play-text) or "directive" (execute-text-directive)


class Speaker(MiotDevice):
    model: ClassVar[str] = "xiaomi.wifispeaker.lx06"
    family: ClassVar[str] = "speaker"
    firmware_version: ClassVar[str] = "1.54.8"
    hardware_version: ClassVar[str] = "LX06"
    SPEC = SPEC
    INITIAL: ClassVar[dict[str, Any]] = {
        "volume": 40,
        "mute": False,
        "playing_state": STOPPED,
        "microphone_mute": False,
        "sleep_mode": False,
        "audio_id": "",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spoken: list[Utterance] = []
        self.wake_ups = 0
        self.tracks_started = 0

    def _remember(self, text: str, kind: str) -> None:
        self.spoken.append(Utterance(self.clock.time(), text, kind))
        del self.spoken[:-SPOKEN_LOG_SIZE]

    def _play_text(self, arguments: list[Any]) -> list[Any]:
        text = arguments[0]
        if not isinstance(text, str) or not text:
            raise ValueError("play-text takes one non-empty string")
        self._remember(text, "say")
        return []

    def _execute_text(self, arguments: list[Any]) -> list[Any]:
        text, silent = arguments
        if not isinstance(text, str) or not isinstance(silent, bool | int):
            raise ValueError("execute-text-directive takes a string and a flag")
        self._remember(text, "directive")
        return []

    def _wake_up(self, arguments: list[Any]) -> list[Any]:
        del arguments
        self.wake_ups += 1
        return []

    def _play_music(self, arguments: list[Any]) -> list[Any]:
        del arguments
        self.tracks_started += 1
        self.values["playing_state"] = PLAYING
        self.values["audio_id"] = f"sim-track-{self.tracks_started}"
        return []

    def _play(self, arguments: list[Any]) -> list[Any]:
        del arguments
        self.values["playing_state"] = PLAYING
        return []

    def _pause(self, arguments: list[Any]) -> list[Any]:
        del arguments
        if self.values["playing_state"] == PLAYING:
            self.values["playing_state"] = PAUSED
        return []

    def _next(self, arguments: list[Any]) -> list[Any]:
        del arguments
        self.tracks_started += 1
        self.values["audio_id"] = f"sim-track-{self.tracks_started}"
        return []

    def _stop_alarm(self, arguments: list[Any]) -> list[Any]:
        del arguments
        return []

    def state(self) -> dict[str, Any]:
        state = super().state()
        state["playing"] = PLAYING_NAMES[self.values["playing_state"]]
        state["wake_ups"] = self.wake_ups
        state["spoken"] = [
            {"at": item.at, "text": item.text, "kind": item.kind} for item in self.spoken[-50:]
        ]
        return state
