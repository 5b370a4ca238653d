"""static_graph / static_code: Chainer's decorators, define-by-run results."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import static_code, static_graph


class MLP(fastgrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(3, 4)
            self.l2 = L.Linear(4, 2)
        self.side_effects = 0

    @static_code
    def side_effect(self):
        self.side_effects += 1

    def plain(self, x):
        return self.l2(F.tanh(self.l1(x)))

    @static_graph
    def forward(self, x):
        self.side_effect()
        return self.plain(x)


def test_results_and_gradients_equal_define_by_run():
    m = MLP()
    x = numpy.random.RandomState(0).randn(5, 3).astype(numpy.float32)
    for _ in range(3):          # later calls are where Chainer would replay
        m.cleargrads()
        y = m(x)
        F.sum(y * y).backward()
        got = [p.grad.copy() for p in m.params()]
        m.cleargrads()
        y_ref = m.plain(x)
        F.sum(y_ref * y_ref).backward()
        numpy.testing.assert_array_equal(y.array, y_ref.array)
        for g, p in zip(got, m.params()):
            numpy.testing.assert_array_equal(g, p.grad)
    assert m.side_effects == 3
    assert m.schedule_manager.calls == 3
    m.schedule_manager.end_forward()


def test_options_form_and_unknown_options():
    class Net(fastgrad.Chain):
        @static_graph(verbosity_level=1, minimize_cache_size=True)
        def forward(self, x, ys):
            return x * 2, [y + 1 for y in ys]
    out = Net()(numpy.ones(2), [numpy.zeros(1)])
    numpy.testing.assert_array_equal(out[0].array, [2, 2])
    with pytest.raises(TypeError, match='unexpected keyword.*bogus'):
        static_graph(bogus=True)
    with pytest.raises(TypeError, match='unexpected keyword.*nope'):
        static_code(nope=1)


def test_chainer_restrictions_are_checked():
    class Net(fastgrad.Chain):
        @static_graph
        def forward(self, x, scale=1.0):
            return x * scale
    with pytest.raises(TypeError, match='keyword arguments are not allowed'):
        Net()(numpy.ones(2), scale=2.0)
    with pytest.raises(TypeError, match='the arguments.*got int'):
        Net()(numpy.ones(2), 3)

    class BadOut(fastgrad.Chain):
        @static_graph
        def forward(self, x):
            return {'y': x}
    with pytest.raises(TypeError, match='the return value.*got dict'):
        BadOut()(numpy.ones(2))


def test_nesting_is_refused_and_the_flag_is_cleared_after_an_error():
    class Inner(fastgrad.Chain):
        @static_graph
        def forward(self, x):
            return x + 1

    class Outer(fastgrad.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.inner = Inner()

        @static_graph
        def forward(self, x):
            return self.inner(x)
    with pytest.raises(RuntimeError, match='may not be nested'):
        Outer()(numpy.ones(1))
    assert Inner()(numpy.ones(1)).array[0] == 2      # the state was reset


def test_switched_off_by_config_and_in_test_mode_on_request():
    class Net(fastgrad.Chain):
        @static_graph(force_test_define_by_run=True)
        def forward(self, x, **kw):
            return x * 2
    n = Net()
    with fastgrad.using_config('train', False):
        n(numpy.ones(1), extra=1)             # define-by-run: no checks
    with fastgrad.using_config('use_static_graph', False):
        n(numpy.ones(1), extra=1)
    assert 'schedule_manager' not in n.__dict__
    assert fastgrad.config.use_static_graph is True


def test_only_chains():
    class NotAChain(object):
        @static_graph
        def forward(self, x):
            return x
    with pytest.raises(TypeError, match='method of a Chain'):
        NotAChain().forward(numpy.ones(1))
