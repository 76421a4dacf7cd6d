"""Options of the four weight-reduction methods, one small dataclass each.

``reduce_weight(h_x, h_z, method="sabo", options=SaboOptions(runs=3))`` says which knobs belong to
which method; the flat keywords of earlier releases (``runs=3``) still work and fill the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from os import PathLike
from typing import Any

from qdesign.plugins import UnknownKeywordError


@dataclass(frozen=True)
class RLOptions:
    """``method="rl"``: engines over SeedReduce's moves on the classical seed.

    ``beam_width`` / ``max_steps``: the beam search; ``model`` and its SeedReduce ``env``: a trained
    policy rolled out too; ``anneal_*``: n-preserving anneals of small quantum codes
    (``anneal_max_n`` qubits at most); ``seed_anneal``: options of the sparse-seed anneal
    (``iterations``, ``restarts``, ``m_start``, ``seed``, ``time_limit``), ``True`` for defaults,
    ``False``/``None`` to skip it.
    """

    beam_width: int = 6
    max_steps: int = 40
    model: Any = None
    env: Any = None
    anneal_max_n: int = 100
    anneal_runs: int = 2
    anneal_iterations: int = 100_000
    seed_anneal: dict[str, Any] | bool | None = True

    def __post_init__(self) -> None:
        for name in ("beam_width", "max_steps", "anneal_iterations"):
            _positive_int(name, getattr(self, name))
        for name in ("anneal_max_n", "anneal_runs"):
            _positive_int(name, getattr(self, name), minimum=0)
        if self.seed_anneal not in (None, False, True) and not isinstance(self.seed_anneal, dict):
            raise ValueError(f"seed_anneal must be a dict of options, True, False or None, "
                             f"got {self.seed_anneal!r}")


@dataclass(frozen=True)
class SaboOptions:
    """``method="sabo"``: Sabo et al.'s classical reduction (arXiv:2402.05228), best of ``runs`` random
    orders, ``compressed`` or not (``None``: both)."""

    runs: int = 20
    compressed: bool | None = None

    def __post_init__(self) -> None:
        _positive_int("runs", self.runs)
        if self.compressed not in (None, True, False):
            raise ValueError(f"compressed must be True, False or None, got {self.compressed!r}")


@dataclass(frozen=True)
class HastingsOptions:
    """``method="hastings"``: copying -> gauging -> thickening with heights -> coning
    (Hastings, arXiv:2102.10030; Sabo et al., arXiv:2402.05228, Sec. III).  A step runs only while the
    quantity it reduces is above the target; ``time_limit`` bounds the whole call."""

    layers: int = 3
    heights: list[int] | None = None
    copying: str = "hastings"
    coning_layers: int = 1
    keep_distance: bool = False
    time_limit: float | None = 300.0  # seconds for the steps and the final distance bounds (None: none)

    def __post_init__(self) -> None:
        _positive_int("layers", self.layers)
        _positive_int("coning_layers", self.coning_layers, minimum=0)
        t = self.time_limit
        if t is not None and (isinstance(t, bool) or not isinstance(t, (int, float)) or t <= 0):
            raise ValueError(f"time_limit={t!r} must be None or a positive number of seconds")


@dataclass(frozen=True)
class PolicyOptions:
    """``method="policy"``: a trained SeedReduce policy alone, no search (He & Liu, arXiv:2502.14372,
    Sec. II: the agent edits the Tanner graph; here the classical seed of a hypergraph product).

    ``policy``: ``None`` for the policy shipped with qdesign, or a path (a ``.pt`` with its ``.json``,
    a MaskablePPO ``.zip`` or a ``qdesign train`` run folder); ``samples``: rollouts sampled from the
    policy's masked distribution (seeded by ``reduce_weight``'s ``seed``) besides the greedy one.
    ``fixed_n_policy``: the n-preserving Tanner-graph policy (row additions and distance-checked
    CNOTs on the quantum code, ``qdesign.api.fixed_n_policy``) tried, with the same ``samples``, when
    the seed-level result misses the target or adds qubits and the code fits its padding: ``None``
    for the shipped one, a ``.npz`` path, or ``False`` to use the seed-level policy only.
    """

    policy: Any = None
    samples: int = 0
    fixed_n_policy: Any = None

    def __post_init__(self) -> None:
        _positive_int("samples", self.samples, minimum=0)
        if self.policy is not None and not isinstance(self.policy, (str, PathLike)):
            raise ValueError(f"policy must be None (the shipped policy) or a path, got {self.policy!r}")
        f = self.fixed_n_policy
        if f is not None and f is not False and not isinstance(f, (str, PathLike)):
            raise ValueError(f"fixed_n_policy must be None (the shipped policy), False or a path, got {f!r}")


METHOD_OPTIONS: dict[str, type] = {"rl": RLOptions, "sabo": SaboOptions, "hastings": HastingsOptions,
                                   "policy": PolicyOptions}


def _positive_int(name: str, value: Any, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def method_options(method: str, options: Any, keywords: dict[str, Any]) -> Any:
    """The options of ``method``: ``options`` (or the defaults) updated by flat ``keywords``.

    A keyword of another method or of none is an ``UnknownKeywordError`` (``ValueError`` and
    ``TypeError``) naming it, never silently ignored.
    """
    cls = METHOD_OPTIONS[method]
    if options is None:
        options = cls()
    elif not isinstance(options, cls):
        raise ValueError(f"options must be a {cls.__name__} for method={method!r}, "
                         f"got {type(options).__name__}")
    own = {f.name for f in fields(cls)}
    for key in keywords:
        if key in own:
            continue
        owners = [m for m, c in METHOD_OPTIONS.items() if key in {f.name for f in fields(c)}]
        if owners:
            raise UnknownKeywordError(
                f"keyword {key!r} belongs to method={owners[0]!r}, not method={method!r}")
        valid = sorted(set().union(*({f.name for f in fields(c)} for c in METHOD_OPTIONS.values())))
        raise UnknownKeywordError(f"reduce_weight got an unexpected keyword {key!r}; valid keywords: "
                         f"max_check_weight, max_qubit_degree, method, options, seed_matrix, seed, "
                         f"exact_max_n, {', '.join(valid)}")
    values = {f.name: getattr(options, f.name) for f in fields(cls)}
    values.update(keywords)
    return cls(**values)
