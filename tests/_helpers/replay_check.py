"""The GPU tests' check of graph replay: training through ``capture_step``
gives the parameters of eager training.

Each test gives its own model and optimizer factories, batches (tuples of the
step's arguments), loss and tolerances; ``assert_replay_matches_eager`` trains
a new model each way, one update per batch, and compares.
"""
import collections
import contextlib

import numpy

import fastgrad
import fastgrad.functions as F
from fastgrad import backend
from fastgrad.graph_replay import capture_step

Run = collections.namedtuple('Run', 'model optimizer step losses')


def mse_loss(model, x, t):
    return F.mean_squared_error(model(x), t)


def train(make_model, make_optimizer, batches, replay, loss_fn=mse_loss, config=None):
    """A new model trained one update per batch (``step(*batch)``), through
    ``capture_step`` if ``replay``, under the config values ``config``
    (a dict); returns ``Run(model, optimizer, step, losses)``."""
    model = make_model()
    opt = make_optimizer().setup(model)

    def train_step(*args):
        model.cleargrads()
        loss = loss_fn(model, *args)
        loss.backward()
        opt.update()
        return loss
    with contextlib.ExitStack() as stack:
        for key, value in (config or {}).items():
            stack.enter_context(fastgrad.using_config(key, value))
        step = capture_step(train_step, opt) if replay else train_step
        losses = [float(step(*batch).array) for batch in batches]
    return Run(model, opt, step, losses)


def host(a):
    """``a`` (NumPy or CuPy) as a NumPy array."""
    return backend.CpuDevice().send(a)


def assert_params_close(model, ref, rtol, atol):
    """Every parameter of ``model`` is close to ``ref``'s of the same name."""
    got, want = sorted(model.namedparams()), sorted(ref.namedparams())
    assert [n for n, _ in got] == [n for n, _ in want]
    for (name, p), (_, q) in zip(got, want):
        numpy.testing.assert_allclose(host(p.array), host(q.array), rtol=rtol, atol=atol,
                                      err_msg=name)


def assert_replay_matches_eager(make_model, make_optimizer, batches, rtol, atol,
                                loss_fn=mse_loss, losses_rtol=None, replay_config=None,
                                eager_config=None):
    """Train with graph replay (config ``replay_config``) and eagerly
    (``eager_config``); the replayed run replays all but its first two steps
    (eager warm-up, capture) and its parameters (and, with ``losses_rtol``,
    its losses) are close to the eager run's.  Returns ``(replayed, eager)``
    Runs for further checks."""
    got = train(make_model, make_optimizer, batches, True, loss_fn, replay_config)
    want = train(make_model, make_optimizer, batches, False, loss_fn, eager_config)
    assert got.step.replays == len(batches) - 2
    if losses_rtol is not None:
        numpy.testing.assert_allclose(got.losses, want.losses, rtol=losses_rtol)
    assert_params_close(got.model, want.model, rtol, atol)
    return got, want
