"""`POST /api/discovery/scan`: sweep for miio devices now and adopt those with known tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from pydantic import BaseModel, Field, field_validator

from hub.api.operations import json_response, operation, read_body
from hub.api.problems import ApiProblem, problem
from hub.config.types import parse_target

if TYPE_CHECKING:
    from drivers.miio.driver import MiioDriver

_TAG = "discovery"
#: A scan answers within its hello timeout per batch; cap what a client may ask for.
MAX_SCAN_TIMEOUT_S = 10.0


class ScanIn(BaseModel):
    model_config = {"extra": "forbid"}

    targets: list[str] | None = Field(
        default=None,
        description="Addresses or CIDR ranges (at most /16 each); the configured targets when absent.",
        examples=[["192.168.1.0/24"]],
    )
    timeout: float = Field(
        default=1.0, gt=0, le=MAX_SCAN_TIMEOUT_S, description="Seconds per address."
    )
    mdns: bool = Field(default=False, description="Also browse mDNS (multicast) for a few seconds.")

    @field_validator("targets")
    @classmethod
    def _check_targets(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [parse_target(target) for target in value]


class DiscoveredOut(BaseModel):
    address: str
    did: int
    device_id: str
    source: str = Field(description="sweep | mdns")
    token_known: bool
    already_added: bool = Field(description="Whether the hub had (or now has) the device.")
    name: str | None
    model: str | None
    status: str | None


class ScanOut(BaseModel):
    devices: list[DiscoveredOut]


class DiscoveryApi:
    def __init__(self, driver: MiioDriver) -> None:
        self._driver = driver
        self.routes = web.RouteTableDef()

        @self.routes.post("/api/discovery/scan")
        @operation(
            "Sweep for miio devices now", tag=_TAG, body=ScanIn, response=ScanOut, errors=(422,),
            description="Devices whose token is known are adopted (or re-addressed) on the way.",
        )  # fmt: skip
        async def scan(request: web.Request) -> web.Response:
            body = await read_body(request, ScanIn)
            settings = self._driver.settings
            targets = settings.targets if body.targets is None else body.targets
            if not targets and not body.mdns:
                raise ApiProblem(
                    problem(
                        422, "invalid-request", "no targets given or configured", field="targets"
                    )
                )
            found = await self._driver.discover(
                targets,
                timeout=body.timeout,
                mdns_window=settings.mdns_window if body.mdns else None,
            )
            return json_response(
                ScanOut(
                    devices=[DiscoveredOut.model_validate(d, from_attributes=True) for d in found]
                )
            )

    def setup(self, app: web.Application) -> None:
        """Nothing to store: the handler holds its driver."""
