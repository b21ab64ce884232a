"""`python -m hub` is the `mihub` command."""

from hub.cli.main import main

main()
