"""Many PDFs at once: HTML is made in the calling process, PDFs in a pool of long-lived worker processes."""

from __future__ import annotations

import multiprocessing
import os
import resource
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from .render import render_pdf


@dataclass(frozen=True)
class BatchResult:
    files: int
    seconds: float
    #: Peak resident memory of each worker process, in MiB.
    worker_peaks_mib: tuple[float, ...]

    @property
    def peak_total_mib(self) -> float:
        """All workers' peaks added up: an upper bound of the pool's memory at any moment."""
        return sum(self.worker_peaks_mib)


def _render_to_file(job: tuple[str, str]) -> tuple[int, float]:
    html, path = job
    Path(path).write_bytes(render_pdf(html))
    return os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def render_batch(
    jobs: Iterable[tuple[str, Path]], workers: int = 2, progress: Callable[[int], None] | None = None
) -> BatchResult:
    """Render (html, path) jobs to PDF files with `workers` processes; `progress(1)` is called per file."""
    import weasyprint  # noqa: F401 - imported once here, shared by the forked workers

    work = [(html, str(path)) for html, path in jobs]
    start = time.perf_counter()
    peaks: dict[int, float] = {}
    context = multiprocessing.get_context("fork")
    with context.Pool(processes=max(1, workers)) as pool:
        for pid, peak in pool.imap_unordered(_render_to_file, work, chunksize=1):
            peaks[pid] = max(peak, peaks.get(pid, 0.0))
            if progress:
                progress(1)
    return BatchResult(len(work), time.perf_counter() - start, tuple(peaks.values()))
