"""Loading and validating the hub's YAML config file."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import ValidationError

from hub.config.models import (
    ApiConfig,
    DeviceConfig,
    DiscoveryConfig,
    HubConfig,
    IntentsConfig,
    LoggingConfig,
    MaintenanceConfig,
    MiotConfig,
    MqttConfig,
    PollingConfig,
    ScenesConfig,
    StorageConfig,
)
from hub.config.yaml_source import YamlSource
from hub.errors import ConfigError

__all__ = [
    "ApiConfig",
    "DeviceConfig",
    "DiscoveryConfig",
    "HubConfig",
    "IntentsConfig",
    "LoggingConfig",
    "MaintenanceConfig",
    "MiotConfig",
    "MqttConfig",
    "PollingConfig",
    "ScenesConfig",
    "StorageConfig",
    "default_config_path",
    "default_data_dir",
    "load_config",
    "spec_dir",
]


def _xdg(variable: str, fallback: str) -> Path:
    value = os.environ.get(variable)
    return Path(value) if value and Path(value).is_absolute() else Path.home() / fallback


def default_config_path() -> Path:
    """$XDG_CONFIG_HOME/mihub/config.yaml (~/.config/mihub/config.yaml)."""
    return _xdg("XDG_CONFIG_HOME", ".config") / "mihub" / "config.yaml"


def default_data_dir() -> Path:
    """$XDG_DATA_HOME/mihub (~/.local/share/mihub)."""
    return _xdg("XDG_DATA_HOME", ".local/share") / "mihub"


def load_config(path: Path | None = None, *, missing_ok: bool = False) -> HubConfig:
    """Read and validate a config file; any problem raises a located `ConfigError`.

    With `missing_ok`, an absent file (the default path on a new machine) gives the
    defaults: a hub with no configured devices that discovers what it can.
    """
    path = path or default_config_path()
    if missing_ok and not path.exists():
        return _with_environment(HubConfig())
    source = YamlSource.read(path)
    if source.data is None:
        return _with_environment(HubConfig())
    if not isinstance(source.data, dict):
        raise ConfigError("the config file must be a mapping of sections", path=str(path), line=1)
    config = source.validate(HubConfig)
    _check_catalog(config, source)
    return _with_environment(_resolve_paths(config, path.parent))


#: Environment variables that override one setting each, for service managers and
#: containers (and tests) that choose the ports: variable -> (section, field).
ENVIRONMENT_OVERRIDES = {
    "MIHUB_API_LISTEN": ("api", "listen"),
    "MIHUB_MQTT_LISTEN": ("mqtt", "embedded_listen"),
}


def _with_environment(config: HubConfig) -> HubConfig:
    for variable, (section, field) in ENVIRONMENT_OVERRIDES.items():
        value = os.environ.get(variable)
        if not value:
            continue
        current = getattr(config, section)
        try:
            changed = type(current).model_validate({**current.model_dump(), field: value})
        except ValidationError as err:
            reason = str(err.errors()[0]["msg"]).removeprefix("Value error, ")
            raise ConfigError(f"{variable}: {reason}") from None
        config = config.model_copy(update={section: changed})
    return config


def _check_catalog(config: HubConfig, source: YamlSource) -> None:
    """Parts catalog overrides are checked with the file at hand, so errors name their line."""
    if not config.maintenance.catalog:
        return
    # Imported here: hub.maintenance imports hub.config.
    from hub.maintenance.catalog import (
        CatalogText,
        build_catalog,
        shipped_catalog_entries,
        shipped_catalog_text,
    )

    build_catalog(
        shipped_catalog_entries(),
        config.maintenance.catalog,
        config.maintenance.store_base_url,
        text=CatalogText(shipped=shipped_catalog_text(), config=source.parsed),
    )


def spec_dir(config: HubConfig, data_dir: Path) -> Path:
    """Where the hub reads MIoT spec files: `miot.spec_dir`, else <data dir>/miot-specs."""
    return config.miot.spec_dir or data_dir / "miot-specs"


def _resolve_paths(config: HubConfig, base: Path) -> HubConfig:
    """Relative paths in the file are relative to the file, not to where mihub was started."""

    def fix(value: Path | None) -> Path | None:
        return value if value is None or value.is_absolute() else (base / value).resolve()

    return config.model_copy(
        update={
            "storage": config.storage.model_copy(update={"data_dir": fix(config.storage.data_dir)}),
            "scenes": config.scenes.model_copy(update={"directory": fix(config.scenes.directory)}),
            "miot": config.miot.model_copy(update={"spec_dir": fix(config.miot.spec_dir)}),
            "discovery": config.discovery.model_copy(
                update={"tokens_file": fix(config.discovery.tokens_file)}
            ),
        }
    )
