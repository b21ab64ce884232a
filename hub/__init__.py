"""mihub: a local-first hub for Mi-ecosystem homes."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mihub")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
