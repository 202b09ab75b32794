"""The extraction benchmark section returns its figures."""

from __future__ import annotations

from obligations.devtools.bench_extract import TARGET_MB_PER_S, run


class Context:
    def __init__(self) -> None:
        self.options = {"extract_rounds": 1}


def test_bench_figures() -> None:
    result = run({"extract_rounds": 1})
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
