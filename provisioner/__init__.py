"""provision: Bitrix24 configuration as code (desired TOML -> plan -> apply)."""

__version__ = "0.1.0"
