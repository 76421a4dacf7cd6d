"""Shared test settings: headless plotting, quiet progress bars, and nothing left behind in /tmp.

Stable-Baselines3 makes an empty ``/tmp/SB3-<time>`` log folder for every ``.learn()`` without a log
folder; ``SB3_LOGDIR`` points those at one folder inside pytest's own temporary area instead, and
``TORCHINDUCTOR_CACHE_DIR`` does the same for torch's compile cache (``/tmp/torchinductor_<user>``).
"""

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True, scope="session")
def _sb3_logs_in_pytest_tmp(tmp_path_factory):
    names = {"SB3_LOGDIR": "sb3-logs", "TORCHINDUCTOR_CACHE_DIR": "torchinductor"}
    old = {name: os.environ.get(name) for name in names}
    for name, folder in names.items():
        os.environ[name] = str(tmp_path_factory.mktemp(folder))
    yield
    for name, value in old.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
