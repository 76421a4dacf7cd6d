"""Old import paths of modules moved by the layering of 0.2, kept for one release.

``import qdesign.agents.search.mitm`` (say) still works: it returns ``qdesign.synthesis.mitm`` and
warns with a ``DeprecationWarning`` naming the new path. The aliases are resolved by name at import
time, so no module of the package imports against the layers.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
import warnings

#: old module path -> new module path (``None``: an old package that only held moved modules)
MOVED: dict[str, str | None] = {
    "qdesign.agents.search": None,
    "qdesign.agents.baselines": None,
    **{f"qdesign.agents.search.{m}": f"qdesign.synthesis.{m}" for m in (
        "bwqs", "costtogo", "kak2q", "metrics", "mitm", "sandwich", "table2q", "table_cache")},
    "qdesign.agents.search.levels": "qdesign.synthesis.bfs_levels",
    "qdesign.agents.search.agent_compile": "qdesign.api.agent_compile",
    "qdesign.agents.baselines.gridsynth": "qdesign.synthesis.gridsynth",
    "qdesign.agents.baselines.sk": "qdesign.synthesis.solovay_kitaev",
    "qdesign.agents.baselines.translate": "qdesign.synthesis.translate",
    "qdesign.agents.baselines.sabo": "qdesign.reduction.sabo",
    "qdesign.agents.baselines.hastings": "qdesign.reduction.hastings",
    "qdesign.compile": "qdesign.api.compile",
    "qdesign.codes.reduce": "qdesign.api.reduce",
    "qdesign.levels": "qdesign.envs.curriculum_level",
    "qdesign.quantum.simulator": "qdesign.quantum.simulators",
    "qdesign.curricula.registry": "qdesign.curricula.factory",
    "qdesign.envs.gate_compile.gatesets": "qdesign.quantum.gatesets",
    "qdesign.envs.weight_reduce.moves": "qdesign.reduction.moves",
    "qdesign.envs.weight_reduce.anneal": "qdesign.reduction.anneal",
    "qdesign.envs.weight_reduce.seed_anneal": "qdesign.reduction.seed_anneal",
    "qdesign.envs.weight_reduce.search": "qdesign.reduction.beam",
    "qdesign.envs.arch_search.task": "qdesign.tasks.arch_search",
    "qdesign.envs.gate_compile.task": "qdesign.tasks.gate_compile",
    "qdesign.envs.weight_reduce.task": "qdesign.tasks.weight_reduce",
}


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, new: str | None) -> None:
        self.new = new

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        if self.new is None:  # an emptied package: only its moved submodules can be imported
            module = types.ModuleType(spec.name, "moved package (see qdesign._moved)")
            module.__path__ = []
            return module
        warnings.warn(f"{spec.name} moved to {self.new}; the old path will be removed in qdesign 0.3",
                      DeprecationWarning, stacklevel=2)
        return importlib.import_module(self.new)

    def exec_module(self, module: types.ModuleType) -> None:
        pass


class _MovedFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: object = None, target: object = None
                  ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED:
            return None
        new = MOVED[fullname]
        return importlib.util.spec_from_loader(fullname, _AliasLoader(new), is_package=new is None)


def install() -> None:
    """Put the alias finder after the regular ones (idempotent): real modules always win."""
    if not any(isinstance(f, _MovedFinder) for f in sys.meta_path):
        sys.meta_path.append(_MovedFinder())
