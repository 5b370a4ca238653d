"""Linear-algebra and array functions of issue #12, forward + backward:
fastgrad vs Chainer 7.8.1 vs PyTorch (CPU), each library in its own process
on the same data (float32).

    python bench/linalg.py [--repeat 7]

Writes bench/results/linalg.md.  Interpreters: this one for fastgrad (run
from the repository root), /work/venvs/chainer/bin/python and
/work/venvs/torch/bin/python for the peers (a missing one is reported as
absent).
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# name -> description (sizes below, in CHILD)
WORKLOADS = {
    'einsum_bmm': "einsum('bij,bjk->bik'), 64 x (64x64)(64x64)",
    'einsum_bilinear': "einsum('ij,ik,jkl->il'), 256x32, 256x32, 32x32x16",
    'tensordot': 'tensordot((64,32,32), (32,32,64), axes=2)',
    'cumprod': 'cumprod((64, 128), axis=1)',
    'batch_inv': 'batch_inv (256, 16, 16)',
    'batch_det': 'batch_det (256, 16, 16)',
    'fft': 'fft of (64, 1024) (real, imag)',
    'sparse_matmul': 'sparse (512x512, 2% nonzero) @ dense (512x64)',
}

CHILD = r'''
import json, statistics, sys, time
import numpy as np
lib, repeat = sys.argv[1], int(sys.argv[2])
rng = np.random.RandomState(0)
f32 = lambda *s: rng.randn(*s).astype(np.float32)
D = dict(a=f32(64, 64, 64), b=f32(64, 64, 64), x1=f32(256, 32), x2=f32(256, 32),
         w=f32(32, 32, 16), ta=f32(64, 32, 32), tb=f32(32, 32, 64),
         cp=rng.uniform(0.5, 1.5, (64, 128)).astype(np.float32),
         sq=(f32(256, 16, 16) + 4 * np.eye(16, dtype=np.float32)),
         fr=f32(64, 1024), fi=f32(64, 1024), dn=f32(512, 64))
sp = f32(512, 512) * (rng.rand(512, 512) < 0.02)
if lib == 'torch':
    import torch
    torch.set_num_threads(1)
    T = {k: torch.tensor(v, requires_grad=True) for k, v in D.items()}
    spt = torch.tensor(sp).to_sparse().coalesce()
    spv = torch.sparse_coo_tensor(spt.indices(), spt.values(), spt.shape,
                                  requires_grad=True)
    def fft():
        y = torch.fft.fft(torch.complex(T['fr'], T['fi']))
        return torch.cat([y.real, y.imag])
    W = {
        'einsum_bmm': lambda: torch.einsum('bij,bjk->bik', T['a'], T['b']),
        'einsum_bilinear': lambda: torch.einsum('ij,ik,jkl->il', T['x1'], T['x2'], T['w']),
        'tensordot': lambda: torch.tensordot(T['ta'], T['tb'], 2),
        'cumprod': lambda: torch.cumprod(T['cp'], 1),
        'batch_inv': lambda: torch.linalg.inv(T['sq']),
        'batch_det': lambda: torch.linalg.det(T['sq']),
        'fft': fft,
        'sparse_matmul': lambda: torch.sparse.mm(spv, T['dn']),
    }
    def step(fn):
        for t in T.values():
            t.grad = None
        y = fn()
        y.backward(torch.ones_like(y))
else:
    if lib == 'chainer':
        import chainer as ch
    else:
        import fastgrad as ch
    F = ch.functions
    V = {k: ch.Variable(v) for k, v in D.items()}
    coo = ch.utils.to_coo(sp, requires_grad=True)
    W = {
        'einsum_bmm': lambda: F.einsum('bij,bjk->bik', V['a'], V['b']),
        'einsum_bilinear': lambda: F.einsum('ij,ik,jkl->il', V['x1'], V['x2'], V['w']),
        'tensordot': lambda: F.tensordot(V['ta'], V['tb'], 2),
        'cumprod': lambda: F.cumprod(V['cp'], 1),
        'batch_inv': lambda: F.batch_inv(V['sq']),
        'batch_det': lambda: F.batch_det(V['sq']),
        'fft': lambda: F.concat(F.fft((V['fr'], V['fi'])), axis=0),
        'sparse_matmul': lambda: F.sparse_matmul(coo, V['dn']),
    }
    def step(fn):
        for v in V.values():
            v.cleargrad()
        coo.data.cleargrad()
        y = fn()
        y.grad = np.ones_like(y.array)
        y.backward()
out = {}
for name, fn in W.items():
    step(fn)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        step(fn)
        times.append(time.perf_counter() - t0)
    out[name] = statistics.median(times) * 1e3
print(json.dumps(out))
'''


def _run(python, lib, repeat):
    if not os.path.exists(python):
        return None
    env = dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1', MKL_NUM_THREADS='1')
    if lib == 'fastgrad':
        env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
    r = subprocess.run([python, '-c', CHILD, lib, str(repeat)], capture_output=True,
                       text=True, env=env, cwd=ROOT)
    if r.returncode != 0:
        print(lib, 'failed:', r.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--repeat', type=int, default=7)
    p.add_argument('--chainer-python', default='/work/venvs/chainer/bin/python')
    p.add_argument('--torch-python', default='/work/venvs/torch/bin/python')
    args = p.parse_args()
    res = {'fastgrad': _run(sys.executable, 'fastgrad', args.repeat),
           'chainer': _run(args.chainer_python, 'chainer', args.repeat),
           'torch': _run(args.torch_python, 'torch', args.repeat)}

    def cell(lib, name):
        return '{:.2f}'.format(res[lib][name]) if res[lib] else 'absent'

    def ratio(lib, name):
        if not res[lib] or not res['fastgrad']:
            return '-'
        return '{:.2f}x'.format(res['fastgrad'][name] / res[lib][name])
    lines = ['# Linear algebra and array functions (issue #12), forward + backward',
             '',
             'Median of {} runs, ms, float32, one thread each (OMP/BLAS/torch), '
             '`python bench/linalg.py`. Ratio = fastgrad time / peer time '
             '(below 1: fastgrad faster).'.format(args.repeat), '',
             '| workload | fastgrad | Chainer 7.8.1 | PyTorch | vs Chainer | vs PyTorch |',
             '|---|---:|---:|---:|---:|---:|']
    for name, desc in WORKLOADS.items():
        lines.append('| {} | {} | {} | {} | {} | {} |'.format(
            desc, cell('fastgrad', name), cell('chainer', name), cell('torch', name),
            ratio('chainer', name), ratio('torch', name)))
    lines += ['', 'Shared machine (2 cores, other jobs running): absolute times are noisy; '
              'the libraries ran one after another on the same data.', '']
    text = '\n'.join(lines)
    os.makedirs(os.path.join(HERE, 'results'), exist_ok=True)
    with open(os.path.join(HERE, 'results', 'linalg.md'), 'w') as f:
        f.write(text)
    print(text)


if __name__ == '__main__':
    main()
