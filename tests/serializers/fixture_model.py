"""The model shared by make_chainer_fixtures.py (run with Chainer) and the
fastgrad tests: the same class built from either library."""
import numpy


def define(chainer, L, F):
    class Child(chainer.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.linear = L.Linear(3, 2)
                self.Wc = chainer.Parameter(chainer.initializers.Normal(0.5), (2, 3))
            self.add_persistent('count', 0)
            self.add_persistent('avg', numpy.zeros(2, numpy.float32))

        def forward(self, h):
            return self.linear(h) + F.linear(h, self.Wc)

    class Model(chainer.Chain):
        def __init__(self, n_in=4):
            super().__init__()
            with self.init_scope():
                self.l1 = L.Linear(n_in, 3)
                self.l2 = L.Linear(3, 2)
                self.child = Child()

        def forward(self, x):
            h = F.relu(self.l1(x))
            return self.l2(h) + self.child(h)

    class Lazy(chainer.Chain):
        """One lazy link never called (its W is saved as None)."""

        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.lazy = L.Linear(None, 2)
                self.dense = L.Linear(3, 2)

    return Model, Lazy


def optimizer_cases(optimizers, optimizer_hooks):
    """(name, optimizer factory, hooks factory) for the 3-step cross-check."""
    O, H = optimizers, optimizer_hooks

    def no_hooks():
        return []

    return [
        ('SGD', lambda: O.SGD(lr=0.1), no_hooks),
        ('MomentumSGD', lambda: O.MomentumSGD(lr=0.1), no_hooks),
        ('NesterovAG', lambda: O.NesterovAG(lr=0.1), no_hooks),
        ('CorrectedMomentumSGD', lambda: O.CorrectedMomentumSGD(lr=0.1), no_hooks),
        ('Adam', lambda: O.Adam(), no_hooks),
        ('Adam_wd_eta', lambda: O.Adam(alpha=0.01, weight_decay_rate=0.1, eta=0.5),
         no_hooks),
        ('AdamW', lambda: O.AdamW(weight_decay_rate=0.05), no_hooks),
        ('AMSGrad', lambda: O.AMSGrad(alpha=0.01), no_hooks),
        ('AdaBound', lambda: O.AdaBound(alpha=0.01), no_hooks),
        ('AMSBound', lambda: O.AMSBound(alpha=0.01), no_hooks),
        ('AdaGrad', lambda: O.AdaGrad(lr=0.1), no_hooks),
        ('AdaDelta', lambda: O.AdaDelta(), no_hooks),
        ('RMSprop', lambda: O.RMSprop(), no_hooks),
        ('RMSprop_inside', lambda: O.RMSprop(eps=1e-4, eps_inside_sqrt=True),
         no_hooks),
        ('RMSpropGraves', lambda: O.RMSpropGraves(lr=0.01), no_hooks),
        ('SMORMS3', lambda: O.SMORMS3(lr=0.01), no_hooks),
        ('MSVAG', lambda: O.MSVAG(), no_hooks),
        ('MomentumSGD_hooks', lambda: O.MomentumSGD(lr=0.1),
         lambda: [H.WeightDecay(0.01), H.Lasso(0.001), H.GradientClipping(0.5),
                  H.GradientHardClipping(-0.05, 0.05)]),
    ]
