"""Shared test settings: headless plotting, quiet progress bars, and nothing left behind in /tmp.

Stable-Baselines3 makes an empty ``/tmp/SB3-<time>`` log folder for every ``.learn()`` without a log
folder; ``SB3_LOGDIR`` points those at one folder inside pytest's own temporary area instead.
"""

import os

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True, scope="session")
def _sb3_logs_in_pytest_tmp(tmp_path_factory):
    old = os.environ.get("SB3_LOGDIR")
    os.environ["SB3_LOGDIR"] = str(tmp_path_factory.mktemp("sb3-logs"))
    yield
    if old is None:
        os.environ.pop("SB3_LOGDIR", None)
    else:
        os.environ["SB3_LOGDIR"] = old
