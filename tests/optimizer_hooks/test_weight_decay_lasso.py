"""WeightDecay (grad += rate * w) and Lasso (grad += rate * sign(w)), as
optimizer hooks and as update-rule hooks, before or after the update."""
import numpy
import pytest

import fastgrad
from fastgrad import Parameter, optimizer_hooks, optimizers


def _link(dtype=numpy.float32):
    rng = numpy.random.RandomState(0)
    link = fastgrad.Chain()
    with link.init_scope():
        link.a = Parameter(rng.uniform(-1, 1, (2, 3)).astype(dtype))
        link.b = Parameter(rng.uniform(-1, 1, (3,)).astype(dtype))
    grads = [rng.uniform(-1, 1, p.shape).astype(dtype) for p in link.params()]
    for p, g in zip(link.params(), grads):
        p.grad = g.copy()
    return link, grads


def _decay(w, rate):
    return rate * w


def _lasso(w, rate):
    return rate * numpy.sign(w)


HOOKS = [(optimizer_hooks.WeightDecay, _decay), (optimizer_hooks.Lasso, _lasso)]


@pytest.mark.parametrize('dtype', [numpy.float16, numpy.float32, numpy.float64])
@pytest.mark.parametrize('hook_cls,penalty', HOOKS)
def test_pre_hook_adds_the_penalty_to_the_grad(hook_cls, penalty, dtype):
    link, grads = _link(dtype)
    w0 = [p.array.copy() for p in link.params()]
    opt = optimizers.SGD(lr=1.0).setup(link)
    hook = hook_cls(0.1)
    assert hook.timing == 'pre' and hook.call_for_each_param
    assert hook.name == hook_cls.__name__ and hook.rate == 0.1
    opt.add_hook(hook)
    opt.update()
    tol = 2e-3 if dtype == numpy.float16 else 1e-6
    for p, w, g in zip(link.params(), w0, grads):
        g_exp = g + penalty(w, 0.1)
        numpy.testing.assert_allclose(p.grad, g_exp, rtol=tol, atol=tol)
        numpy.testing.assert_allclose(p.array, w - g_exp, rtol=tol, atol=tol)
        assert p.array.dtype == dtype and p.grad.dtype == dtype


@pytest.mark.parametrize('hook_cls,penalty', HOOKS)
def test_post_hook_changes_the_grad_after_the_update(hook_cls, penalty):
    link, grads = _link()
    w0 = [p.array.copy() for p in link.params()]
    opt = optimizers.SGD(lr=1.0).setup(link)
    opt.add_hook(hook_cls(0.1), timing='post')
    opt.update()
    for p, w, g in zip(link.params(), w0, grads):
        numpy.testing.assert_allclose(p.array, w - g, rtol=1e-6)
        numpy.testing.assert_allclose(p.grad, g + penalty(p.array, 0.1), rtol=1e-6)


@pytest.mark.parametrize('hook_cls,penalty', HOOKS)
def test_as_an_update_rule_hook_on_one_param(hook_cls, penalty):
    link, grads = _link()
    w0 = [p.array.copy() for p in link.params()]
    opt = optimizers.SGD(lr=1.0).setup(link)
    link.a.update_rule.add_hook(hook_cls(0.1))
    opt.update()
    numpy.testing.assert_allclose(link.a.array, w0[0] - grads[0] - penalty(w0[0], 0.1),
                                  rtol=1e-6)
    numpy.testing.assert_allclose(link.b.array, w0[1] - grads[1], rtol=1e-6)


@pytest.mark.parametrize('hook_cls,penalty', HOOKS)
def test_skips_uninitialized_and_gradless_params(hook_cls, penalty):
    hook = hook_cls(0.1)
    p = Parameter()
    hook(None, p)                      # no data: nothing to do, no error
    q = Parameter(numpy.ones(2, numpy.float32))
    q.cleargrad()
    hook(None, q)
    assert q.grad is None


@pytest.mark.parametrize('hook_cls', [optimizer_hooks.WeightDecay, optimizer_hooks.Lasso])
def test_the_penalty_scales_with_the_loss_scale(hook_cls):
    # The step with loss scaling equals the step without: the penalty is added to the
    # still-scaled gradient, so it is scaled too.
    import fastgrad.functions as F
    link, _ = _link()
    ref, _ = _link()
    x = numpy.ones((3,), numpy.float32)
    opt = optimizers.SGD(lr=0.5).setup(link)
    opt.loss_scaling(scale=64.0)
    opt.add_hook(hook_cls(0.1))
    opt_ref = optimizers.SGD(lr=0.5).setup(ref)
    opt_ref.add_hook(hook_cls(0.1))
    opt.update(lambda: F.sum(link.b * x) + F.sum(link.a))
    opt_ref.update(lambda: F.sum(ref.b * x) + F.sum(ref.a))
    w0, _ = _link()
    for p, q, w in zip(link.params(), ref.params(), w0.params()):
        numpy.testing.assert_allclose(p.array, q.array, rtol=1e-6)
        assert not numpy.allclose(p.array, w.array)
