"""The `mihub` command line."""
