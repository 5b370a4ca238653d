"""Write the Chainer-made .npz fixtures of the serializer tests.

Run with a real Chainer 7.8.1 (``bench/.envs/chainer/bin/python
tests/serializers/make_chainer_fixtures.py``); CI only reads the files.

Files written into ``fixtures/``:

* ``chainer_model.npz``: the float32 Model after 2 Adam steps
  (keys ``l1/W``, ``child/linear/b``, ``child/Wc``, ``child/count``...).
* ``chainer_adam.npz``: that Adam's state (``t``, ``epoch``, ``l1/W/t``,
  ``l1/W/m``, ``l1/W/v``...).
* ``chainer_momentum_sgd.npz``: a MomentumSGD's state after 2 steps of the
  same model from the same start (``l1/W/v``...).
* ``chainer_lazy.npz``: a Chain whose lazy ``L.Linear(None, 2)`` was never
  called (``lazy/W`` is stored as None).
* ``chainer_expected.npz``: what the tests compare with: ``init/<key>``
  (the float32 start), ``x``, ``t``, ``adam_model/<key>`` and
  ``momentum_model/<key>`` (params after the steps), ``lazy_dense_W``, and
  for the float64 cross-check of the update formulas ``f64_init/<key>``,
  ``f64_x``, ``f64_t`` and ``case/<name>``: the params after 3 steps of each
  case of ``fixture_model.optimizer_cases``, raveled and concatenated in the
  sorted order of their paths.
"""
import importlib.util
import os

import chainer
import chainer.functions as F
import chainer.links as L
import numpy
from chainer import optimizer_hooks, optimizers, serializers

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'fixtures')


def _load_model_module():
    spec = importlib.util.spec_from_file_location(
        'fixture_model', os.path.join(HERE, 'fixture_model.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _params(model, prefix):
    return {prefix + path.lstrip('/'): p.array.copy()
            for path, p in model.namedparams()}


def _flat(model):
    return numpy.concatenate([p.array.ravel() for _, p in
                              sorted(model.namedparams())])


def _copy_init(model, init):
    for path, p in model.namedparams():
        p.array[...] = init[path.lstrip('/')]


def main():
    os.makedirs(OUT, exist_ok=True)
    fm = _load_model_module()
    Model, Lazy = fm.define(chainer, L, F)
    expected = {}

    # float32 files: model + Adam / MomentumSGD state after 2 steps.
    numpy.random.seed(0)
    model = Model()
    init = {k: v for k, v in _params(model, '').items()}
    x = numpy.random.randn(5, 4).astype(numpy.float32)
    t = numpy.array([0, 1, 1, 0, 1], dtype=numpy.int32)
    expected['x'] = x
    expected['t'] = t
    for k, v in init.items():
        expected['init/' + k] = v

    def lossfun(m):
        return lambda x, t: F.softmax_cross_entropy(m(x), t)

    adam = optimizers.Adam(alpha=0.01).setup(model)
    for _ in range(2):
        adam.update(lossfun(model), x, t)
    adam.new_epoch()
    model.child.count = 7
    model.child.avg = numpy.array([0.5, -1.5], numpy.float32)
    serializers.save_npz(os.path.join(OUT, 'chainer_model.npz'), model)
    serializers.save_npz(os.path.join(OUT, 'chainer_adam.npz'), adam)
    expected.update(_params(model, 'adam_model/'))

    model2 = Model()
    _copy_init(model2, init)
    msgd = optimizers.MomentumSGD(lr=0.1).setup(model2)
    for _ in range(2):
        msgd.update(lossfun(model2), x, t)
    serializers.save_npz(os.path.join(OUT, 'chainer_momentum_sgd.npz'), msgd)
    expected.update(_params(model2, 'momentum_model/'))

    numpy.random.seed(1)
    lazy = Lazy()
    serializers.save_npz(os.path.join(OUT, 'chainer_lazy.npz'), lazy)
    expected['lazy_dense_W'] = lazy.dense.W.array.copy()

    # float64 cross-check of the update formulas: 3 steps of each case.
    with chainer.using_config('dtype', numpy.float64):
        numpy.random.seed(2)
        base = Model()
    f64_init = _params(base, '')
    xd = numpy.random.randn(6, 4)
    td = numpy.array([1, 0, 1, 1, 0, 0], dtype=numpy.int32)
    expected['f64_x'] = xd
    expected['f64_t'] = td
    for k, v in f64_init.items():
        expected['f64_init/' + k] = v
    for name, make_opt, make_hooks in fm.optimizer_cases(optimizers, optimizer_hooks):
        with chainer.using_config('dtype', numpy.float64):
            m = Model()
        _copy_init(m, f64_init)
        opt = make_opt().setup(m)
        for hook in make_hooks():
            opt.add_hook(hook)
        for _ in range(3):
            opt.update(lossfun(m), xd, td)
        # One flat vector per case (sorted paths) keeps the file small.
        expected['case/' + name] = _flat(m)

    numpy.savez_compressed(os.path.join(OUT, 'chainer_expected.npz'), **expected)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print('wrote', sorted(os.listdir(OUT)), total, 'bytes')


if __name__ == '__main__':
    main()
