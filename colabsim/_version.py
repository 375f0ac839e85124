"""The installed version of colabsim (recorded with every result)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("colabsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"
