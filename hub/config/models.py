"""The config file's schema. Every section has defaults, so an empty file is a valid hub."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from hub.config.types import DiscoveryTarget, Duration, HostName, ListenAddress, WebOrigin
from hub.timezone import named_zone

_TOKEN = re.compile(r"^[0-9a-fA-F]{32}$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApiConfig(_Section):
    listen: ListenAddress = "127.0.0.1:8321"
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    #: Names browsers may reach the hub by, besides its addresses, localhost and
    #: this machine's own names (a reverse proxy's name, a DNS alias).
    allowed_hosts: tuple[HostName, ...] = ()
    #: Origins whose pages may use the API besides the hub's own.
    allowed_origins: tuple[WebOrigin, ...] = ()


class MqttConfig(_Section):
    #: mqtt://[user:pass@]host[:port]; absent: the hub starts its embedded broker.
    url: str | None = None
    zigbee2mqtt_topic: str = "zigbee2mqtt"
    mirror_topic: str = "mihub"
    embedded_listen: ListenAddress = "127.0.0.1:1883"
    #: Devices adopted from one Zigbee2MQTT device list at most; the rest are left out
    #: with a warning (a runaway list must not fill the registry).
    zigbee2mqtt_max_devices: int = Field(default=2000, ge=1, le=100_000)
    #: The largest MQTT packet the embedded broker takes and the hub's client keeps
    #: (16 MiB: a Zigbee2MQTT device list of about 4,000 devices; see
    #: drivers/mqtt/packet_limit.py).
    max_packet_bytes: int = Field(default=16 << 20, ge=64 << 10, le=256 << 20)

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^mqtts?://[^/\s]+$", value):
            raise ValueError("use mqtt://host:port or mqtts://host:port (user:password@ allowed)")
        return value


class DeviceConfig(_Section):
    name: str
    address: str
    token: SecretStr
    model: str | None = None
    room: str | None = None
    #: What people call it in sentences ("小加", "Bedroom mist"); see `intents`.
    aliases: list[str] = Field(default_factory=list)

    @field_validator("name")
    @classmethod
    def _check_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(
                "a device name is lower-case letters, digits and underscores, e.g. bedroom_humidifier"
            )
        return value

    @field_validator("address")
    @classmethod
    def _check_address(cls, value: str) -> str:
        try:
            return str(ipaddress.IPv4Address(value))
        except ValueError:
            raise ValueError(f"{value!r} is not an IPv4 address") from None

    @field_validator("token", mode="before")
    @classmethod
    def _token_is_text(cls, value: object) -> object:
        # YAML reads an all-digit token as a number and drops its leading zeros.
        if not isinstance(value, str | SecretStr):
            raise ValueError('a device token is 32 hexadecimal characters; quote it: token: "..."')
        return value

    @field_validator("token")
    @classmethod
    def _check_token(cls, value: SecretStr) -> SecretStr:
        # Never echo the value: it is a secret even when it is wrong.
        if not _TOKEN.match(value.get_secret_value()):
            raise ValueError("a device token is 32 hexadecimal characters")
        return SecretStr(value.get_secret_value().lower())


class DiscoveryConfig(_Section):
    targets: list[DiscoveryTarget] = Field(default_factory=list)
    interval: Duration = 300.0
    #: Browse for devices announcing `_miio._udp.local.`; multicast, so opt-in.
    mdns: bool = False
    #: Interface addresses to browse on (empty: every interface).
    mdns_interfaces: list[str] = Field(default_factory=list)
    #: How long each browse listens for announcements.
    mdns_window: Duration = 3.0
    hello_timeout: Duration = 1.0
    tokens_file: Path | None = None


class PollingConfig(_Section):
    #: Per-family poll interval overrides, e.g. {vacuum: 10s, plug: 1m}; the family's own default otherwise.
    intervals: dict[str, Duration] = Field(default_factory=dict)
    #: Polls missed in a row before a device is marked unavailable.
    unavailable_after: int = Field(default=3, ge=1, le=100)
    #: Longest wait between polls of an unavailable device.
    max_backoff: Duration = 300.0


class ScenesConfig(_Section):
    #: Scene files (one per file); defaults to <data_dir>/scenes.
    directory: Path | None = None
    #: Also run the shipped routines (morning_wake, humidity_guard...), written for the demo home's names.
    builtin: bool = False


class MaintenanceConfig(_Section):
    lead_days: int = Field(default=14, ge=1, le=365)
    floor_percent: float = Field(default=10.0, ge=0, le=100)
    store_base_url: str = "https://www.mi.com/global/"
    catalog: dict[str, dict[str, dict[str, object]]] = Field(default_factory=dict)
    speaker: str | None = None

    @field_validator("store_base_url")
    @classmethod
    def _check_store(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
            raise ValueError("store_base_url must be an http(s) URL")
        return value if value.endswith("/") else value + "/"


class MiotConfig(_Section):
    #: MIoT spec files (miot-spec-v2 instance JSON, one per model); default <data_dir>/miot-specs.
    spec_dir: Path | None = None
    #: Where `mihub spec fetch` downloads specs from; nothing else ever contacts it.
    spec_service_url: str = "https://miot-spec.org"

    @field_validator("spec_service_url")
    @classmethod
    def _check_service(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
            raise ValueError("spec_service_url must be an http(s) URL")
        return value.rstrip("/")


IntentLanguage = Literal["zh", "en", "zh-TW", "zh-HK"]


def _default_languages() -> list[IntentLanguage]:
    return ["zh", "en"]


class IntentAliasesConfig(_Section):
    #: Device name -> what people call it, for any device (Zigbee ones too).
    devices: dict[str, list[str]] = Field(default_factory=dict)
    #: Room -> its names ("bedroom": ["主卧", "master bedroom"]).
    rooms: dict[str, list[str]] = Field(default_factory=dict)
    #: Scene id -> its names ("morning_wake": ["早安", "good morning"]).
    scenes: dict[str, list[str]] = Field(default_factory=dict)


class IntentsConfig(_Section):
    #: Sentence languages to load; each costs memory (benchmarks/intents.py measures it).
    languages: list[IntentLanguage] = Field(default_factory=_default_languages, min_length=1)
    #: A sentence may unlock a lock only when this is true.
    allow_unlock: bool = False
    #: Families a sentence may open (or set to a position above 0): curtains by default;
    #: a garage door, gate or window opener only when listed here.
    allow_open: list[str] = Field(default_factory=lambda: ["curtain"])
    #: A speaker that says every reply aloud (a device name), e.g. kitchen_speaker.
    speaker: str | None = None
    aliases: IntentAliasesConfig = Field(default_factory=IntentAliasesConfig)

    @field_validator("languages")
    @classmethod
    def _unique_languages(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value


class StorageConfig(_Section):
    #: Defaults to $XDG_DATA_HOME/mihub (or ~/.local/share/mihub).
    data_dir: Path | None = None
    history_days: float = Field(default=30.0, gt=0)
    batch_window: Duration = 0.25


class LoggingConfig(_Section):
    level: Literal["debug", "info", "warning", "error"] = "info"
    #: Per-logger levels, e.g. {"drivers.miio": "debug"}.
    loggers: dict[str, Literal["debug", "info", "warning", "error"]] = Field(default_factory=dict)


class HubConfig(_Section):
    #: IANA name (e.g. Europe/Berlin) scene times and maintenance days are counted in;
    #: absent: the system's zone (TZ, /etc/localtime).
    time_zone: str | None = None
    api: ApiConfig = Field(default_factory=ApiConfig)
    mqtt: MqttConfig = Field(default_factory=MqttConfig)
    devices: list[DeviceConfig] = Field(default_factory=list)
    #: Rooms by device name, Zigbee friendly name, ieee address (0x...), did or device id;
    #: for every transport (Zigbee2MQTT has no rooms). A token file's rooms count too.
    rooms: dict[str, str] = Field(default_factory=dict)
    discovery: DiscoveryConfig = Field(default_factory=DiscoveryConfig)
    polling: PollingConfig = Field(default_factory=PollingConfig)
    scenes: ScenesConfig = Field(default_factory=ScenesConfig)
    maintenance: MaintenanceConfig = Field(default_factory=MaintenanceConfig)
    miot: MiotConfig = Field(default_factory=MiotConfig)
    intents: IntentsConfig = Field(default_factory=IntentsConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)

    @field_validator("time_zone")
    @classmethod
    def _check_time_zone(cls, value: str | None) -> str | None:
        if value is not None:
            named_zone(value)  # UnknownTimeZone is a ValueError: a located config error
        return value

    @model_validator(mode="after")
    def _unique_devices(self) -> HubConfig:
        names: set[str] = set()
        addresses: set[str] = set()
        for device in self.devices:
            if device.name in names:
                raise ValueError(f"two devices are named {device.name!r}")
            if device.address in addresses:
                raise ValueError(f"two devices have the address {device.address}")
            names.add(device.name)
            addresses.add(device.address)
        return self
