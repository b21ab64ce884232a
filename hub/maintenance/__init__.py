"""Predictive maintenance: the pure core.

- `catalog`: the parts catalog (shipped parts.yaml: defaults per family and kind of
  part, entries per model; config overrides; store links and store searches).
- `part_kinds`: what maps and specs call a part -> the catalog's kind of part.
- `device_parts`: the parts of a device, from its capabilities' consumables and the
  catalog (`DeviceParts`).
- `wear`: readings (`Observation`) to a wear series; replacements found and skipped.
- `forecast`: `forecast_depletion` (fitted to actual use) and `naive_forecast`.
- `prompts`: when to prompt, and the `PromptBook` of prompts and their lifecycle.
- `accuracy`: seeded synthetic consumables with a known end, to measure forecasts.
- `history`: which readings of a part are kept (`PartHistory`), `records`: SQLite.
- `part_chart`: one part's readings as percentages, its forecast and the prompt
  lines, for `GET /api/maintenance/devices/{name}/parts/{part}` (`PartChart`).
- `tracker`: the hub component "maintenance" (`MaintenanceTracker`): listens to the
  bus, stores readings and prompts, forecasts, publishes `MaintenancePrompt`
  (`events`), and serves `consumables()` / `prompts()` / `acknowledge` / `snooze`
  (shapes in `views`).

The modules up to `accuracy` are pure (no I/O beyond reading the shipped catalog).
"""

from hub.maintenance.catalog import (
    DEFAULT_STORE_BASE_URL,
    PartsCatalog,
    PartSpec,
    WearClock,
    build_catalog,
    load_default_catalog,
)
from hub.maintenance.events import MaintenancePrompt
from hub.maintenance.forecast import (
    Forecast,
    ForecastBasis,
    ForecastParams,
    forecast_depletion,
    naive_forecast,
)
from hub.maintenance.prompts import (
    DueReason,
    Prompt,
    PromptBook,
    PromptChange,
    PromptChangeKind,
    PromptNotFound,
    PromptPolicy,
    PromptStatus,
    due_reason,
    prompt_message,
)
from hub.maintenance.tracker import MaintenanceTracker
from hub.maintenance.views import ConsumableStatus
from hub.maintenance.wear import Observation

__all__ = [
    "DEFAULT_STORE_BASE_URL",
    "ConsumableStatus",
    "DueReason",
    "Forecast",
    "ForecastBasis",
    "ForecastParams",
    "MaintenancePrompt",
    "MaintenanceTracker",
    "Observation",
    "PartSpec",
    "PartsCatalog",
    "Prompt",
    "PromptBook",
    "PromptChange",
    "PromptChangeKind",
    "PromptNotFound",
    "PromptPolicy",
    "PromptStatus",
    "WearClock",
    "build_catalog",
    "due_reason",
    "forecast_depletion",
    "load_default_catalog",
    "naive_forecast",
    "prompt_message",
]
