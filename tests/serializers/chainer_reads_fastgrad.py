"""Check by hand that Chainer reads fastgrad's .npz files (CI cannot run
Chainer).  Two steps, two interpreters::

    python tests/serializers/chainer_reads_fastgrad.py write DIR       # fastgrad
    bench/.envs/chainer/bin/python tests/serializers/chainer_reads_fastgrad.py read DIR

``write`` trains the fixture Model 2 Adam steps and 2 MomentumSGD steps with
fastgrad and saves the model, both optimizers, a lazy model and the expected
values; ``read`` loads them into the same model built with Chainer (strict),
checks every value and the optimizer states, and then checks that one more
Chainer step from the loaded state equals one more fastgrad step (saved by
``write``).
"""
import importlib.util
import os
import sys

import numpy

HERE = os.path.dirname(os.path.abspath(__file__))


def _fixture_model():
    spec = importlib.util.spec_from_file_location(
        'fixture_model', os.path.join(HERE, 'fixture_model.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _lib(name):
    if name == 'chainer':
        import chainer
        import chainer.functions as F
        import chainer.links as L
        from chainer import optimizers, serializers
    else:
        sys.path.insert(0, os.path.dirname(os.path.dirname(HERE)))
        import fastgrad as chainer
        import fastgrad.functions as F
        import fastgrad.links as L
        from fastgrad import optimizers, serializers
    return chainer, F, L, optimizers, serializers


def write(out):
    chainer, F, L, optimizers, serializers = _lib('fastgrad')
    Model, Lazy = _fixture_model().define(chainer, L, F)
    os.makedirs(out, exist_ok=True)
    numpy.random.seed(3)
    model = Model()
    x = numpy.random.randn(5, 4).astype(numpy.float32)
    t = numpy.array([1, 1, 0, 0, 1], numpy.int32)

    def loss(m):
        return lambda x, t: F.softmax_cross_entropy(m(x), t)

    adam = optimizers.Adam(alpha=0.01).setup(model)
    for _ in range(2):
        adam.update(loss(model), x, t)
    adam.new_epoch()
    model.child.count = 5
    model.child.avg = numpy.array([1.25, 2.5], numpy.float32)
    serializers.save_npz(os.path.join(out, 'fg_model.npz'), model)
    serializers.save_npz(os.path.join(out, 'fg_adam.npz'), adam, compression=False)
    expected = {'x': x, 't': t}
    for path, p in model.namedparams():
        expected['model/' + path.lstrip('/')] = p.array.copy()
        expected['m/' + path.lstrip('/')] = p.update_rule.state['m'].copy()
    adam.update(loss(model), x, t)            # the step Chainer must reproduce
    for path, p in model.namedparams():
        expected['next/' + path.lstrip('/')] = p.array.copy()
    lazy = Lazy()
    serializers.save_npz(os.path.join(out, 'fg_lazy.npz'), lazy)
    expected['lazy_dense_W'] = lazy.dense.W.array.copy()
    numpy.savez(os.path.join(out, 'fg_expected.npz'), **expected)
    print('fastgrad wrote', sorted(os.listdir(out)))


def read(src):
    chainer, F, L, optimizers, serializers = _lib('chainer')
    Model, Lazy = _fixture_model().define(chainer, L, F)
    E = numpy.load(os.path.join(src, 'fg_expected.npz'))
    model = Model(n_in=None)                 # lazy l1: loading initializes it
    serializers.load_npz(os.path.join(src, 'fg_model.npz'), model)
    for path, p in model.namedparams():
        numpy.testing.assert_array_equal(p.array, E['model/' + path.lstrip('/')])
    assert model.child.count == 5 and type(model.child.count) is int
    numpy.testing.assert_array_equal(model.child.avg, [1.25, 2.5])
    adam = optimizers.Adam(alpha=0.01).setup(model)
    serializers.load_npz(os.path.join(src, 'fg_adam.npz'), adam)
    assert adam.t == 2 and adam.epoch == 1, (adam.t, adam.epoch)
    for path, p in model.namedparams():
        assert p.update_rule.t == 2
        numpy.testing.assert_array_equal(p.update_rule.state['m'],
                                         E['m/' + path.lstrip('/')])
    adam.update(lambda x, t: F.softmax_cross_entropy(model(x), t), E['x'], E['t'])
    for path, p in model.namedparams():
        numpy.testing.assert_allclose(p.array, E['next/' + path.lstrip('/')],
                                      rtol=1e-5, atol=1e-6)
    lazy = Lazy()
    serializers.load_npz(os.path.join(src, 'fg_lazy.npz'), lazy)
    assert lazy.lazy.W.array is None
    numpy.testing.assert_array_equal(lazy.dense.W.array, E['lazy_dense_W'])
    print('chainer', chainer.__version__, 'read every fastgrad file: OK')


if __name__ == '__main__':
    {'write': write, 'read': read}[sys.argv[1]](sys.argv[2])
