"""Device token files: a JSON list of {token, did or address, name?, room?}.

The simulator's manifest is such a file, and so are the exports of the usual
token-extraction tools once reshaped. Zigbee entries (`ieee`, no token) carry
only a room: Zigbee2MQTT has none. `read_token_file` refuses a file with a bad
entry (the config's `discovery.tokens_file`); `read_token_entries` takes what
it can and says, per skipped entry, why (`mihub token import`).
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path

from hub.errors import ConfigError
from hub.registry import slugify


@dataclass(frozen=True, slots=True)
class TokenFileEntry:
    key: str  # 'did:<n>' or 'address:<ip>'
    token: str  # 32 lower-case hex chars
    name: str | None
    room: str | None
    address: str | None


def token_keys(device_id: str, address: str | None) -> list[str]:
    """The keys a miio token may be stored under, most specific first."""
    keys = [device_id, f"did:{device_id.partition(':')[2]}"]
    if address:
        keys.append(f"address:{address}")
    return keys


def normalise_token(value: str) -> str:
    """32 hex chars, lower-case; `ValueError` that never repeats the value."""
    text = value.strip().lower()
    if len(text) != 32 or any(c not in "0123456789abcdef" for c in text):
        raise ValueError("a device token is 32 hexadecimal characters")
    return text


@dataclass(frozen=True, slots=True)
class RoomEntry:
    """A room for a device that has no token (a Zigbee device), by `ieee:<address>` or
    `name:<name>`."""

    key: str
    room: str
    name: str | None


@dataclass(frozen=True, slots=True)
class NameEntry:
    """A token for a device named only by its name (no did, no address)."""

    index: int
    name: str
    token: str
    room: str | None


@dataclass(frozen=True, slots=True)
class SkippedEntry:
    index: int
    label: str  # what the entry names (its name, did or address), for people
    reason: str

    def describe(self) -> str:
        return f"[{self.index}] {self.label}: {self.reason}"


@dataclass(frozen=True, slots=True)
class TokenEntries:
    """Everything usable in a token file, and what was skipped with why."""

    tokens: list[TokenFileEntry]
    by_name: list[NameEntry]
    rooms: list[RoomEntry]
    skipped: list[SkippedEntry]


def _load_list(path: Path) -> list[object]:
    where = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("token file not found", path=where) from None
    except (OSError, ValueError) as err:
        raise ConfigError(f"not a readable JSON file: {err}", path=where) from None
    if not isinstance(data, list):
        raise ConfigError(
            "expected a JSON list of objects with token and did or address", path=where
        )
    return data


def read_token_entries(path: Path) -> TokenEntries:
    """Every usable entry of the file; a bad entry is skipped with its reason (never its
    token). `ConfigError` only when the file as a whole is unreadable."""
    return token_entries(_load_list(path))


def token_entries(data: list[object]) -> TokenEntries:
    """`read_token_entries` of an already parsed list (the API's import body)."""
    tokens: list[TokenFileEntry] = []
    by_name: list[NameEntry] = []
    rooms: list[RoomEntry] = []
    skipped: list[SkippedEntry] = []
    for index, item in enumerate(data):
        if not isinstance(item, dict):
            skipped.append(SkippedEntry(index, "?", "not an object"))
            continue
        label = _label(item)
        try:
            name = slugify(str(item["name"])) if item.get("name") else None
        except ValueError as err:
            skipped.append(SkippedEntry(index, label, str(err)))
            continue
        room = str(item["room"]) if item.get("room") else None
        if "token" not in item:
            if item.get("transport") == "zigbee" or "ieee" in item:
                key = f"ieee:{str(item['ieee']).lower()}" if item.get("ieee") else None
                key = key or (f"name:{name}" if name else None)
                if room and key:
                    rooms.append(RoomEntry(key, room, name))
                else:
                    skipped.append(SkippedEntry(index, label, "a Zigbee device with no room"))
            else:
                skipped.append(SkippedEntry(index, label, "has no token"))
            continue
        try:
            entry = _token_entry(index, item, name, room)
        except ValueError as err:
            skipped.append(SkippedEntry(index, label, str(err)))
            continue
        if isinstance(entry, NameEntry):
            by_name.append(entry)
        else:
            tokens.append(entry)
    return TokenEntries(tokens, by_name, rooms, skipped)


def _label(item: dict[str, object]) -> str:
    for field in ("name", "did", "address", "ieee"):
        if item.get(field) not in (None, ""):
            return str(item[field])[:64]
    return "?"


def _token_entry(
    index: int, item: dict[str, object], name: str | None, room: str | None
) -> TokenFileEntry | NameEntry:
    token = normalise_token(str(item["token"]))
    try:
        address = str(ipaddress.IPv4Address(str(item["address"]))) if "address" in item else None
    except ValueError:
        raise ValueError(f"address {str(item['address'])[:64]!r} is not an IPv4 address") from None
    if "did" in item:
        try:
            key = f"did:{int(str(item['did']))}"
        except ValueError:
            raise ValueError("did must be a number") from None
    elif address is not None:
        key = f"address:{address}"
    elif name is not None:
        return NameEntry(index, name, token, room)
    else:
        raise ValueError("needs a did, an address or a name")
    return TokenFileEntry(key, token, name, room, address)


def read_token_file(path: Path) -> list[TokenFileEntry]:
    """Every miio entry of the file; `ConfigError` names the bad entry, never its token."""
    where = str(path)
    data = _load_list(path)
    entries: list[TokenFileEntry] = []
    for index, item in enumerate(data):
        field = f"[{index}]"
        if not isinstance(item, dict):
            raise ConfigError("not an object", path=where, field=field)
        if "token" not in item:
            if item.get("transport") == "zigbee" or "ieee" in item:
                continue  # Zigbee devices need no token
            raise ConfigError("has no token", path=where, field=field)
        try:
            token = normalise_token(str(item["token"]))
            address = (
                str(ipaddress.IPv4Address(str(item["address"]))) if "address" in item else None
            )
        except ValueError as err:
            raise ConfigError(str(err).split(" (")[0], path=where, field=field) from None
        if "did" in item:
            try:
                key = f"did:{int(item['did'])}"
            except (TypeError, ValueError):
                raise ConfigError("did must be a number", path=where, field=field) from None
        elif address is not None:
            key = f"address:{address}"
        else:
            raise ConfigError("needs a did or an address", path=where, field=field)
        name = slugify(str(item["name"])) if item.get("name") else None
        room = str(item["room"]) if item.get("room") else None
        entries.append(TokenFileEntry(key, token, name, room, address))
    return entries


def missing_token_reason(name: str) -> str:
    """Why a found miio device is not adopted yet, and what to do about it."""
    return f"token unknown: `mihub token set {name}`"
