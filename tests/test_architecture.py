"""The shape of the code: imports run one way and nothing imports itself round a cycle.

The layers and forbidden imports are import-linter contracts in pyproject.toml; this test runs
them, so a change that breaks one fails CI, and finds import cycles between the modules.
"""

from __future__ import annotations

from pathlib import Path

import grimp
from importlinter import api  # noqa: F401 - the package must be installed for the contracts to run
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("models", "extractors", "evaluation", "service")


def test_the_import_contracts_hold(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0


def test_no_module_imports_itself_round_a_cycle() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    modules = sorted(graph.modules)
    index = {m: i for i, m in enumerate(modules)}
    edges = {m: [n for n in graph.find_modules_directly_imported_by(m) if n in index] for m in modules}
    # Tarjan's strongly connected components: any component of two or more modules is a cycle
    counter, stack, on_stack, low, number, cycles = [0], [], set(), {}, {}, []

    def visit(v: str) -> None:
        number[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in number:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], number[w])
        if low[v] == number[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for m in modules:
        if m not in number:
            visit(m)
    assert cycles == []
