"""Value types shared by config and scene files: durations, addresses, listen specs,
host names and web origins."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Final
from urllib.parse import urlsplit

from pydantic import BeforeValidator

_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*(ms|s|m|h|d))+\s*$")
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_duration(value: object) -> float:
    """`90`, `"30s"`, `"5m"`, `"1h30m"`, `"250ms"` → seconds."""
    if isinstance(value, bool):
        raise ValueError("a duration is a number of seconds or text like '30s', '5m', '1h'")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and _DURATION.match(value):
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _PART.findall(value))
    else:
        raise ValueError(
            f"{value!r} is not a duration: use seconds or text like '30s', '5m', '1h30m'"
        )
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


#: Seconds, written in files as `30s`, `5m`, `1h` or a plain number.
Duration = Annotated[float, BeforeValidator(parse_duration)]


def parse_listen(value: object) -> str:
    """`host:port` with an IP host (v6 in brackets) and a port 1-65535, normalised."""
    if not isinstance(value, str):
        raise ValueError("listen address must be text like '127.0.0.1:8321'")
    host, sep, port_text = value.rpartition(":")
    if not sep or not port_text.isdigit():
        raise ValueError(f"{value!r} is not host:port (for example 127.0.0.1:8321)")
    port = int(port_text)
    if not 0 <= port < 65536:  # 0: let the system pick a free port (tests, several hubs)
        raise ValueError(f"port {port} is out of range 0-65535")
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if bare != "localhost":
        try:
            ipaddress.ip_address(bare)
        except ValueError:
            raise ValueError(f"{host!r} is not an IP address or 'localhost'") from None
    return f"{host}:{port}"


ListenAddress = Annotated[str, BeforeValidator(parse_listen)]

_HOST_NAME = re.compile(
    r"^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$"
)
#: Port a browser leaves out of an origin (and a Host header) for each scheme.
DEFAULT_PORTS: Final = {"http": 80, "https": 443}


def parse_host_name(value: object) -> str:
    """A DNS name as people type it into a browser: lower case, no trailing dot."""
    name = value.lower().rstrip(".") if isinstance(value, str) else ""
    if not _HOST_NAME.match(name):
        raise ValueError(
            f"{value!r} is not a host name: give the name alone, without scheme or port, "
            "e.g. hub.example.org"
        )
    return name


#: A host name (`hub.example.org`), normalised to lower case.
HostName = Annotated[str, BeforeValidator(parse_host_name)]


def normalise_origin(origin: str) -> str | None:
    """An http(s) origin as browsers send it (`scheme://host[:port]`, lower case, no
    default port, IPv6 in brackets); None if `origin` is not one."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    default = DEFAULT_PORTS.get(scheme)
    host = (parts.hostname or "").rstrip(".")
    if default is None or not host or parts.path or parts.query or parts.fragment:
        return None
    if parts.username is not None or parts.password is not None:
        return None
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}" if port in (None, default) else f"{scheme}://{host}:{port}"


def parse_origin(value: object) -> str:
    normalised = normalise_origin(value) if isinstance(value, str) else None
    if normalised is None:
        raise ValueError(
            f"{value!r} is not a web origin: write it as the browser shows it, "
            "scheme://host[:port] with http or https, e.g. https://app.example.org"
        )
    return normalised


#: A web origin (`https://app.example.org:8443`), normalised as browsers send it.
WebOrigin = Annotated[str, BeforeValidator(parse_origin)]


def split_listen(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    return host.strip("[]"), int(port)


def parse_target(value: object) -> str:
    """A discovery target: one IPv4 address or a CIDR range (at most a /16)."""
    if not isinstance(value, str):
        raise ValueError("a discovery target is an address or CIDR range as text")
    try:
        network = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError(f"{value!r} is not an IP address or CIDR range") from None
    if network.version != 4:
        raise ValueError("miio devices speak IPv4 only")
    if network.prefixlen < 16:
        raise ValueError(f"{value} has {network.num_addresses} addresses; sweep at most a /16")
    return str(network) if "/" in value else str(network.network_address)


DiscoveryTarget = Annotated[str, BeforeValidator(parse_target)]
