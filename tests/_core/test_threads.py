"""Backward passes running at the same time in several threads over graphs
that share leaves (one model, one Parameter) give the sequential result
(issue #9).  The linear layer's BLAS calls release the GIL, so threads really
do interleave inside backward."""
import sys
import threading

import numpy

import fastgrad
import fastgrad.functions as F
from fastgrad import links as L
from fastgrad import optimizers

THREADS = 4
STEPS = 300


def _run_threads(work):
    """Run ``work(thread_index)`` in THREADS threads; re-raise the first error.
    Threads switch every microsecond (not every 5 ms), so passes interleave."""
    errors = []

    def body(t):
        try:
            work(t)
        except BaseException as e:      # pragma: no cover - reported below
            errors.append(e)
    threads = [threading.Thread(target=body, args=(t,)) for t in range(THREADS)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    finally:
        sys.setswitchinterval(interval)
    if errors:
        raise errors[0]


def _inputs(seed):
    rng = numpy.random.RandomState(seed)
    # small integers: every sum is exact in float64, whatever its order
    return [rng.randint(-3, 4, size=(64, 32)).astype(numpy.float64) for _ in range(STEPS)]


def _loss(W, x):
    h = F.linear(fastgrad.Variable(x), W)
    return F.sum(h * h)


def test_grad_with_a_shared_parameter_equals_sequential():
    W = fastgrad.Parameter(numpy.random.RandomState(0).randint(
        -2, 3, size=(48, 32)).astype(numpy.float64))
    xs = [_inputs(t) for t in range(THREADS)]
    expected = [[fastgrad.grad([_loss(W, x)], [W])[0].array for x in xs[t]]
                for t in range(THREADS)]
    got = [[None] * STEPS for _ in range(THREADS)]

    def work(t):
        for i, x in enumerate(xs[t]):
            got[t][i] = fastgrad.grad([_loss(W, x)], [W])[0].array
    _run_threads(work)
    for t in range(THREADS):
        for i in range(STEPS):
            numpy.testing.assert_array_equal(got[t][i], expected[t][i])
    assert W.grad is None


def test_backward_accumulates_every_thread_into_a_shared_grad():
    W = fastgrad.Parameter(numpy.random.RandomState(0).randint(
        -2, 3, size=(48, 32)).astype(numpy.float64))
    xs = [_inputs(t) for t in range(THREADS)]
    for x in xs[0] + xs[1] + xs[2] + xs[3]:
        _loss(W, x).backward()
    expected = W.grad.copy()
    W.cleargrad()

    def work(t):
        for x in xs[t]:
            _loss(W, x).backward()
    _run_threads(work)
    numpy.testing.assert_array_equal(W.grad, expected)


def test_sgd_on_a_shared_model_from_four_threads():
    # Hogwild-style training: each thread updates the one model.  The order of
    # the updates is the scheduler's, so the check is that every step runs
    # (no lost or None gradient) and the model learns.
    rng = numpy.random.RandomState(1)
    X = rng.randn(256, 8).astype(numpy.float32)
    y = (X @ rng.randn(8, 1)).astype(numpy.float32)
    model = L.Linear(8, 1)
    start = float(F.mean_squared_error(model(X), y).array)

    def work(t):
        opt = optimizers.SGD(lr=0.01)
        opt.setup(model)
        for i in range(STEPS):
            batch = slice((i * 16) % 256, (i * 16) % 256 + 16)
            model.cleargrads()
            loss = F.mean_squared_error(model(X[batch]), y[batch])
            loss.backward()
            opt.update()
    _run_threads(work)
    end = float(F.mean_squared_error(model(X), y).array)
    assert numpy.isfinite(end) and end < start * 0.01, (start, end)
