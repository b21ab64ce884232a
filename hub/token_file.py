"""Device token files: a JSON list of {token, did or address, name?, room?}.

The simulator's manifest is such a file, and so are the exports of the usual
token-extraction tools once reshaped; Zigbee entries (no token) are skipped.
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


def read_token_file(path: Path) -> list[TokenFileEntry]:
    """Every miio entry of the file; `ConfigError` names the bad entry, never its token."""
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
