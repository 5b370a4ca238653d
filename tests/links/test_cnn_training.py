"""Done-when: a Chainer-style CNN (Convolution2D-BatchNormalization-relu-
max_pooling_2d twice, then Linear) wrapped in L.Classifier learns to tell
horizontal from vertical bars in 1x12x12 images with a few dozen hand-written
momentum-SGD steps, then classifies held-out images in test mode."""
import time

import numpy

import fastgrad
import fastgrad.functions as F
import fastgrad.links as L


def make_bars(n, rng):
    """Class 0: a bright horizontal bar; class 1: a vertical one; random
    position and length, on a noisy background."""
    x = rng.normal(0, 0.3, (n, 1, 12, 12)).astype(numpy.float32)
    t = rng.randint(0, 2, n).astype(numpy.int32)
    for k in range(n):
        pos = rng.randint(1, 11)
        start = rng.randint(0, 4)
        length = rng.randint(6, 12 - start + 1)
        if t[k] == 0:
            x[k, 0, pos, start:start + length] += 1.5
        else:
            x[k, 0, start:start + length, pos] += 1.5
    return x, t


class CNN(fastgrad.Chain):
    def __init__(self):
        super().__init__()
        with self.init_scope():
            self.conv1 = L.Convolution2D(None, 8, 3, pad=1)
            self.bn1 = L.BatchNormalization(8)
            self.conv2 = L.Convolution2D(8, 16, 3, pad=1)
            self.bn2 = L.BatchNormalization(16)
            self.fc = L.Linear(None, 2)

    def forward(self, x):
        h = F.max_pooling_2d(F.relu(self.bn1(self.conv1(x))), 2)
        h = F.max_pooling_2d(F.relu(self.bn2(self.conv2(h))), 2)
        return self.fc(h)


def test_cnn_learns_bar_orientation():
    rng = numpy.random.RandomState(0)
    numpy.random.seed(0)
    x_train, t_train = make_bars(512, rng)
    x_test, t_test = make_bars(200, rng)

    model = L.Classifier(CNN())
    start = time.perf_counter()
    lr, momentum = 0.05, 0.9
    velocity = {}
    for step in range(40):
        idx = rng.choice(len(x_train), 32, replace=False)
        model.cleargrads()
        loss = model(x_train[idx], t_train[idx])
        loss.backward()
        for param in model.params():
            v = velocity.get(id(param))
            if v is None:
                v = velocity[id(param)] = numpy.zeros_like(param.array)
            v *= momentum
            v -= lr * param.grad
            param.array += v
    elapsed = time.perf_counter() - start

    assert model.predictor.conv1.W.shape == (8, 1, 3, 3)
    assert model.predictor.fc.W.shape == (2, 16 * 3 * 3)
    # The running statistics moved away from their initial values.
    assert numpy.abs(model.predictor.bn1.avg_mean).max() > 0
    assert numpy.abs(model.predictor.bn2.avg_var - 1).max() > 0

    with fastgrad.using_config('train', False), fastgrad.no_backprop_mode():
        model(x_test, t_test)
    accuracy = float(model.accuracy.array)
    assert accuracy >= 0.95, accuracy
    assert elapsed < 20, elapsed
