from __future__ import annotations

import io
import logging

from hub.auth import new_api_token
from hub.config import LoggingConfig
from hub.logsetup import configure_logging, redact


def test_tokens_are_scrubbed_from_log_lines() -> None:
    device_token = "00112233445566778899aabbccddeeff"
    api_token = new_api_token()
    stream = io.StringIO()
    configure_logging(LoggingConfig(level="debug"), stream=stream)
    try:
        logging.getLogger("drivers.miio").info("sending with %s and %s", device_token, api_token)
    finally:
        root = logging.getLogger()
        for handler in list(root.handlers):
            root.removeHandler(handler)
        root.setLevel(logging.WARNING)
    text = stream.getvalue()
    assert device_token not in text
    assert api_token not in text
    assert text.count("<redacted>") == 2


def test_redact_leaves_ordinary_text_alone() -> None:
    assert (
        redact("humidity 41% at 127.0.0.10, did 123456") == "humidity 41% at 127.0.0.10, did 123456"
    )
