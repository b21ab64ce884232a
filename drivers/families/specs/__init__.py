"""Family tables (one YAML file per family), loaded by `drivers.families.catalog`."""
