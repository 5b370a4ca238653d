"""The two ways the CPU runs a 2-D convolution's products, side by side:
per-sample GEMMs (a GEMM of P = oh*ow columns per sample, gW's with P as its
inner dimension) against one GEMM over a chunk of the batch (``gemm_conv_*``
with two transposing copies).  The limits in ``_util/conv.py``
(``_WHOLE_BATCH_PIXELS``) come from this table.

    python bench/conv_whole_batch.py [--reps 7]   # writes bench/results/conv_whole_batch.md

One process, one BLAS thread, float32; each product timed both ways in turn
(median of ``--reps`` after a warm-up, ms).  The workloads are ResNet-50's
convolutions at batch 2 (bench/resnet50.py's) and 16, and the CNN of
examples/train_cnn.py (8x8 digits, batch 64); the last row times that CNN's
whole training step (fwd+bwd, momentum SGD) with the limits as shipped and
with the whole-batch path off.
"""
import argparse
import os
import sys
import time

os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
os.environ.setdefault('OMP_NUM_THREADS', '1')

import numpy  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))     # this checkout's fastgrad (built in place)

# (label, n, c, hw, out_c, k, stride, pad)
CONVS = [
    ('ResNet-50 res2 3x3', 2, 64, 56, 64, 3, 1, 1),
    ('ResNet-50 res3 3x3', 2, 128, 28, 128, 3, 1, 1),
    ('ResNet-50 res4 3x3', 2, 256, 14, 256, 3, 1, 1),
    ('ResNet-50 res5 3x3', 2, 512, 7, 512, 3, 1, 1),
    ('ResNet-50 res4 1x1', 2, 1024, 14, 256, 1, 1, 0),
    ('ResNet-50 res5 1x1', 2, 512, 7, 2048, 1, 1, 0),
    ('ResNet-50 res3 3x3', 16, 128, 28, 128, 3, 1, 1),
    ('ResNet-50 res4 3x3', 16, 256, 14, 256, 3, 1, 1),
    ('ResNet-50 res5 3x3', 16, 512, 7, 512, 3, 1, 1),
    ('ResNet-50 res4 1x1', 16, 1024, 14, 256, 1, 1, 0),
    ('ResNet-50 res5 1x1', 16, 512, 7, 2048, 1, 1, 0),
    ('train_cnn conv1', 64, 1, 8, 16, 3, 1, 1),
    ('train_cnn conv2', 64, 16, 4, 32, 3, 1, 1),
]
PRODUCTS = ('forward', 'grad_W', 'grad_x')


def median_ms(f, reps):
    f()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2] * 1e3


def _products(conv, x, W, gy, s, p, oh):
    k = W.shape[2]
    h = x.shape[2]
    f32 = numpy.dtype(numpy.float32)
    return {
        'forward': lambda: conv.conv_forward(x, W, None, s, s, p, p, oh, oh, 1, 1, 1, f32),
        'grad_W': lambda: conv.conv_grad_W(x, gy, k, k, s, s, p, p, 1, 1, 1, f32),
        'grad_x': lambda: conv.conv_grad_x(gy, W, h, h, s, s, p, p, 1, 1, 1, f32),
    }


def _cnn_step_ms(reps):
    """examples/train_cnn.py's model: one training step on a batch of 64."""
    import fastgrad
    import fastgrad.functions as F
    import fastgrad.links as L

    class CNN(fastgrad.Chain):
        def __init__(self):
            super().__init__()
            with self.init_scope():
                self.conv1 = L.Convolution2D(None, 16, ksize=3, pad=1, nobias=True)
                self.bn1 = L.BatchNormalization(16)
                self.conv2 = L.Convolution2D(None, 32, ksize=3, pad=1, nobias=True)
                self.bn2 = L.BatchNormalization(32)
                self.fc1 = L.Linear(None, 64)
                self.fc2 = L.Linear(None, 10)

        def forward(self, x):
            h = F.max_pooling_2d(F.relu(self.bn1(self.conv1(x))), 2)
            h = F.max_pooling_2d(F.relu(self.bn2(self.conv2(h))), 2)
            return self.fc2(F.relu(self.fc1(h)))

    rng = numpy.random.RandomState(0)
    model = L.Classifier(CNN())
    opt = fastgrad.optimizers.MomentumSGD(lr=0.05)
    opt.setup(model)
    x = rng.rand(64, 1, 8, 8).astype(numpy.float32)
    t = rng.randint(0, 10, 64).astype(numpy.int32)
    return median_ms(lambda: opt.update(model, x, t), reps)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--reps', type=int, default=7)
    parser.add_argument('--out', default=os.path.join(HERE, 'results', 'conv_whole_batch.md'))
    args = parser.parse_args()
    from fastgrad.functions._util import conv
    shipped = dict(conv._WHOLE_BATCH_PIXELS)
    per_sample = dict.fromkeys(shipped, -1)
    whole = dict.fromkeys(shipped, 10 ** 9)
    rng = numpy.random.RandomState(0)
    rows = []
    for label, n, c, hw, out_c, k, s, p in CONVS:
        oh = conv.get_conv_outsize(hw, k, s, p)
        x = rng.randn(n, c, hw, hw).astype(numpy.float32)
        W = (rng.randn(out_c, c, k, k) * 0.1).astype(numpy.float32)
        gy = rng.randn(n, out_c, oh, oh).astype(numpy.float32)
        fns = _products(conv, x, W, gy, s, p, oh)
        for product in PRODUCTS:
            conv._WHOLE_BATCH_PIXELS = per_sample
            a = median_ms(fns[product], args.reps)
            conv._WHOLE_BATCH_PIXELS = whole
            b = median_ms(fns[product], args.reps)
            whole_batch = oh * oh <= shipped[product] and c * k * k >= conv._WHOLE_BATCH_MIN_K
            chosen = 'whole batch' if whole_batch else 'per sample'
            rows.append((label, n, oh * oh, c * k * k, product, a, b, chosen))
            print(rows[-1], flush=True)
    conv._WHOLE_BATCH_PIXELS = per_sample
    step_off = _cnn_step_ms(args.reps * 5)
    conv._WHOLE_BATCH_PIXELS = shipped
    step_on = _cnn_step_ms(args.reps * 5)
    lines = ['# 2-D convolution on the CPU: per-sample GEMMs or one GEMM per batch chunk', '',
             'float32, one BLAS thread, median of {} runs after a warm-up, ms. P = output '
             'pixels per sample, K = rows of the column matrix; "chosen" is the path the '
             'limits in `_util/conv.py` take (`_WHOLE_BATCH_PIXELS` = {}, at least '
             '`_WHOLE_BATCH_MIN_K` = {} rows). `python bench/conv_whole_batch.py`.'
             .format(args.reps, shipped, conv._WHOLE_BATCH_MIN_K), '',
             '| convolution | batch | P | K | product | per sample | whole batch | whole / '
             'per sample | chosen |', '|---|---|---|---|---|---|---|---|---|']
    for label, n, npx, kk, product, a, b, chosen in rows:
        lines.append('| {} | {} | {} | {} | {} | {:.2f} | {:.2f} | {:.2f}x | {} |'.format(
            label, n, npx, kk, product, a, b, b / a, chosen))
    lines += ['', 'examples/train_cnn.py\'s model, a training step at batch 64 (8x8 digits): '
              '{:.2f} ms with the limits as shipped, {:.2f} ms with per-sample GEMMs only '
              '({:.2f}x).'.format(step_on, step_off, step_on / step_off), '',
              'The whole-batch GEMM pays two transposing copies (the columns into (K, N*P), '
              'the output back to NCHW); it wins where P is small, most for the weight '
              'gradient, whose per-sample GEMMs have P as their inner dimension and are '
              'summed afterwards.']
    text = '\n'.join(lines) + '\n'
    print(text)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as f:
        f.write(text)


if __name__ == '__main__':
    main()
