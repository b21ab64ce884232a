"""`mihub say "TEXT"`: a sentence to the running hub, as a person would say it.

For `hub/cli/main.py` to add: `cli.add_command(say)`. It posts to
`POST /api/intents` through the hub's owner socket (or --url/--token) and
prints the reply; `--json` prints everything the hub answered.
"""

from __future__ import annotations

from typing import Any

import click

from hub.cli.client import HubClient, run_api
from hub.cli.hub_options import HubOptions, hub_options
from hub.cli.output import EXIT_FAILURE, print_json

#: Outcomes after which `mihub say` exits 0: all of it was done, or the question was
#: answered. Every other outcome (partly_done, asked, refused, not_understood, failed,
#: nothing) exits 1, with the reply printed as usual; a request the hub refuses
#: (a language it does not load, a sentence over 300 characters) exits 2.
SUCCEEDED = frozenset({"done", "answered"})


@click.command()
@click.argument("text")
@click.option(
    "--language", type=click.Choice(["zh", "en", "zh-TW", "zh-HK"]),
    help="The sentence's language (default: detected from the text).",
)  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Understand and check only; send no command.")
@hub_options
def say(text: str, language: str | None, dry_run: bool, hub: HubOptions) -> None:
    """Say TEXT to the hub: `mihub say "打开卧室的加湿器"`, `mihub say "run good morning"`.

    Exits 0 when everything said was done or the question answered, 1 otherwise
    (asked back, refused, not understood, partly done, failed), 2 when the hub
    refuses the request itself (a language it does not load, a sentence too long).
    """
    body: dict[str, Any] = {"text": text, "language": language, "dry_run": dry_run}

    async def send(client: HubClient) -> Any:
        return await client.post("/api/intents", body)

    reply = run_api(hub.require_running_hub(), send)
    if hub.as_json:
        print_json(reply)
    else:
        click.echo(reply["reply"])
        for action in reply["actions"]:
            params = " ".join(f"{k}={v}" for k, v in action["params"].items())
            error = f": {action['error']}" if action.get("error") else ""
            click.echo(
                f"  {action['device']} {action['command']} {params}".rstrip()
                + f" -> {action['outcome']}{error}"
            )
    if reply["outcome"] not in SUCCEEDED:
        raise SystemExit(EXIT_FAILURE)
