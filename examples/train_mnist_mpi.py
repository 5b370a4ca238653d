#!/usr/bin/env python
"""The MNIST example, data-parallel over MPI processes (ChainerMN style):
each process trains on its shard of the data; gradients are averaged over
all processes at every step.

    mpiexec -n 2 fastgrad run examples/train_mnist_mpi.py
"""
import argparse

import chainer
import chainer.functions as F
import chainer.links as L
import chainermn
from chainer import training
from chainer.training import extensions


class MLP(chainer.Chain):
    def __init__(self, n_units, n_out):
        super().__init__()
        with self.init_scope():
            self.l1 = L.Linear(None, n_units)
            self.l2 = L.Linear(None, n_units)
            self.l3 = L.Linear(None, n_out)

    def forward(self, x):
        h1 = F.relu(self.l1(x))
        h2 = F.relu(self.l2(h1))
        return self.l3(h2)


def main():
    parser = argparse.ArgumentParser(description='fastgrad example: MNIST over MPI')
    parser.add_argument('--batchsize', '-b', type=int, default=100,
                        help='examples per process per step')
    parser.add_argument('--epoch', '-e', type=int, default=10)
    parser.add_argument('--unit', '-u', type=int, default=300)
    parser.add_argument('--communicator', default='flat')
    parser.add_argument('--out', '-o', default='result_mpi')
    args = parser.parse_args()

    comm = chainermn.create_communicator(args.communicator)
    if comm.rank == 0:
        print('processes: {}  minibatch per process: {}  epochs: {}'.format(
            comm.size, args.batchsize, args.epoch))
    model = L.Classifier(MLP(args.unit, 10))
    optimizer = chainermn.create_multi_node_optimizer(chainer.optimizers.Adam(), comm)
    optimizer.setup(model)

    # Rank 0 loads the data and hands each process its shard.
    train, test = chainer.datasets.get_digits() if comm.rank == 0 else (None, None)
    train = chainermn.scatter_dataset(train, comm, shuffle=True, seed=0)
    test = chainermn.scatter_dataset(test, comm, shuffle=True, seed=0)
    train_iter = chainer.iterators.SerialIterator(train, args.batchsize)
    test_iter = chainer.iterators.SerialIterator(test, args.batchsize, repeat=False,
                                                 shuffle=False)
    updater = training.updaters.StandardUpdater(train_iter, optimizer)
    trainer = training.Trainer(updater, (args.epoch, 'epoch'), out=args.out)
    evaluator = extensions.Evaluator(test_iter, model)
    trainer.extend(chainermn.create_multi_node_evaluator(evaluator, comm))
    if comm.rank == 0:
        trainer.extend(extensions.LogReport())
        trainer.extend(extensions.PrintReport(
            ['epoch', 'main/loss', 'validation/main/loss', 'main/accuracy',
             'validation/main/accuracy', 'elapsed_time']))
    trainer.run()


if __name__ == '__main__':
    main()
