"""ddq's benchmarks: one line per figure, `name: value unit`, with a baseline measured in the same run.

Machines are noisy, so targets are ratios against a baseline, never absolute times in a test.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ddq.core.definitions import load_library, questionnaire_from_data, questionnaire_to_data  # noqa: E402

QUESTIONNAIRES = ROOT / "questionnaires"


def median_seconds(work: Callable[[], object], repeat: int = 15) -> float:
    work()  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_mib(work: Callable[[], object]) -> float:
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def report(name: str, value: float, unit: str, baseline: tuple[str, float] | None = None, target: str = "") -> None:
    line = f"{name}: {value:.2f} {unit}"
    if baseline:
        label, base = baseline
        line += f" (baseline {label}: {base:.2f} {unit}; ratio {value / base:.1f}x)"
    if target:
        line += f" [target {target}]"
    print(line, flush=True)


def yaml_files() -> list[Path]:
    return sorted(QUESTIONNAIRES.rglob("*.yaml"))


def parse_only() -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in yaml_files():
        yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader


def main() -> None:
    library = load_library(QUESTIONNAIRES)
    questions = sum(len(q.questions) for q in library.questionnaires.values())
    print(
        f"# {len(yaml_files())} definition files, {len(library.questionnaires)} questionnaires, {questions} questions"
    )

    load = median_seconds(lambda: load_library(QUESTIONNAIRES)) * 1000
    parse = median_seconds(parse_only) * 1000
    report("load_and_validate_questionnaires", load, "ms", ("YAML parsing alone", parse), "<= 5x parsing")
    report("load_and_validate_peak_memory", peak_mib(lambda: load_library(QUESTIONNAIRES)), "MiB")

    capacity = library.questionnaire("partner-capacity")
    snapshot = json.dumps(questionnaire_to_data(capacity))
    rebuild = median_seconds(lambda: questionnaire_from_data(json.loads(snapshot)), repeat=30) * 1000
    decode = median_seconds(lambda: json.loads(snapshot), repeat=30) * 1000
    report("rebuild_partner_capacity_from_snapshot", rebuild, "ms", ("JSON decoding alone", decode))


if __name__ == "__main__":
    main()
