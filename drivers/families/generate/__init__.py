"""Generate model maps from python-miio 0.5.12's own tables (not part of the runtime).

``python -m drivers.families.generate`` writes one ``models/<model>.yaml`` per
python-miio model described by a `Profile` in the family-group modules
(`roborock`, `vacuums`, `purifiers`, `fresheners`, `humidifiers`, `fans`,
`climate`, `power`, `lights`, `appliances`). The wire facts come from python-miio itself: MIoT ``_mappings``
(siid/piid/aiid), legacy ``AVAILABLE_PROPERTIES`` lists, its enums, and the
requests its device methods send, recorded by calling them with a `send` that
records instead of sending. Where python-miio decodes a value in code rather
than a table, the profile says so in a `Field` (divisor, table) next to the
python-miio file it comes from. Hand-written maps (without the generated
header) are never overwritten. tests/drivers/families/test_python_miio_generated.py
compares every generated map with python-miio's class for the same model.

The package imports python-miio, which the hub's runtime avoids (see DESIGN.md),
so nothing under ``drivers`` or ``hub`` imports it; it is not installed with mihub.
"""
