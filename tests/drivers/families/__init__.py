"""Tests of drivers.families."""
