"""Every error mihub raises says how the API answers it, so none falls through to a 500."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from hub.api.problems import problem_for_hub_error
from hub.errors import DeviceError, HubError, InvalidCommand
from scenes.library import BuiltinScene

#: Bases that are never raised themselves: their subclasses say what happened.
_ABSTRACT = {"HubError", "MqttError"}


def _all_hub_errors() -> list[type[HubError]]:
    for package in ("hub", "drivers", "scenes", "simulators"):
        root = importlib.import_module(package)
        for module in pkgutil.walk_packages(root.__path__, f"{package}."):
            if ".generate" in module.name or module.name.endswith("__main__"):
                continue  # generators are dev tools (python-miio); __main__ runs the CLI
            importlib.import_module(module.name)
    found: list[type[HubError]] = []
    pending: list[type[HubError]] = [HubError]
    while pending:
        klass = pending.pop()
        found.append(klass)
        pending.extend(klass.__subclasses__())
    return found


def test_every_error_class_declares_its_http_status() -> None:
    missing = [
        f"{k.__module__}.{k.__qualname__}"
        for k in _all_hub_errors()
        if k.__name__ not in _ABSTRACT and k.http_status == 500
    ]
    assert missing == []


def test_the_problem_body_comes_from_the_error() -> None:
    err = InvalidCommand(
        "bad level", device="bulb", command="set_brightness", field="brightness", allowed=["1"]
    )
    body = problem_for_hub_error(err)
    assert (body.status, body.type, body.field, body.allowed, body.device) == (
        422,
        "urn:mihub:problem:invalid-command",
        "brightness",
        ["1"],
        "bulb",
    )
    assert problem_for_hub_error(DeviceError("vac", -5001, "busy")).code == -5001
    builtin = problem_for_hub_error(BuiltinScene("morning is a built-in scene", hint="copy it"))
    assert (builtin.status, builtin.hint) == (409, "copy it")


def test_an_error_that_declares_nothing_is_a_logged_500(caplog: pytest.LogCaptureFixture) -> None:
    class Surprise(HubError):
        pass

    body = problem_for_hub_error(Surprise("what"))
    assert (body.status, body.type) == (500, "urn:mihub:problem:internal-error")
    assert "unmapped hub error" in caplog.text
