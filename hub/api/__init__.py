"""The hub's local API: REST and a WebSocket event stream on aiohttp.

`ApiServer` is the hub component (`hub.add_component(ApiServer(hub))`);
`create_app(hub)` builds the aiohttp application for any runner or test client.
"""

from hub.api.access import FAILED_AUTH_KEY, TOKEN_CACHE_KEY, TOKEN_ID_KEY
from hub.api.event_stream import EVENT_STREAMS_KEY, event_kinds, event_message
from hub.api.openapi import OPENAPI_KEY, build_openapi
from hub.api.operations import Operation, json_response, operation, read_body, read_query
from hub.api.problems import PROBLEM_CONTENT_TYPE, ApiProblem, problem
from hub.api.server import (
    SOCKET_FILE,
    ApiExtension,
    ApiServer,
    bind_owner_socket,
    create_app,
    owner_socket_path,
)
from hub.api.settings import (
    HUB_KEY,
    SETTINGS_KEY,
    ApiSettings,
    EventStreamLimits,
    FailedAuthPolicy,
)

__all__ = [
    "EVENT_STREAMS_KEY",
    "FAILED_AUTH_KEY",
    "HUB_KEY",
    "OPENAPI_KEY",
    "PROBLEM_CONTENT_TYPE",
    "SETTINGS_KEY",
    "SOCKET_FILE",
    "TOKEN_CACHE_KEY",
    "TOKEN_ID_KEY",
    "ApiExtension",
    "ApiProblem",
    "ApiServer",
    "ApiSettings",
    "EventStreamLimits",
    "FailedAuthPolicy",
    "Operation",
    "bind_owner_socket",
    "build_openapi",
    "create_app",
    "event_kinds",
    "event_message",
    "json_response",
    "operation",
    "owner_socket_path",
    "problem",
    "read_body",
    "read_query",
]
