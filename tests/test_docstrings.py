"""Every module and public function, class and method of the installed package has a docstring (issue 17).

Public: a name without a leading underscore, defined at module level (also under ``if``/``try``) or
in a public class; dunder methods and functions nested in functions are not part of the API. The
walk is over the source, so a module that needs an optional extra is checked too.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: import name -> source folder (setup.py's package_dir)
PACKAGE_DIRS = {"qdesign": "qdesign", "qdesign.envs": "envs", "qdesign.agents": "agents",
                "qdesign.curricula": "curricula"}
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def installed_sources() -> list[Path]:
    files = []
    for pkg, folder in PACKAGE_DIRS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT / folder)
            if pkg == "qdesign" and rel.parts[0] in ("envs", "agents", "curricula"):
                continue  # setup.py installs these from the top-level folders
            files.append(path)
    return files


def _statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements of a block, looking through ``if``/``try``/``with`` (definitions guarded by an import)."""
    out: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If):
            out += _statements(node.body) + _statements(node.orelse)
        elif isinstance(node, ast.Try):
            out += _statements(node.body) + _statements(node.orelse) + _statements(node.finalbody)
            for handler in node.handlers:
                out += _statements(handler.body)
        elif isinstance(node, ast.With):
            out += _statements(node.body)
        else:
            out.append(node)
    return out


def missing_docstrings(path: Path) -> list[str]:
    """``file:line name`` for each public definition in ``path`` without a docstring."""
    tree = ast.parse(path.read_text(), filename=str(path))
    missing: list[str] = []

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in _statements(body):
            if not isinstance(node, DEFS) or node.name.startswith("_"):
                continue
            if not ast.get_docstring(node):
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
                missing.append(f"{where}:{node.lineno} {prefix}{node.name}")
            if isinstance(node, ast.ClassDef):
                visit(node.body, f"{prefix}{node.name}.")

    if not ast.get_docstring(tree):
        missing.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name}:1 (module)")
    visit(tree.body, "")
    return missing


def test_walk_finds_the_package_and_catches_a_missing_docstring(tmp_path):
    files = installed_sources()
    assert len(files) > 50 and any(f.parts[-2:] == ("envs", "__init__.py") for f in files)
    probe = tmp_path / "probe.py"
    probe.write_text('"""Module."""\n\nclass A:\n    """Doc."""\n\n    def run(self):\n        pass\n\n'
                     '    def __len__(self):\n        return 0\n\n    def _private(self):\n        pass\n\n'
                     'if True:\n    def guarded():\n        pass\n\ndef _hidden():\n    pass\n')
    assert [m.split(" ")[1] for m in missing_docstrings(probe)] == ["A.run", "guarded"]
    probe.write_text("def f():\n    pass\n")
    assert [m.split(" ", 1)[1] for m in missing_docstrings(probe)] == ["(module)", "f"]


def test_every_public_definition_has_a_docstring():
    missing = [m for path in installed_sources() for m in missing_docstrings(path)]
    assert not missing, f"{len(missing)} public definitions without a docstring:\n" + "\n".join(missing)
