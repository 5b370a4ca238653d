"""Time per epoch of the MNIST example's model on the digits, fastgrad vs peers.

    python bench/epoch_time.py            # run from an env with fastgrad + scikit-learn

The model and training are those of examples/train_mnist.py (MLP 64-1000-1000-10,
Adam, batch 100, Classifier, StandardUpdater + Trainer, LogReport only), on the
same 1,437 training digits.  fastgrad and Chainer 7.8.1 run the *same* Trainer code
(``import X as chainer``); PyTorch runs the equivalent plain loop.  Each peer runs
in its own process (bench/.envs/, made by bench/run.py); results go to
bench/results/epoch_time.json and a table on stdout.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
EPOCHS = 6          # the first epoch is warm-up and not counted


def run_chainer_like(module_name, data_path):
    chainer = __import__(module_name)
    F = __import__(module_name + '.functions', fromlist=['x'])
    L = __import__(module_name + '.links', fromlist=['x'])
    training = __import__(module_name + '.training', fromlist=['x'])
    extensions = __import__(module_name + '.training.extensions', fromlist=['x'])
    d = np.load(data_path)
    train = chainer.datasets.TupleDataset(d['x_train'], d['t_train'])

    class MLP(chainer.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.l1 = L.Linear(None, 1000)
                self.l2 = L.Linear(None, 1000)
                self.l3 = L.Linear(None, 10)

        def forward(self, x):
            return self.l3(F.relu(self.l2(F.relu(self.l1(x)))))

    np.random.seed(0)
    model = L.Classifier(MLP())
    opt = chainer.optimizers.Adam()
    opt.setup(model)
    it = chainer.iterators.SerialIterator(train, 100)
    updater = training.updaters.StandardUpdater(it, opt)
    out = tempfile.mkdtemp()
    trainer = training.Trainer(updater, (EPOCHS, 'epoch'), out=out)
    times = []

    @training.make_extension(trigger=(1, 'epoch'))
    def stamp(trainer):
        times.append(time.perf_counter())

    trainer.extend(extensions.LogReport())
    trainer.extend(stamp)
    t0 = time.perf_counter()
    trainer.run()
    edges = [t0] + times
    return [b - a for a, b in zip(edges, edges[1:])]


def run_torch(data_path):
    import torch
    d = np.load(data_path)
    x, t = torch.from_numpy(d['x_train']), torch.from_numpy(d['t_train'].astype(np.int64))
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 1000), torch.nn.ReLU(),
                                torch.nn.Linear(1000, 1000), torch.nn.ReLU(),
                                torch.nn.Linear(1000, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    lossf = torch.nn.CrossEntropyLoss()
    rng = np.random.RandomState(0)
    times = []
    for epoch in range(EPOCHS):
        t0 = time.perf_counter()
        order = torch.from_numpy(rng.permutation(len(x)))
        for i in range(0, len(x), 100):
            idx = order[i:i + 100]
            y = model(x[idx])
            loss = lossf(y, t[idx])
            acc = (y.argmax(1) == t[idx]).float().mean()   # Classifier reports it too
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            float(loss), float(acc)
        times.append(time.perf_counter() - t0)
    return times


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--peer', default=None)
    parser.add_argument('--data', default=None)
    args = parser.parse_args()
    if args.peer:
        if args.peer == 'torch':
            times = run_torch(args.data)
        else:
            times = run_chainer_like(args.peer, args.data)
        print(json.dumps(times))
        return

    from sklearn.datasets import load_digits
    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    t = digits.target.astype(np.int32)
    rng = np.random.RandomState(0)
    order = rng.permutation(len(x))
    data = os.path.join(tempfile.mkdtemp(), 'digits.npz')
    np.savez(data, x_train=x[order[:1437]], t_train=t[order[:1437]])
    envs = {'fastgrad': sys.executable,
            'chainer': os.path.join(HERE, '.envs', 'chainer', 'bin', 'python'),
            'torch': os.path.join(HERE, '.envs', 'torch', 'bin', 'python')}
    results = {}
    for peer, python in envs.items():
        if not os.path.exists(python):
            print('{}: environment missing ({}); run bench/run.py first'.format(peer, python))
            continue
        out = subprocess.run([python, __file__, '--peer', peer, '--data', data],
                             capture_output=True, text=True, cwd=tempfile.gettempdir())
        if out.returncode:
            print('{} failed:\n{}'.format(peer, out.stderr[-2000:]))
            continue
        times = json.loads(out.stdout.strip().splitlines()[-1])[1:]     # drop warm-up
        results[peer] = {'epoch_s_median': statistics.median(times), 'epochs': times}
    os.makedirs(os.path.join(HERE, 'results'), exist_ok=True)
    with open(os.path.join(HERE, 'results', 'epoch_time.json'), 'w') as f:
        json.dump(results, f, indent=1)
    base = results.get('fastgrad', {}).get('epoch_s_median')
    print('| peer | s per epoch (median of {}) | / fastgrad |'.format(EPOCHS - 1))
    print('|---|---|---|')
    for peer, r in results.items():
        print('| {} | {:.3f} | {} |'.format(peer, r['epoch_s_median'],
              '{:.2f}×'.format(r['epoch_s_median'] / base) if base else 'n/a'))


if __name__ == '__main__':
    main()
