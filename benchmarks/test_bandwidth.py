"""The read-bandwidth probe and the reader that sections 1-3 of run_all.py time beside
each kernel: they must report the rate of the bytes they read."""

from __future__ import annotations

import statistics
import time

import _bandwidth


def test_reader_reads_its_buffer_at_the_probed_rate():
    nbytes = 16 * 2**20
    bw = _bandwidth.measure(threads=(1, 2), nbytes=nbytes, repeat=3)
    assert set(bw) == {1, 2}
    assert all(v > 0 for v in bw.values())
    reader = _bandwidth.Reader(bw, nbytes=nbytes)
    assert reader.buf.nbytes == nbytes
    for t in (1, 2):
        assert reader.probe[t] == bw.best_probe(t)
        assert bw[t] == bw.detail[(reader.probe[t], t)]
        fn = reader.fn(t)
        walls = []
        for _ in range(3):
            t0 = time.perf_counter()
            fn()
            walls.append(time.perf_counter() - t0)
        # the figure is bytes over the wall time of a call (a probe that skipped the
        # read, or read a part of it, would be off by orders of magnitude)
        gbs = reader.gbs(statistics.median(walls))
        assert 0.05 * bw[t] < gbs < 20 * bw[t]
    assert float(reader.buf.sum()) == nbytes // 8  # read, not written
