"""The asynchronous multi-node optimizers: ``double_buffering`` (ChainerMN's
semantics: update t applies step t-1's mean gradients) and ``overlap``
(buckets reduced during backward, the plain path's numbers), under
``mpiexec -n 2`` and ``-n 3`` against single-process references on the full
batch, for SGD, MomentumSGD and Adam; and in this process (one rank) the
bookkeeping paths: gradient accumulation over two backward passes, a
parameter whose consumer never gets a gradient."""
import os
import sys

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L

pytest.importorskip('mpi4py')
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                '_helpers'))
from mpi_run import MPIEXEC, mpirun  # noqa: E402  (tests/_helpers: mpiexec and its runner)


def _mpirun(args, n, timeout=180):
    return mpirun(args, n=n, timeout=timeout)


@pytest.mark.skipif(MPIEXEC is None, reason='mpiexec not found')
@pytest.mark.parametrize('mode,path,n', [
    ('double_buffering', 'lossfun', 2),
    ('double_buffering', 'user', 3),
    ('overlap', 'lossfun', 2),
    ('overlap', 'user', 2),
    ('overlap', 'lossfun', 3),
    ('overlap', 'user', 3),
])
def test_equals_single_process_reference(mode, path, n):
    out = _mpirun([os.path.join(HERE, 'mpi_async_optimizers.py'), mode, path], n)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split('\n')[:3] == ['OK {} {} {}'.format(mode, o, path)
                                          for o in ('SGD', 'MomentumSGD', 'Adam')]


# -- one process ---------------------------------------------------------------


class _Net(fastgrad.Chain):

    def __init__(self, probe=False):
        super(_Net, self).__init__()
        rng = numpy.random.RandomState(3)
        self.probe = probe
        with fastgrad.using_config('dtype', numpy.float64), self.init_scope():
            self.a = L.Linear(4, 5, initialW=rng.randn(5, 4), initial_bias=0.1)
            self.b = L.Linear(5, 2, initialW=rng.randn(2, 5), initial_bias=0.2)

    def forward(self, x):
        h = F.tanh(self.a(x))
        if self.probe:
            self.probed = F.sum(self.b(h * 2))     # b's second consumer, not in the loss
        return F.sum(self.b(h) ** 2)


def _comm():
    from fastgrad import chainermn
    return chainermn.create_communicator('flat')


def _train(opt, model, steps, accumulate):
    rng = numpy.random.RandomState(5)
    for _ in range(steps):
        model.cleargrads()
        for _ in range(accumulate):
            model(rng.randn(3, 4)).backward()
        opt.update()


def _check(accumulate, probe, expect):
    from fastgrad import chainermn
    ref = _Net(probe)
    ref_opt = chainermn.create_multi_node_optimizer(
        fastgrad.optimizers.MomentumSGD(lr=0.05), _comm()).setup(ref)
    _train(ref_opt, ref, 4, accumulate)
    model = _Net(probe)
    opt = chainermn.create_multi_node_optimizer(
        fastgrad.optimizers.MomentumSGD(lr=0.05), _comm(), overlap=True,
        bucket_size=64).setup(model)
    try:
        _train(opt, model, 4, accumulate)
    finally:
        opt.close()
    assert fastgrad.get_function_hooks() == {}
    for (n, p), (_, q) in zip(sorted(ref.namedparams()), sorted(model.namedparams())):
        numpy.testing.assert_array_equal(q.array, p.array, err_msg=n)
    stats = opt.overlap_stats
    for key, value in expect.items():
        assert value(stats[key]), stats


def test_overlap_one_backward_per_step():
    _check(1, False, {'during_backward': lambda v: v > 0, 'redone': lambda v: v == 0,
                      'in_update': lambda v: v == 0})


def test_overlap_gradient_accumulation_redoes_the_buckets():
    # the second forward/backward of a step reuses parameters whose buckets
    # left during the first backward: redone from .grad, same result
    _check(2, False, {'redone': lambda v: v > 0})


def test_overlap_consumer_outside_the_loss():
    # b has a consumer whose backward never runs: b's bucket waits for update
    _check(1, True, {'in_update': lambda v: v > 0})


def test_double_buffering_one_process_applies_the_previous_gradients():
    from fastgrad import chainermn
    model = _Net()
    opt = chainermn.create_multi_node_optimizer(
        fastgrad.optimizers.SGD(lr=0.1), _comm(), double_buffering=True).setup(model)
    ref = _Net()
    x = numpy.random.RandomState(0).randn(3, 4)
    opt.update(model, x)                       # broadcast
    opt.update(model, x)                       # starts the first reduction only
    numpy.testing.assert_array_equal(model.a.W.array, ref.a.W.array)
    ref.cleargrads()
    ref(x).backward()
    expected = ref.a.W.array - 0.1 * ref.a.W.grad
    opt.update(model, x)                       # applies step 2's gradients
    numpy.testing.assert_allclose(model.a.W.array, expected, rtol=1e-14)
    opt.close()


def test_bad_arguments():
    from fastgrad import chainermn
    with pytest.raises(ValueError, match='double_buffering or overlap'):
        chainermn.create_multi_node_optimizer(fastgrad.optimizers.SGD(), _comm(),
                                              double_buffering=True, overlap=True)
    with pytest.raises(ValueError, match='bucket_size must be positive'):
        chainermn.create_multi_node_optimizer(fastgrad.optimizers.SGD(), _comm(),
                                              overlap=True, bucket_size=0)


@pytest.mark.parametrize('kw', [{'overlap': True, 'bucket_size': 64},
                                {'double_buffering': True}])
@pytest.mark.parametrize('zero_fill', [True, False])
def test_zero_fill(kw, zero_fill):
    # a link outside the loss reaches the actual optimizer with zeros under
    # zero_fill, with no gradient otherwise
    from fastgrad import chainermn

    class WithUnused(_Net):
        def __init__(self):
            super(WithUnused, self).__init__()
            with self.init_scope():
                self.unused = L.Linear(2, 2)

    class Recording(fastgrad.optimizers.SGD):
        seen = []

        def update(self, lossfun=None, *args, **kwds):
            g = self.target.unused.W.grad
            self.seen.append(None if g is None else g.copy())
            return super(Recording, self).update(lossfun, *args, **kwds)

    model = WithUnused()
    opt = chainermn.create_multi_node_optimizer(
        Recording(lr=0.1), _comm(), zero_fill=zero_fill, **kw).setup(model)
    x = numpy.random.RandomState(0).randn(3, 4)
    try:
        for _ in range(4):
            opt.update(model, x)
    finally:
        opt.close()
    assert len(Recording.seen) == (3 if 'overlap' in kw else 2)
    for g in Recording.seen:
        if zero_fill:
            assert g is not None and not g.any()
        else:
            assert g is None
