"""Shipped training presets: installed as package data ``qdesign.configs`` (see ``setup.py``).

One YAML per task folder and agent; ``qdesign train TASK --config NAME`` finds them by file name,
from a source checkout or an installed wheel alike, and ``qdesign list`` shows them.
"""
