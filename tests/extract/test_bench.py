"""The extraction benchmark section returns its figures."""

from __future__ import annotations

import pytest

from obligations.devtools.bench_extract import TARGET_MB_PER_S, run


class Context:
    def __init__(self) -> None:
        self.options = {"extract_rounds": 1, "extract_accuracy": False}


def test_bench_figures() -> None:
    result = run({"extract_rounds": 1, "extract_accuracy": False})
    assert result["files"] == 5
    assert result["tasks"] == 370
    assert result["bytes"] == 531969
    assert result["seconds"] > 0
    assert result["mb_per_s"] > 0
    assert result["target_mb_per_s"] == TARGET_MB_PER_S == 1.0
    assert result["figures"]["mb_per_s"] == result["mb_per_s"]
    assert result["targets"] == {"mb_per_s": [">=", 1.0]}


def test_bench_accepts_the_bench_commands_context() -> None:
    assert run(Context())["rounds"] == 1


@pytest.mark.slow
def test_bench_reports_accuracy_on_the_real_plans() -> None:
    result = run({"extract_rounds": 1})
    figures = result["figures"]
    for name in ("seeds", "real_dev", "real_heldout"):
        assert {f"{name}_f1", f"{name}_units", f"{name}_deadlines", f"{name}_seconds"} <= set(figures)
        assert result["targets"][f"{name}_f1"] == [">=", 0.98 if name == "seeds" else 0.95]
    assert figures["seeds_gold"] == 370 and figures["seeds_f1"] >= 0.98
    assert ("scan_f1" in figures) or ("scan" in result.get("skipped_sets", {}))
