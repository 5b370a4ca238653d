#!/usr/bin/env python
"""Run Chainer 7.8.1's own examples, unchanged, against fastgrad through
``python -m fastgrad run`` and report which ones run.

    python tools/chainer_examples.py --chainer-src ~/chainer   # a v7.8.1 checkout
        [--only mnist ptb] [--timeout 600] [--out report.md]

The examples are copied to a scratch folder outside the project (nothing of
Chainer is copied into fastgrad) and run there with small arguments (one
epoch, few units).  Where an example would download a data set, a small
synthetic one in Chainer's cache layout is written under a scratch dataset
root first (MNIST, CIFAR-10/100, Penn Treebank), so a run shows that the
program works, not what accuracy it reaches on the real data.  ChainerMN's
examples (MPI_RUNS) run under ``mpiexec -n N`` where mpi4py and an mpiexec
are installed."""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

import numpy

# (name, example folder, script, arguments)
RUNS = [
    ('mnist', 'mnist', 'train_mnist.py', ['--epoch', '1', '--unit', '10']),
    ('mnist resume', 'mnist', 'train_mnist.py',
     ['--epoch', '2', '--unit', '10', '--resume', 'result/snapshot_iter_6']),
    ('mnist custom loop', 'mnist', 'train_mnist_custom_loop.py',
     ['--epoch', '1', '--unit', '10']),
    ('mnist data parallel', 'mnist', 'train_mnist_data_parallel.py',
     ['--epoch', '1', '--unit', '10', '--device0', '@numpy', '--device1', '@numpy']),
    ('mnist data parallel updater', 'mnist', 'train_mnist_data_parallel_updater.py',
     ['--epoch', '1', '--unit', '10', '--devices', '@numpy', '@numpy', '--ljob', '2']),
    ('mnist model parallel', 'mnist', 'train_mnist_model_parallel.py',
     ['--epoch', '1', '--unit', '10', '--device0', '@numpy', '--device1', '@numpy']),
    ('mnist static graph', 'static_graph_optimizations/mnist', 'train_mnist.py',
     ['--epoch', '1', '--unit', '10']),
    ('mnist static graph custom loop', 'static_graph_optimizations/mnist',
     'train_mnist_custom_loop.py', ['--epoch', '1', '--unit', '10']),
    ('vae', 'vae', 'train_vae.py', ['--epoch', '1', '--dim-h', '20']),
    ('dcgan', 'dcgan', 'train_dcgan.py', ['--epoch', '1', '--batchsize', '10']),
    ('cifar', 'cifar', 'train_cifar.py', ['--epoch', '1', '--batchsize', '32']),
    ('cifar custom loop', 'cifar', 'train_cifar_custom_loop.py',
     ['--epoch', '1', '--batchsize', '32']),
    ('ptb', 'ptb', 'train_ptb.py', ['--epoch', '1', '--unit', '10']),
    ('ptb custom loop', 'ptb', 'train_ptb_custom_loop.py', ['--epoch', '1', '--unit', '10']),
    ('word2vec skipgram', 'word2vec', 'train_word2vec.py',
     ['--epoch', '1', '--unit', '10', '--model', 'skipgram']),
    ('word2vec cbow hsm', 'word2vec', 'train_word2vec.py',
     ['--epoch', '1', '--unit', '10', '--model', 'cbow', '--out-type', 'hsm']),
    ('word2vec original', 'word2vec', 'train_word2vec.py',
     ['--epoch', '1', '--unit', '10', '--out-type', 'original']),
    ('seq2seq', 'seq2seq', 'seq2seq.py',
     ['{data}/text/src.txt', '{data}/text/tgt.txt', '{data}/text/src.vocab',
      '{data}/text/tgt.vocab', '--validation-source', '{data}/text/src.txt',
      '--validation-target', '{data}/text/tgt.txt', '--epoch', '1', '--unit', '16',
      '--layer', '2', '--batchsize', '16', '--validation-interval', '5']),
    ('memnn', 'memnn', 'train_memnn.py',
     ['{data}/babi/train.txt', '{data}/babi/test.txt', '--epoch', '1', '--unit', '10']),
    ('sentiment', 'sentiment', 'train_sentiment.py',
     ['--epoch', '1', '--unit', '10', '--epocheval', '1']),
    ('sentiment minibatch', 'sentiment', 'train_recursive_minibatch.py',
     ['--epoch', '1', '--unit', '10', '--epocheval', '1']),
    ('glance', 'glance', 'glance.py', []),
    ('modelzoo caffenet', 'modelzoo', 'evaluate_caffe_net.py',
     ['{data}/modelzoo/val.txt', 'caffenet', '{data}/modelzoo/caffenet.caffemodel',
      '--basepath', '{data}/modelzoo', '--mean', '{data}/modelzoo/mean.npy',
      '--batchsize', '2']),
    ('serialization save', 'serialization', 'save.py', []),
    ('serialization load', 'serialization', 'load.py', []),
]
# ChainerMN's examples: (name, folder, script, arguments, processes), run as
# ``mpiexec -n PROCESSES python -m fastgrad run SCRIPT ARGS`` (CPU; needs
# mpi4py and an mpiexec, else reported as skipped). Not run: chainermn/imagenet
# (NCCL and a GPU unconditionally), chainermn/seq2seq (downloads WMT), and two that
# fail in Chainer 7.8.1 itself: chainermn/cifar (its VGG takes parse_kwargs's 1-tuple
# for the class count) and chainermn/parallel_convolution (Convolution2D has stored
# in_channels since v7, overwriting the example's own in_channels).
MPI_RUNS = [
    ('chainermn mnist', 'chainermn/mnist', 'train_mnist.py',
     ['--communicator', 'flat', '--epoch', '5', '--unit', '100', '--batchsize', '50'], 2),
    ('chainermn dcgan', 'chainermn/dcgan', 'train_dcgan.py',
     ['--epoch', '1', '--batchsize', '16', '--display_interval', '2'], 2),
]


def find_mpiexec(python):
    """The mpiexec next to ``python`` (pip's mpich puts it there), else on
    PATH; None if there is none or ``python`` has no mpi4py."""
    ok = subprocess.run([python, '-c', 'import mpi4py'], capture_output=True).returncode == 0
    here = os.path.join(os.path.dirname(python), 'mpiexec')
    found = here if os.path.exists(here) else shutil.which('mpiexec')
    return found if ok else None


def _rng():
    return numpy.random.RandomState(0)


def _class_images(n, templates, rng):
    """Images whose class is visible (its class's template plus noise),
    uint8; the splits of one data set share the templates, so that the
    validation accuracy means something."""
    shape = templates.shape[1:]
    y = rng.randint(0, len(templates), n)
    x = templates[y] * 0.6 + rng.randint(0, 256, (n,) + shape) * 0.4
    return x.astype(numpy.uint8), y.astype(numpy.uint8)


def make_datasets(root):
    """Small synthetic data sets in Chainer's cache layout under ``root``."""
    rng = _rng()
    d = os.path.join(root, 'pfnet', 'chainer', 'mnist')
    os.makedirs(d, exist_ok=True)
    templates = rng.randint(0, 256, (10, 784))
    for split, n in (('train', 600), ('test', 100)):
        x, y = _class_images(n, templates, rng)
        numpy.savez_compressed(os.path.join(d, split + '.npz'), x=x, y=y)
    d = os.path.join(root, 'pfnet', 'chainer', 'cifar')
    os.makedirs(d, exist_ok=True)
    for name, k in (('cifar-10', 10), ('cifar-100', 100)):
        templates = rng.randint(0, 256, (k, 3072))
        tx, ty = _class_images(256, templates, rng)
        vx, vy = _class_images(64, templates, rng)
        numpy.savez_compressed(os.path.join(d, name + '.npz'), train_x=tx, train_y=ty,
                               test_x=vx, test_y=vy)
    d = os.path.join(root, 'pfnet', 'chainer', 'ptb')
    os.makedirs(d, exist_ok=True)
    words = ['w{}'.format(i) for i in range(49)] + ['<eos>']
    with open(os.path.join(d, 'vocab.txt'), 'w') as f:
        f.writelines(w + '\n' for w in words)
    # a text with structure: each word is mostly followed by the next one
    for split, n in (('train', 3000), ('valid', 400), ('test', 400)):
        x = numpy.cumsum(rng.randint(1, 3, n)) % len(words)
        numpy.savez_compressed(os.path.join(d, split + '.npz'), x=x.astype(numpy.int32))
    # seq2seq: a "translation" that reverses the sentence and renames words
    d = os.path.join(root, 'text')
    os.makedirs(d, exist_ok=True)
    src = [['s{}'.format(w) for w in rng.randint(0, 30, rng.randint(3, 9))]
           for _ in range(160)]
    files = {'src.txt': [' '.join(s) for s in src],
             'tgt.txt': [' '.join('t' + w[1:] for w in reversed(s)) for s in src],
             'src.vocab': ['s{}'.format(i) for i in range(30)],
             'tgt.vocab': ['t{}'.format(i) for i in range(30)]}
    for name, lines in files.items():
        with open(os.path.join(d, name), 'w') as f:
            f.writelines(line + '\n' for line in lines)
    # memnn: bAbI task-1 style stories ("Where is X?" -> the last place of X)
    d = os.path.join(root, 'babi')
    os.makedirs(d, exist_ok=True)
    people, places = ['mary', 'john', 'sandra', 'daniel'], ['kitchen', 'garden', 'office']
    for split, n in (('train', 60), ('test', 20)):
        lines = []
        for _ in range(n):
            where = {}
            for i in range(1, 5):
                who, place = people[rng.randint(4)], places[rng.randint(3)]
                where[who] = (place, i)
                lines.append('{} {} went to the {}.'.format(i, who.capitalize(), place))
            who = sorted(where)[0]
            lines.append('5 Where is {}?\t{}\t{}'.format(who.capitalize(), *where[who]))
        with open(os.path.join(d, split + '.txt'), 'w') as f:
            f.writelines(line + '\n' for line in lines)


def _tree(rng, depth):
    """A random sentiment tree in the treebank's notation: ``(label word)``
    leaves, ``(label left right)`` inner nodes."""
    label = rng.randint(0, 5)
    if depth == 0 or rng.rand() < 0.3:
        return '({} w{})'.format(label, rng.randint(0, 40))
    return '({} {} {})'.format(label, _tree(rng, depth - 1), _tree(rng, depth - 1))


def make_sentiment_trees(folder):
    """``trees/{train,dev,test}.txt`` where the sentiment example reads them
    (its download script would fetch the Stanford Sentiment Treebank)."""
    rng = _rng()
    d = os.path.join(folder, 'trees')
    os.makedirs(d, exist_ok=True)
    for split, n in (('train', 50), ('dev', 10), ('test', 10)):
        with open(os.path.join(d, split + '.txt'), 'w') as f:
            f.writelines(_tree(rng, 4) + '\n' for _ in range(n))


def make_caffenet(folder):
    """What examples/modelzoo/evaluate_caffe_net.py reads for ``caffenet``: a
    caffemodel with BVLC CaffeNet's layers and wiring in the old V1 format
    (grouped convolutions, LRN, dropout; random weights, fc6/fc7 narrowed from
    4096 to 256 to keep the file small), four 256x256 images, their list and
    a mean image."""
    from PIL import Image

    from fastgrad.links.caffe import _proto
    rng = _rng()
    os.makedirs(folder, exist_ok=True)
    net = _proto.NetParameter(name='CaffeNet')
    V1 = _proto.V1LayerParameter
    bottom = 'data'

    def add(name, type, blobs=(), top=None):
        nonlocal bottom
        layer = net.layers.add(name=name, type=type)
        layer.bottom.append(bottom)
        layer.top.append(top or name)
        bottom = top or name
        for a in blobs:
            blob = layer.blobs.add()
            blob.num, blob.channels, blob.height, blob.width = (1,) * (4 - a.ndim) + a.shape
            blob.data.extend(a.astype(numpy.float32).ravel())
        return layer

    c_in = 3
    for i, (c_out, k, stride, pad, group) in enumerate(
            ((96, 11, 4, 0, 1), (256, 5, 1, 2, 2), (384, 3, 1, 1, 1), (384, 3, 1, 1, 2),
             (256, 3, 1, 1, 2)), 1):
        W = rng.standard_normal((c_out, c_in // group, k, k)) / numpy.sqrt(c_in * k * k)
        conv = add('conv{}'.format(i), V1.CONVOLUTION, [W, numpy.zeros(c_out)])
        p = conv.convolution_param
        p.num_output, p.group = c_out, group
        p.kernel_size.append(k)
        p.stride.append(stride)
        p.pad.append(pad)
        add('relu{}'.format(i), V1.RELU, top='conv{}'.format(i))
        if i in (1, 2, 5):
            pool = add('pool{}'.format(i), V1.POOLING).pooling_param
            pool.pool, pool.kernel_size, pool.stride = pool.MAX, 3, 2
        if i in (1, 2):
            lrn = add('norm{}'.format(i), V1.LRN).lrn_param
            lrn.local_size, lrn.alpha, lrn.beta = 5, 1e-4, 0.75
        c_in = c_out
    c_in *= 6 * 6
    for i, c_out in ((6, 256), (7, 256), (8, 1000)):
        add('fc{}'.format(i), V1.INNER_PRODUCT,
            [rng.standard_normal((c_out, c_in)) / numpy.sqrt(c_in), numpy.zeros(c_out)])
        if i < 8:
            add('relu{}'.format(i), V1.RELU, top='fc{}'.format(i))
            add('drop{}'.format(i), V1.DROPOUT, top='fc{}'.format(i))
        c_in = c_out
    with open(os.path.join(folder, 'caffenet.caffemodel'), 'wb') as f:
        f.write(net.SerializeToString())
    numpy.save(os.path.join(folder, 'mean.npy'),
               numpy.full((3, 256, 256), 110, numpy.float32))
    with open(os.path.join(folder, 'val.txt'), 'w') as f:
        for i in range(4):
            pixels = rng.randint(0, 256, (256, 256, 3)).astype(numpy.uint8)
            Image.fromarray(pixels).save(os.path.join(folder, 'img{}.png'.format(i)))
            f.write('img{}.png {}\n'.format(i, i))


def run_one(work, data_root, name, folder, script, args, timeout, python, launcher=()):
    env = dict(os.environ, FASTGRAD_DATASET_ROOT=data_root, CHAINER_DATASET_ROOT=data_root,
               MPLBACKEND='Agg', OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1')
    cwd = os.path.join(work, folder)
    t0 = time.time()
    try:
        args = [arg.replace('{data}', data_root) for arg in args]
        out = subprocess.run(list(launcher) + [python, '-m', 'fastgrad', 'run', script] + args,
                             cwd=cwd,
                             env=env, capture_output=True, text=True, timeout=timeout)
        rc, text = out.returncode, out.stdout + out.stderr
    except subprocess.TimeoutExpired as e:
        rc, text = 'timeout', (e.stdout or b'').decode() if isinstance(e.stdout, bytes) \
            else (e.stdout or '')
    seconds = time.time() - t0
    last = [line for line in text.strip().splitlines() if line.strip()][-1:] or ['']
    return rc, seconds, last[0][:160], text


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--chainer-src', required=True)
    p.add_argument('--python', default=sys.executable)
    p.add_argument('--only', nargs='*', help='run names starting with these')
    p.add_argument('--timeout', type=int, default=900, help='seconds per run')
    p.add_argument('--out', default=None)
    p.add_argument('--keep', action='store_true', help='keep the scratch folder')
    a = p.parse_args()
    scratch = tempfile.mkdtemp(prefix='chainer-examples-')
    work = os.path.join(scratch, 'examples')
    shutil.copytree(os.path.join(a.chainer_src, 'examples'), work)
    data_root = os.path.join(scratch, 'data')
    make_datasets(data_root)
    make_caffenet(os.path.join(data_root, 'modelzoo'))
    make_sentiment_trees(os.path.join(work, 'sentiment'))
    rows = []
    mpiexec = find_mpiexec(a.python)
    runs = [(name, folder, script, args, None) for name, folder, script, args in RUNS]
    runs += MPI_RUNS
    for name, folder, script, args, nprocs in runs:
        if a.only and not any(name.startswith(o) for o in a.only):
            continue
        launcher, cmd = (), '{}/{} {}'.format(folder, script, ' '.join(args))
        if nprocs is not None:
            if mpiexec is None:
                print('{:34s}  skipped: no mpi4py/mpiexec for {}'.format(name, a.python))
                continue
            launcher = (mpiexec, '-n', str(nprocs))
            cmd = 'mpiexec -n {} ... {}'.format(nprocs, cmd)
        rc, seconds, last, text = run_one(work, data_root, name, folder, script, args,
                                          a.timeout, a.python, launcher)
        with open(os.path.join(scratch, name.replace(' ', '_') + '.log'), 'w') as f:
            f.write(text)
        rows.append((name, cmd, rc, seconds, last))
        print('{:34s} {:>8} {:6.0f} s  {}'.format(name, 'ok' if rc == 0 else 'FAIL ' + str(rc),
                                               seconds, last), flush=True)
    ok = sum(1 for r in rows if r[2] == 0)
    lines = ['| run | command | result | seconds | last line |', '|---|---|---|---:|---|']
    for name, cmd, rc, seconds, last in rows:
        lines.append('| {} | `{}` | {} | {:.0f} | {} |'.format(
            name, cmd, 'ok' if rc == 0 else 'fails ({})'.format(rc), seconds,
            last.replace('|', '\\|')))
    lines.append('')
    lines.append('**{} of {} runs work.** Logs: {}'.format(ok, len(rows), scratch))
    report = '\n'.join(lines)
    print(report)
    if a.out:
        with open(a.out, 'w') as f:
            f.write(report + '\n')
    if not a.keep and ok == len(rows):
        shutil.rmtree(scratch)


if __name__ == '__main__':
    main()
