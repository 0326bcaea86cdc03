"""dbt layers flow one way (DESIGN.md section 2): staging reads sources (and seeds), intermediate reads staging,
intermediate and seeds, marts read intermediate, staging, other marts and seeds. No intermediate model reads a
mart; no mart or intermediate model reads a raw source. Checked statically on every model's SQL, so a
violation fails the fast tier."""

from __future__ import annotations

import re
from pathlib import Path

REF = re.compile(r"""ref\(\s*['"]([A-Za-z0-9_]+)['"]\s*\)""")
SOURCE = re.compile(r"""\b(?:source|lake_source)\(""")
# Dynamic refs (the union over the registry's staging models) are checked by their macro's list instead.
DYNAMIC = {"int_indicator_values_unioned"}

ALLOWED = {"staging": {"staging", "seed"}, "intermediate": {"staging", "intermediate", "seed"},
           "marts": {"staging", "intermediate", "marts", "seed"}}


def _layer_of(model_dir: Path, path: Path) -> str:
    return path.relative_to(model_dir).parts[0]


def test_models_read_only_the_layers_below_them(project_root):
    model_dir = project_root / "models"
    seeds = {p.stem for p in (project_root / "seeds").rglob("*.csv")}
    layer = {p.stem: _layer_of(model_dir, p) for p in model_dir.rglob("*.sql")}
    assert set(layer.values()) == {"staging", "intermediate", "marts"}
    problems = []
    for path in sorted(model_dir.rglob("*.sql")):
        own = layer[path.stem]
        text = path.read_text(encoding="utf-8")
        if own != "staging" and SOURCE.search(text):
            problems.append(f"{path.relative_to(project_root)} ({own}) reads a source directly")
        for name in REF.findall(text):
            kind = "seed" if name in seeds else layer.get(name)
            assert kind, f"{path.name} refs unknown model {name}"
            if kind not in ALLOWED[own]:
                problems.append(f"{path.relative_to(project_root)} ({own}) reads {name} ({kind})")
    assert problems == []


def test_the_union_reads_only_staging_models(project_root):
    text = (project_root / "macros" / "generated" / "registry_staging_models.sql").read_text(encoding="utf-8")
    listed = re.findall(r"'(stg_[a-z0-9_]+)'", text)
    assert listed and all(n.startswith("stg_") for n in listed)
    assert DYNAMIC == {"int_indicator_values_unioned"}
