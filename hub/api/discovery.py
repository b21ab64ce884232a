"""`POST /api/discovery/scan`: sweep for miio devices now and adopt those with known tokens;
`POST /api/discovery/tokens`: attach device tokens (and rooms) and adopt what they unlock."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web
from pydantic import BaseModel, Field, field_validator

from hub.api.operations import json_response, operation, read_body
from hub.api.problems import ApiProblem, problem
from hub.api.settings import HUB_KEY
from hub.config.types import parse_target
from hub.token_file import token_entries
from hub.token_import import ImportPlan, plan_import

if TYPE_CHECKING:
    from drivers.miio.driver import MiioDriver
    from hub.rooms import RoomAssignments
    from hub.runtime import Hub

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
    removed: bool = Field(
        default=False,
        description="A person removed it from the hub: it answered and was left alone. "
        "Giving its token again (POST /api/discovery/tokens) adds it back.",
    )


class ScanOut(BaseModel):
    devices: list[DiscoveredOut]


class TokensIn(BaseModel):
    model_config = {"extra": "forbid"}

    entries: list[dict[str, Any]] = Field(
        max_length=10_000,
        description="A token file's entries: {token, did or address or name, name?, room?}; "
        "Zigbee entries {ieee, room} give their device a room.",
        examples=[[{"did": 123456, "token": "00112233445566778899aabbccddeeff", "room": "study"}]],
    )


class StoredTokenOut(BaseModel):
    key: str = Field(
        description="What the token is stored under: a device id, did:<n> or address:<ip>."
    )
    device_id: str | None = Field(description="The known device it is for, if any.")
    name: str | None


class SkippedOut(BaseModel):
    index: int
    label: str = Field(description="What the entry names (its name, did, address or ieee).")
    reason: str


class TokensOut(BaseModel):
    stored: list[StoredTokenOut]
    renamed: dict[str, str] = Field(description="Device ids given the entry's name.")
    rooms: int = Field(description="Room assignments made.")
    skipped: list[SkippedOut]


class DiscoveryApi:
    def __init__(self, driver: MiioDriver, rooms: RoomAssignments | None = None) -> None:
        self._driver = driver
        self._rooms = rooms
        self.routes = web.RouteTableDef()

        @self.routes.post("/api/discovery/tokens")
        @operation(
            "Attach device tokens and rooms", tag=_TAG, body=TokensIn, response=TokensOut,
            errors=(422,),
            description="Each entry is matched to a known device by did, address or name; "
            "devices the tokens unlock are adopted at once. Entries that cannot be used are "
            "listed in `skipped` with the reason. Tokens are never returned.",
        )  # fmt: skip
        async def attach_tokens(request: web.Request) -> web.Response:
            body = await read_body(request, TokensIn)
            hub = request.app[HUB_KEY]
            plan = plan_import(token_entries(list(body.entries)), hub.registry)
            await self._carry_out(hub, plan)
            return json_response(TokensOut.model_validate(plan.summary()))

        @self.routes.post("/api/discovery/scan")
        @operation(
            "Sweep for miio devices now", tag=_TAG, body=ScanIn, response=ScanOut, errors=(422,),
            description="Devices whose token is known are adopted (or re-addressed) on the way.",
        )  # fmt: skip
        async def scan(request: web.Request) -> web.Response:
            body = await read_body(request, ScanIn)
            settings = self._driver.settings
            targets = await self._driver.sweep_targets() if body.targets is None else body.targets
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

    async def _carry_out(self, hub: Hub, plan: ImportPlan) -> None:
        from drivers.miio.driver import Adoption

        now = hub.clock.time()
        for planned in plan.tokens:
            await hub.store.set_token(
                planned.key, planned.token, name=planned.name, room=planned.room, at=now
            )
        for device_id, fields in plan.changes.items():
            hub.registry.update(device_id, **fields)
        for room in plan.rooms:
            if self._rooms is not None:
                await self._rooms.assign(room.key, room.room, at=now)
            else:
                await hub.store.set_room_assignment(room.key, room.room, at=now)
        for planned in plan.tokens:
            device = hub.registry.find(planned.device_id) if planned.device_id else None
            # A token given for a device the person removed brings it back.
            removed = self._driver.readmit(planned.key)
            address = planned.address or (removed.address if removed is not None else None)
            if device is not None and device.address:
                self._driver.token_changed(device, planned.token)
            elif address is not None:
                self._driver.adopt_soon(
                    Adoption(
                        address,
                        planned.token,
                        name=planned.name or (removed.name if removed is not None else None),
                        room=planned.room,
                        readmit=removed is not None,
                    )
                )

    def setup(self, app: web.Application) -> None:
        """Nothing to store: the handler holds its driver."""
