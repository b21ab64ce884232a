"""Model maps (one YAML file per device model), loaded by `drivers.families.catalog`."""
