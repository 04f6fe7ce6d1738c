"""Default locations, following the XDG conventions so nothing lands in the repo."""

from __future__ import annotations

import os
from pathlib import Path


def _xdg(var: str, fallback: str) -> Path:
    return Path(os.environ.get(var) or Path.home() / fallback)


def default_data_dir() -> Path:
    return _xdg("XDG_DATA_HOME", ".local/share") / "newsrag"


def default_model_dir() -> Path:
    return _xdg("XDG_CACHE_HOME", ".cache") / "newsrag" / "models"
