#!/usr/bin/env python
"""Train a small MLP with fastgrad, written exactly as Chainer code.

A 3-class spiral data set (generated, no download), a 2-64-64-3 MLP with ReLU,
softmax cross entropy and plain SGD with momentum written out by hand.  Prints
the loss and accuracy as it learns.

    fastgrad run examples/train_mlp.py [--epochs 30]
"""
import argparse
import time

import chainer
import chainer.functions as F
import chainer.links as L
import numpy as np


class MLP(chainer.Chain):
    def __init__(self, n_units, n_out):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(None, n_units)
            self.l2 = L.Linear(None, n_units)
            self.l3 = L.Linear(None, n_out)

    def forward(self, x):
        h = F.relu(self.l1(x))
        h = F.relu(self.l2(h))
        return self.l3(h)


def spirals(n_per_class, n_classes, rng):
    xs, ts = [], []
    for c in range(n_classes):
        r = np.linspace(0.05, 1.0, n_per_class)
        theta = np.linspace(c * 4.0, (c + 1) * 4.0, n_per_class) + rng.normal(0, 0.2, n_per_class)
        xs.append(np.stack([r * np.sin(theta), r * np.cos(theta)], axis=1))
        ts.append(np.full(n_per_class, c))
    x = np.concatenate(xs).astype(np.float32)
    t = np.concatenate(ts).astype(np.int32)
    return x, t


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--epochs', type=int, default=30)
    parser.add_argument('--batchsize', type=int, default=32)
    parser.add_argument('--lr', type=float, default=0.1)
    parser.add_argument('--units', type=int, default=64)
    args = parser.parse_args()

    rng = np.random.RandomState(0)
    np.random.seed(0)
    x, t = spirals(300, 3, rng)
    order = rng.permutation(len(x))
    x, t = x[order], t[order]
    n_train = int(len(x) * 0.8)
    x_train, t_train, x_test, t_test = x[:n_train], t[:n_train], x[n_train:], t[n_train:]

    model = MLP(args.units, 3)
    velocity = {}
    print('epoch  train/loss  train/acc  test/acc  elapsed')
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        perm = rng.permutation(n_train)
        losses, correct = [], 0
        for i in range(0, n_train, args.batchsize):
            idx = perm[i:i + args.batchsize]
            y = model(x_train[idx])
            loss = F.softmax_cross_entropy(y, t_train[idx])
            model.cleargrads()
            loss.backward()
            for name, p in model.namedparams():        # momentum SGD, by hand
                v = velocity.setdefault(name, np.zeros_like(p.array))
                v *= 0.9
                v -= args.lr * p.grad
                p.array += v
            losses.append(float(loss.array))
            correct += int((y.array.argmax(axis=1) == t_train[idx]).sum())
        with chainer.using_config('train', False), chainer.no_backprop_mode():
            test_acc = float((model(x_test).array.argmax(axis=1) == t_test).mean())
        print('{:5d}  {:10.4f}  {:9.3f}  {:8.3f}  {:6.2f}s'.format(
            epoch, np.mean(losses), correct / n_train, test_acc,
            time.perf_counter() - start))


if __name__ == '__main__':
    main()
