"""DeviceSpecs: a device's capabilities from its driver, its model, a pattern, or its family."""

from __future__ import annotations

from drivers.families import Catalog, FamilySpec, builtin_catalog
from drivers.families.spec import AttributeSpec, ValueType
from hub.capabilities import DeviceSpecs, SourceKind, SpecSource
from hub.registry import Device


def _device(model: str, family: str = "generic", device_id: str = "miio:1") -> Device:
    return Device(id=device_id, name="thing", family=family, model=model, transport="miio")


def _with_pattern(pattern: str, model: str) -> Catalog:
    shipped = builtin_catalog()
    found = shipped.lookup_model(model)
    assert found is not None
    return Catalog(shipped.families, shipped.models, patterns=[(pattern, found)])


def test_an_exact_model_map_wins_and_says_so() -> None:
    specs = DeviceSpecs()
    resolved = specs.resolve(_device("roborock.vacuum.s5"))
    assert resolved is not None
    assert resolved.spec.name == "vacuum"
    assert resolved.source.kind is SourceKind.MODEL_MAP
    assert resolved.source.verified
    assert "roborock.vacuum.s5.yaml" in resolved.source.detail


def test_a_pattern_lends_its_map_unverified() -> None:
    # roborock.vacuum.a62 is newer than python-miio 0.5.12's list: no table names it.
    specs = DeviceSpecs(_with_pattern("roborock.vacuum.*", "roborock.vacuum.s5"))
    source = specs.source_for(_device("roborock.vacuum.a62"))
    assert source is not None
    assert source.kind is SourceKind.PATTERN
    assert not source.verified
    assert source.describe() == (
        "pattern: roborock.vacuum.* (roborock.vacuum.s5's map) (not verified for this model)"
    )
    assert specs.spec_for(_device("roborock.vacuum.a62")) is specs.spec_for(
        _device("roborock.vacuum.s5")
    )
    assert specs.spec_for(_device("acme.vacuum.x1")) is None


def test_shipped_patterns_serve_unlisted_roborock_models() -> None:
    specs = DeviceSpecs()
    for model in ("roborock.vacuum.a62", "rockrobo.vacuum.v9"):
        source = specs.source_for(_device(model))
        assert source is not None
        assert source.kind is SourceKind.PATTERN
        assert not source.verified
        spec = specs.spec_for(_device(model))
        assert spec is not None
        assert spec.name == "vacuum"
    listed = specs.source_for(_device("roborock.vacuum.a15"))
    assert listed is not None
    assert listed.kind is SourceKind.MODEL_MAP


def test_an_assigned_spec_beats_the_catalog_until_forgotten() -> None:
    specs = DeviceSpecs()
    own = FamilySpec(
        name="switch", attributes=(AttributeSpec(name="state_l1", type=ValueType.BOOL),)
    )
    device = _device("roborock.vacuum.s5", device_id="zigbee:0x1")
    specs.assign(device.id, own, SpecSource(SourceKind.EXPOSES, "Zigbee2MQTT exposes"))
    assert specs.spec_for(device) is own
    assert specs.spec_for(_device("roborock.vacuum.s5")) is not own  # other devices unaffected
    specs.forget(device.id)
    resolved = specs.resolve(device)
    assert resolved is not None
    assert resolved.source.kind is SourceKind.MODEL_MAP


def test_an_unknown_model_falls_back_on_its_family_or_nothing() -> None:
    specs = DeviceSpecs()
    resolved = specs.resolve(_device("zhimi.humidifier.zz9", family="humidifier"))
    assert resolved is not None
    assert resolved.source.kind is SourceKind.FAMILY
    assert specs.resolve(_device("acme.thing.v1")) is None
