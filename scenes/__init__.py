"""Automation scenes: schema, loader and engine."""
