"""Function hooks and link hooks: global (thread-local, ``with hook:``) and
local registration, the call order, and the bundled Timer/Print hooks."""
import io
import threading

import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import FunctionHook, LinkHook, function_hooks, link_hooks


class Recorder(FunctionHook):
    name = 'Recorder'

    def __init__(self):
        self.events = []

    def added(self, function):
        self.events.append(('added', function))

    def deleted(self, function):
        self.events.append(('deleted', function))

    def forward_preprocess(self, function, in_data):
        self.events.append(('fpre', function.label, len(in_data)))

    def forward_postprocess(self, function, in_data):
        self.events.append(('fpost', function.label))

    def backward_preprocess(self, function, in_data, out_grad):
        self.events.append(('bpre', function.label, len(out_grad)))

    def backward_postprocess(self, function, in_data, out_grad):
        self.events.append(('bpost', function.label))


def test_global_function_hook_sees_forward_and_backward():
    x = fastgrad.Variable(numpy.ones(3))
    hook = Recorder()
    with hook:
        assert fastgrad.get_function_hooks()['Recorder'] is hook
        y = F.sum(F.exp(x))
        y.backward()
    assert 'Recorder' not in fastgrad.get_function_hooks()
    assert hook.events == [
        ('added', None), ('fpre', 'exp', 1), ('fpost', 'exp'), ('fpre', 'Sum', 1),
        ('fpost', 'Sum'), ('bpre', 'Sum', 1), ('bpost', 'Sum'), ('bpre', 'exp', 1),
        ('bpost', 'exp'), ('deleted', None)]
    F.sum(F.exp(x)).backward()              # unregistered: nothing more recorded
    assert len(hook.events) == 10
    with pytest.raises(KeyError):
        with hook:
            with hook:
                pass


def test_local_hook_on_one_function():
    from fastgrad.functions.math.exponential import Exp
    hook = Recorder()
    f = Exp()
    f.add_hook(hook)
    y, = f.apply((numpy.ones(2),))
    F.exp(numpy.ones(2))                    # another function: not hooked
    assert [e[0] for e in hook.events] == ['added', 'fpre', 'fpost']
    f.delete_hook('Recorder')
    assert hook.events[-1] == ('deleted', f)
    with pytest.raises(TypeError):
        f.add_hook(object())


def test_hooks_are_thread_local():
    hook = Recorder()
    seen = []

    def other():
        F.exp(numpy.ones(2))
        seen.append(len(fastgrad.get_function_hooks()))
    with hook:
        t = threading.Thread(target=other)
        t.start()
        t.join()
    assert seen == [0] and [e[0] for e in hook.events] == ['added', 'deleted']


def test_timer_and_print_hooks():
    x = fastgrad.Variable(numpy.ones((2, 3)))
    timer = function_hooks.TimerHook()
    with timer:
        F.sum(F.relu(x)).backward()
    summary = timer.summary()
    assert summary['ReLU']['occurrence'] == 2 and summary['Sum']['occurrence'] == 2
    assert timer.total_time() > 0
    out = io.StringIO()
    timer.print_report(file=out)
    assert 'FunctionName' in out.getvalue() and 'ReLU' in out.getvalue()
    out = io.StringIO()
    with function_hooks.PrintHook(file=out):
        F.sum(F.relu(x)).backward()
    text = out.getvalue()
    assert 'function\tReLU' in text and 'output gradient' in text and 'shape: (2, 3)' in text


def test_link_hooks_global_and_timer():
    events = []

    class Rec(LinkHook):
        name = 'rec'

        def forward_preprocess(self, args):
            events.append(('pre', type(args.link).__name__))

        def forward_postprocess(self, args):
            events.append(('post', type(args.link).__name__, args.out.shape))
    model = fastgrad.Sequential(L.Linear(3, 4), F.relu, L.Linear(4, 2))
    x = numpy.ones((5, 3), numpy.float32)
    with Rec():
        model(x)
    assert events[0] == ('pre', 'Sequential') and events[-1] == ('post', 'Sequential', (5, 2))
    assert ('post', 'Linear', (5, 4)) in events
    n = len(events)
    model(x)
    assert len(events) == n
    timer = link_hooks.TimerHook()
    with timer:
        model(x)
    assert timer.summary()['Linear']['occurrence'] == 2
    with pytest.raises(TypeError):
        L.Linear(2, 2).add_hook(object())


def test_weight_standardization_forward_and_gradient():
    with fastgrad.using_config('dtype', numpy.float64):
        link = L.Linear(4, 3)
    link.add_hook(link_hooks.WeightStandardization())
    rng = numpy.random.RandomState(0)
    x, gy = rng.rand(2, 4), rng.rand(2, 3)
    W = link.W.array
    Wn = (W - W.mean(1, keepdims=True)) / numpy.sqrt(W.var(1, keepdims=True) + 1e-5)
    link.cleargrads()
    y = link(x)
    numpy.testing.assert_allclose(y.array, x @ Wn.T + link.b.array)
    assert isinstance(link.W, fastgrad.Parameter)          # restored after forward
    y.grad = gy.copy()
    y.backward()
    grad = link.W.grad.copy()
    numeric = numpy.zeros_like(W)
    W0 = W.copy()
    for i in numpy.ndindex(W.shape):
        for sign in (1, -1):
            link.W.array[...] = W0
            link.W.array[i] += sign * 1e-6
            numeric[i] += sign * (link(x).array * gy).sum() / 2e-6
    link.W.array[...] = W0
    numpy.testing.assert_allclose(grad, numeric, atol=1e-7)
    with pytest.raises(ValueError, match='does not exist'):
        L.Linear(2, 2).add_hook(link_hooks.WeightStandardization(weight_name='V'))
    with pytest.raises(NotImplementedError):
        with link_hooks.WeightStandardization():
            pass


def test_spectral_normalization():
    numpy.random.seed(0)
    with fastgrad.using_config('dtype', numpy.float64):
        link = L.Linear(6, 4)
    # enough power iterations to converge whatever the gap between singular values
    link.add_hook(link_hooks.SpectralNormalization(n_power_iteration=500))
    assert link.W_u.shape == (4,)
    x = numpy.random.RandomState(0).rand(3, 6)
    y = link(x)
    sigma = numpy.linalg.svd(link.W.array, compute_uv=False)[0]
    numpy.testing.assert_allclose(y.array, x @ (link.W.array / sigma).T + link.b.array,
                                  rtol=1e-5)
    assert isinstance(link.W, fastgrad.Parameter)
    link.cleargrads()
    y = link(x)
    y.grad = numpy.ones((3, 4))
    y.backward()
    assert numpy.isfinite(link.W.grad).all()
    conv = L.Convolution2D(2, 3, 3)
    conv.add_hook(link_hooks.SpectralNormalization(use_gamma=True))
    assert conv(numpy.ones((1, 2, 5, 5), numpy.float32)).shape == (1, 3, 3, 3)
    assert conv.gamma.shape == ()
    with pytest.raises(NotImplementedError):
        with link_hooks.SpectralNormalization():
            pass


def test_spectral_normalization_under_forget_recomputes_the_same_weight():
    """F.forget runs the forward again for backward (config.in_recomputing):
    the power iteration must not step again, or the gradient would belong
    to another W / sigma."""
    numpy.random.seed(0)
    with fastgrad.using_config('dtype', numpy.float64):
        link = L.Linear(5, 4)
    hook = link_hooks.SpectralNormalization()
    link.add_hook(hook)
    x = numpy.random.RandomState(1).rand(3, 5)
    link(x)
    u, v = link.W_u.copy(), hook.v.copy()
    with fastgrad.using_config('in_recomputing', True):
        y_again = link(x).array
    numpy.testing.assert_array_equal(link.W_u, u)
    numpy.testing.assert_array_equal(hook.v, v)
    # the weight of that forward: the vectors after the first one
    sigma = u @ link.W.array @ v
    numpy.testing.assert_allclose(y_again, x @ (link.W.array / sigma).T + link.b.array,
                                  rtol=1e-12)
    # through F.forget, the gradient equals the one without it
    gx = []
    for forget in (False, True):
        link.W_u[...] = u
        xv = fastgrad.Variable(x)
        y = F.forget(link, xv) if forget else link(xv)
        F.sum(y * y).backward()
        gx.append(xv.grad)
    numpy.testing.assert_allclose(gx[1], gx[0], rtol=1e-12)


class GradientRecorder(FunctionHook):
    name = 'GradientRecorder'

    def __init__(self):
        self.seen = []

    def backward_gradients(self, function, indexes, grad_inputs):
        self.seen.append((function.label, indexes, grad_inputs))


def test_backward_gradients_sees_what_each_backward_computed():
    x = fastgrad.Variable(numpy.array([1., 2.], numpy.float32))
    w = fastgrad.Variable(numpy.array([3., 4.], numpy.float32))
    with GradientRecorder() as hook:
        F.sum(x * w).backward()
    (sum_label, _, _), (mul_label, indexes, gxs) = hook.seen
    assert sum_label == 'Sum' and mul_label == '_ * _' and indexes == (0, 1)
    assert all(type(g) is numpy.ndarray for g in gxs)     # the fast path: arrays
    numpy.testing.assert_array_equal(gxs[0], w.array)
    numpy.testing.assert_array_equal(gxs[1], x.array)
    # what the hook saw is what was accumulated
    numpy.testing.assert_array_equal(x.grad, gxs[0])


def test_backward_gradients_under_double_backprop_are_variables():
    x = fastgrad.Variable(numpy.array([1., 2.]))
    with GradientRecorder() as hook:
        F.sum(x * x).backward(enable_double_backprop=True)
    _, indexes, gxs = hook.seen[-1]
    assert indexes == (0, 1) and all(isinstance(g, fastgrad.Variable) for g in gxs)

