"""Scenes shipped with mihub, as YAML (loaded with `SceneEngine(hub, builtin=True)`)."""
