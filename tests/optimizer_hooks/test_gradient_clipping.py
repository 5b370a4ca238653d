"""GradientClipping (global L2 norm) and GradientHardClipping (elementwise)."""
import numpy
import pytest

import fastgrad
from fastgrad import Parameter, optimizer_hooks, optimizers


def _link(scale=1.0, dtype=numpy.float32):
    rng = numpy.random.RandomState(0)
    link = fastgrad.Chain()
    with link.init_scope():
        link.a = Parameter(rng.uniform(-1, 1, (4, 3)).astype(dtype))
        link.b = Parameter(rng.uniform(-1, 1, (3,)).astype(dtype))
        link.lazy = Parameter()        # uninitialized: ignored
    grads = [(scale * rng.uniform(-1, 1, p.shape)).astype(dtype)
             for p in (link.a, link.b)]
    link.a.grad, link.b.grad = grads[0].copy(), grads[1].copy()
    return link, grads


def test_clipping_attributes():
    hook = optimizer_hooks.GradientClipping(1.0)
    assert hook.name == 'GradientClipping' and hook.timing == 'pre'
    assert not getattr(hook, 'call_for_each_param', False)
    assert hook.threshold == 1.0


@pytest.mark.parametrize('dtype', [numpy.float32, numpy.float64])
@pytest.mark.parametrize('threshold', [0.5, 100.0])
def test_clipping_rescales_to_the_threshold(threshold, dtype):
    link, grads = _link(dtype=dtype)
    w0 = [link.a.array.copy(), link.b.array.copy()]
    norm = numpy.sqrt(sum(float((g.astype(numpy.float64) ** 2).sum()) for g in grads))
    rate = min(1.0, threshold / norm)
    opt = optimizers.SGD(lr=1.0).setup(link)
    opt.add_hook(optimizer_hooks.GradientClipping(threshold))
    opt.update()
    for p, w, g in zip((link.a, link.b), w0, grads):
        numpy.testing.assert_allclose(p.grad, g * rate, rtol=1e-6)
        numpy.testing.assert_allclose(p.array, w - g * rate, rtol=1e-6, atol=1e-7)
    new_norm = numpy.sqrt(sum(float((p.grad ** 2).sum()) for p in (link.a, link.b)))
    assert new_norm == pytest.approx(min(norm, threshold), rel=1e-5)
    if rate == 1.0:
        numpy.testing.assert_array_equal(link.a.grad, grads[0])


def test_clipping_zero_grads_is_a_no_op():
    link, _ = _link(scale=0.0)
    opt = optimizers.SGD().setup(link)
    opt.add_hook(optimizer_hooks.GradientClipping(1.0))
    opt.update()
    assert numpy.all(link.a.grad == 0)


@pytest.mark.parametrize('timing', ['pre', 'post'])
def test_hard_clipping(timing):
    link, grads = _link(scale=3.0)
    w0 = [link.a.array.copy(), link.b.array.copy()]
    hook = optimizer_hooks.GradientHardClipping(-1.0, 0.5)
    assert hook.name == 'GradientHardClipping' and hook.call_for_each_param
    assert (hook.lower_bound, hook.upper_bound) == (-1.0, 0.5)
    opt = optimizers.SGD(lr=1.0).setup(link)
    opt.add_hook(hook, timing=timing)
    opt.update()
    for p, w, g in zip((link.a, link.b), w0, grads):
        clipped = numpy.clip(g, -1.0, 0.5)
        numpy.testing.assert_array_equal(p.grad, clipped)
        used = clipped if timing == 'pre' else g
        numpy.testing.assert_allclose(p.array, w - used, rtol=1e-6)


def test_hard_clipping_as_a_rule_hook_skips_missing_grads():
    hook = optimizer_hooks.GradientHardClipping(-1, 1)
    hook(None, Parameter())
    p = Parameter(numpy.ones(2, numpy.float32))
    p.cleargrad()
    hook(None, p)
    assert p.grad is None
