#!/usr/bin/env python
"""A small CNN (conv-BN-relu-pool twice, then two linear layers) trained by a
Trainer, written as Chainer code: run it with ``fastgrad run``.

Runs on the 8x8 digits that ship with scikit-learn (``pip install
"fastgrad[examples]"``) or, with ``--data DIR``, on real MNIST files in DIR.

    fastgrad run examples/train_cnn.py                 # digits, 10 epochs
    fastgrad run examples/train_cnn.py --data ~/mnist  # MNIST (28x28)
"""
import argparse

import chainer
import chainer.functions as F
import chainer.links as L
import numpy
from chainer import training
from chainer.training import extensions


class CNN(chainer.Chain):

    def __init__(self, n_out, channels=16):
        super(CNN, self).__init__()
        with self.init_scope():
            self.conv1 = L.Convolution2D(None, channels, ksize=3, pad=1, nobias=True)
            self.bn1 = L.BatchNormalization(channels)
            self.conv2 = L.Convolution2D(None, channels * 2, ksize=3, pad=1, nobias=True)
            self.bn2 = L.BatchNormalization(channels * 2)
            self.fc1 = L.Linear(None, 64)
            self.fc2 = L.Linear(None, n_out)

    def forward(self, x):
        h = F.max_pooling_2d(F.relu(self.bn1(self.conv1(x))), 2)
        h = F.max_pooling_2d(F.relu(self.bn2(self.conv2(h))), 2)
        h = F.dropout(F.relu(self.fc1(h)), 0.3)
        return self.fc2(h)


def main():
    parser = argparse.ArgumentParser(description='fastgrad example: CNN')
    parser.add_argument('--batchsize', '-b', type=int, default=64)
    parser.add_argument('--epoch', '-e', type=int, default=10)
    parser.add_argument('--channels', '-c', type=int, default=16)
    parser.add_argument('--device', '-d', type=str, default='-1')
    parser.add_argument('--out', '-o', default='result_cnn')
    parser.add_argument('--noplot', dest='plot', action='store_false')
    parser.add_argument('--seed', type=int, default=None,
                        help='seed NumPy\'s global RNG (initial weights, '
                        'shuffling, dropout) for a reproducible run')
    parser.add_argument('--data', type=str, default=None,
                        help='folder with MNIST files (default: the digits)')
    args = parser.parse_args()
    if args.seed is not None:
        numpy.random.seed(args.seed)

    device = chainer.get_device(args.device)
    print('Device: {}'.format(device))
    if args.data is None:
        train, test = chainer.datasets.get_digits(ndim=3)
    else:
        train, test = chainer.datasets.get_mnist(path=args.data, ndim=3)
    print('# data: {} training / {} test images of shape {}'.format(
        len(train), len(test), train[0][0].shape))

    model = L.Classifier(CNN(10, args.channels))
    model.to_device(device)
    optimizer = chainer.optimizers.MomentumSGD(lr=0.05)
    optimizer.setup(model)
    optimizer.add_hook(chainer.optimizer_hooks.WeightDecay(1e-4))

    train_iter = chainer.iterators.SerialIterator(train, args.batchsize)
    test_iter = chainer.iterators.SerialIterator(test, args.batchsize,
                                                 repeat=False, shuffle=False)
    updater = training.updaters.StandardUpdater(train_iter, optimizer, device=device)
    trainer = training.Trainer(updater, (args.epoch, 'epoch'), out=args.out)
    trainer.extend(extensions.Evaluator(test_iter, model, device=device))
    trainer.extend(extensions.ExponentialShift('lr', 0.7), trigger=(3, 'epoch'))
    trainer.extend(extensions.LogReport())
    trainer.extend(extensions.observe_lr())
    if args.plot and extensions.PlotReport.available():
        trainer.extend(extensions.PlotReport(
            ['main/loss', 'validation/main/loss'], 'epoch', file_name='loss.png'))
        trainer.extend(extensions.PlotReport(
            ['main/accuracy', 'validation/main/accuracy'], 'epoch',
            file_name='accuracy.png'))
    trainer.extend(extensions.PrintReport(
        ['epoch', 'main/loss', 'validation/main/loss', 'main/accuracy',
         'validation/main/accuracy', 'lr', 'elapsed_time']))
    trainer.extend(extensions.ProgressBar())
    trainer.run()


if __name__ == '__main__':
    main()
