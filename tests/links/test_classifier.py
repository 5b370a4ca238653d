"""L.Classifier: attributes and defaults, label_key forms, loss/accuracy values,
reporting through fastgrad.reporter, gradients, printing."""
import numpy
import pytest

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L
from fastgrad import reporter as reporter_module
from fastgrad.gradient_check import check_backward


def _data(n=6, d=4, k=3):
    x = numpy.random.randn(n, d).astype(numpy.float32)
    t = numpy.random.randint(0, k, n).astype(numpy.int32)
    return x, t


def _ref_loss_acc(y, t):
    y = y.astype('d')
    logp = y - numpy.log(numpy.exp(y - y.max(1, keepdims=True)).sum(1, keepdims=True)) \
        - y.max(1, keepdims=True)
    return -logp[numpy.arange(len(t)), t].mean(), (y.argmax(1) == t).mean()


def test_attributes_and_defaults():
    p = L.Linear(4, 3)
    c = L.Classifier(p)
    assert c.predictor is p and p.name == 'predictor'
    assert c.lossfun is F.softmax_cross_entropy and c.accfun is F.accuracy
    assert c.compute_accuracy is True and c.label_key == -1
    assert c.y is None and c.loss is None and c.accuracy is None
    assert [n for n, _ in c.namedparams()] == ['/predictor/W', '/predictor/b']


def test_forward_loss_accuracy_and_attributes():
    c = L.Classifier(L.Linear(4, 3))
    x, t = _data()
    loss = c(x, t)
    assert loss is c.loss and loss.shape == () and loss.dtype == numpy.float32
    ref_loss, ref_acc = _ref_loss_acc(x @ c.predictor.W.array.T + c.predictor.b.array, t)
    numpy.testing.assert_allclose(loss.array, ref_loss, rtol=1e-5)
    numpy.testing.assert_allclose(c.accuracy.array, ref_acc)
    assert c.y.shape == (6, 3)
    numpy.testing.assert_array_equal(c.y.array, c.predictor(x).array)


def test_reports_loss_and_accuracy_with_this_link_as_observer():
    c = L.Classifier(L.Linear(4, 3))
    reporter = reporter_module.Reporter()
    reporter.add_observer('main', c)
    observation = {}
    x, t = _data()
    with reporter.scope(observation):
        c(x, t)
    assert set(observation) == {'main/loss', 'main/accuracy'}
    numpy.testing.assert_allclose(numpy.asarray(fastgrad.as_array(observation['main/loss'])),
                                  c.loss.array)
    numpy.testing.assert_allclose(
        numpy.asarray(fastgrad.as_array(observation['main/accuracy'])), c.accuracy.array)


def test_compute_accuracy_false():
    c = L.Classifier(L.Linear(4, 3))
    c.compute_accuracy = False
    reporter = reporter_module.Reporter()
    reporter.add_observer('main', c)
    observation = {}
    x, t = _data()
    with reporter.scope(observation):
        c(x, t)
    assert c.accuracy is None and set(observation) == {'main/loss'}
    assert L.Classifier.compute_accuracy is True


class _TwoInputs(fastgrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.l = L.Linear(4, 3)

    def forward(self, a, b, scale=1.0):
        return self.l(a + b) * scale


@pytest.mark.parametrize('label_key', [0, 1, 2, -1, -2, -3])
def test_int_label_keys(label_key):
    c = L.Classifier(_TwoInputs(), label_key=label_key)
    x, t = _data()
    x2 = numpy.random.randn(6, 4).astype(numpy.float32)
    args = [x, x2]
    args.insert(label_key % 3, t)
    loss = c(*args)
    ref, _ = _ref_loss_acc(c.predictor.l(x + x2).array, t)
    numpy.testing.assert_allclose(loss.array, ref, rtol=1e-5)


def test_str_label_key_and_kwargs():
    c = L.Classifier(_TwoInputs(), label_key='t')
    x, t = _data()
    loss = c(x, x, t=t, scale=2.0)
    ref, _ = _ref_loss_acc(c.predictor.l(x + x).array * 2, t)
    numpy.testing.assert_allclose(loss.array, ref, rtol=1e-5)


def test_label_key_errors():
    with pytest.raises(TypeError, match='label_key must be int or str'):
        L.Classifier(L.Linear(4, 3), label_key=1.0)
    x, t = _data()
    with pytest.raises(ValueError, match='Label key 2 is out of bounds'):
        L.Classifier(L.Linear(4, 3), label_key=2)(x, t)
    with pytest.raises(ValueError, match='Label key "t" is not found'):
        L.Classifier(L.Linear(4, 3), label_key='t')(x, t)


def test_custom_lossfun_and_accfun():
    calls = []

    def acc(y, t):
        calls.append('acc')
        return F.sum(y) * 0

    c = L.Classifier(L.Linear(4, 2), lossfun=F.mean_squared_error, accfun=acc)
    x = numpy.random.randn(5, 4).astype(numpy.float32)
    t = numpy.random.randn(5, 2).astype(numpy.float32)
    loss = c(x, t)
    numpy.testing.assert_allclose(loss.array, ((c.y.array - t) ** 2).mean(), rtol=1e-5)
    assert calls == ['acc']


def test_backward_through_classifier_float64():
    with fastgrad.using_config('dtype', numpy.float64):
        c = L.Classifier(L.Linear(4, 3))
    x = numpy.random.randn(6, 4)
    t = numpy.random.randint(0, 3, 6).astype(numpy.int32)
    check_backward(lambda x: c(x, t), x, None, params=tuple(c.params()))


def test_printed_form():
    assert str(L.Classifier(L.Linear(4, 3))) == (
        'Classifier(\n'
        '  (predictor): Linear(in_size=4, out_size=3, nobias=False),\n'
        ')')
