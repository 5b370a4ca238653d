"""GradientNoise (annealed Gaussian noise, or a custom noise function) and
GradientLARS (layer-wise adaptive rate scaling)."""
import numpy
import pytest

import fastgrad
from fastgrad import Parameter, optimizer_hooks, optimizers
from fastgrad.optimizer_hooks.gradient_noise import exponential_decay_noise


def _link(dtype=numpy.float32):
    rng = numpy.random.RandomState(0)
    link = fastgrad.Chain()
    with link.init_scope():
        link.a = Parameter(rng.uniform(-1, 1, (4, 3)).astype(dtype))
    g = rng.uniform(-1, 1, (4, 3)).astype(dtype)
    link.a.grad = g.copy()
    return link, g


def test_noise_with_a_custom_function():
    link, g = _link()
    w0 = link.a.array.copy()
    calls = []

    def noise(xp, shape, dtype, hook, rule):
        calls.append((xp, shape, dtype, hook, rule, rule.t))
        return xp.full(shape, 0.25, dtype)

    hook = optimizer_hooks.GradientNoise(0.3, noise_func=noise)
    assert hook.name == 'GradientNoise' and hook.timing == 'pre'
    assert hook.call_for_each_param and hook.eta == 0.3
    opt = optimizers.SGD(lr=1.0).setup(link)
    opt.add_hook(hook)
    opt.update()
    # An optimizer 'pre' hook runs before the rules count the step (rule.t
    # is still 0), as in Chainer.
    assert calls == [(numpy, (4, 3), numpy.float32, hook, link.a.update_rule, 0)]
    numpy.testing.assert_allclose(link.a.grad, g + 0.25, rtol=1e-6)
    numpy.testing.assert_allclose(link.a.array, w0 - g - 0.25, rtol=1e-6)


def test_default_noise_is_annealed_gaussian():
    class Rule(object):
        t = 3

    class Hook(object):
        eta = 0.3

    numpy.random.seed(0)
    n = exponential_decay_noise(numpy, (20000,), numpy.float32, Hook(), Rule())
    assert n.dtype == numpy.float32 and n.shape == (20000,)
    std = numpy.sqrt(0.3 / (1 + 3) ** 0.55)
    assert n.std() == pytest.approx(std, rel=0.03)
    assert abs(n.mean()) < 0.03
    numpy.random.seed(0)
    again = numpy.random.normal(0, std, (20000,)).astype(numpy.float32)
    numpy.testing.assert_array_equal(n, again)   # NumPy's global RNG, as Chainer


def test_default_noise_in_an_update():
    link, g = _link()
    opt = optimizers.SGD(lr=1.0).setup(link)
    opt.add_hook(optimizer_hooks.GradientNoise(0.01))
    numpy.random.seed(1)
    opt.update()
    numpy.random.seed(1)
    noise = numpy.random.normal(0, numpy.sqrt(0.01 / 1 ** 0.55), (4, 3))
    numpy.testing.assert_allclose(link.a.grad, g + noise.astype(numpy.float32),
                                  rtol=1e-6)
    # as a rule hook it runs after the rule counted the step (t = 2 here)
    link.a.update_rule.add_hook(optimizer_hooks.GradientNoise(0.01))
    g2 = link.a.grad.copy()
    numpy.random.seed(2)
    link.a.update_rule.update(link.a)
    numpy.random.seed(2)
    noise = numpy.random.normal(0, numpy.sqrt(0.01 / (1 + 2) ** 0.55), (4, 3))
    numpy.testing.assert_allclose(link.a.grad, g2 + noise.astype(numpy.float32),
                                  rtol=1e-6)


@pytest.mark.parametrize('threshold', [1e-2, 100.0])
@pytest.mark.parametrize('weight_decay', [0.0, 0.1])
def test_lars(threshold, weight_decay):
    link, g = _link(numpy.float64)
    w = link.a.array.copy()
    hook = optimizer_hooks.GradientLARS(threshold=threshold,
                                        weight_decay=weight_decay, eps=1e-9)
    assert hook.name == 'GradientLARS' and hook.call_for_each_param
    opt = optimizers.SGD(lr=1.0).setup(link)
    opt.add_hook(hook)
    opt.update()
    p_norm = numpy.linalg.norm(w)
    g_norm = numpy.linalg.norm(g)
    rate = p_norm / (1e-9 + g_norm + weight_decay * p_norm) \
        if p_norm > threshold else 1.0
    expected = (g + weight_decay * w) * rate
    numpy.testing.assert_allclose(link.a.grad, expected, rtol=1e-12)
    numpy.testing.assert_allclose(link.a.array, w - expected, rtol=1e-12)
