"""Reading caffemodels: ``CaffeFunction(path)`` and the zoo's
``convert_caffemodel_to_npz`` for GoogLeNet, ResNet-50 and VGG-16, fastgrad
against Chainer 7.8.1 (its CaffeFunction on the protobuf package), each run in
its own fresh process on the same files.

    python bench/caffe_convert.py [--models googlenet resnet50 vgg16]
        # writes bench/results/caffe_convert.md

The caffemodels are synthetic (every weight layer of the real model, random
values; tests/links/test_zoo_caffe.py's writer) and are written to a
temporary folder (VGG-16's is 553 MB).  Chainer runs in $CHAINER_PYTHON or
/work/venvs/chainer (it needs protobuf<=3.20 there) and is skipped where
missing.  Times are one run each (seconds, wall); memory is the process's
peak resident set."""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CHAINER_PYTHON = os.environ.get('CHAINER_PYTHON', '/work/venvs/chainer/bin/python')

WORKER = r'''
import json, resource, sys, time
lib, name, path, out = sys.argv[1:5]
if lib == 'fastgrad':
    import fastgrad.links as L
    from fastgrad.links.caffe import CaffeFunction
    from fastgrad.links.model.vision.resnet import ResNetLayers
else:
    import chainer.links as L
    from chainer.links.caffe import CaffeFunction
    from chainer.links.model.vision.resnet import ResNetLayers
t = time.perf_counter()
CaffeFunction(path)
read = time.perf_counter() - t
t = time.perf_counter()
if name == 'googlenet':
    L.GoogLeNet.convert_caffemodel_to_npz(path, out)
elif name == 'resnet50':
    ResNetLayers.convert_caffemodel_to_npz(path, out, 50)
else:
    L.VGG16Layers.convert_caffemodel_to_npz(path, out)
convert = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
impl = None
if lib != 'fastgrad':
    import google.protobuf
    from google.protobuf.internal import api_implementation
    impl = '{} ({})'.format(google.protobuf.__version__, api_implementation.Type())
print(json.dumps({'read': read, 'convert': convert, 'peak_mb': peak, 'protobuf': impl}))
'''


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--models', nargs='*', default=['googlenet', 'resnet50', 'vgg16'])
    p.add_argument('--out', default=os.path.join(HERE, 'results', 'caffe_convert.md'))
    a = p.parse_args()
    sys.path.insert(0, os.path.join(ROOT, 'tests', 'links'))
    from test_zoo_caffe import write_caffemodel

    import fastgrad.links as L
    models = {'googlenet': lambda: L.GoogLeNet(pretrained_model=None),
              'resnet50': lambda: L.ResNet50Layers(pretrained_model=None),
              'vgg16': lambda: L.VGG16Layers(pretrained_model=None)}
    pythons = {'fastgrad': sys.executable}
    if os.path.exists(CHAINER_PYTHON) and subprocess.run(
            [CHAINER_PYTHON, '-c', 'import chainer.links.caffe'],
            capture_output=True).returncode == 0:
        pythons['Chainer 7.8.1'] = CHAINER_PYTHON
    tmp = tempfile.mkdtemp(prefix='caffe-bench-')
    rows = []
    try:
        for name in a.models:
            path = os.path.join(tmp, name + '.caffemodel')
            write_caffemodel(models[name](), path)
            size = os.path.getsize(path) / 2 ** 20
            results = {}
            for lib, python in pythons.items():
                env = dict(os.environ, PYTHONPATH=ROOT if lib == 'fastgrad' else '',
                           OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1')
                out = subprocess.run(
                    [python, '-c', WORKER, 'fastgrad' if lib == 'fastgrad' else 'chainer',
                     name, path, os.path.join(tmp, 'out.npz')],
                    env=env, capture_output=True, text=True, check=True, timeout=3600)
                results[lib] = json.loads(out.stdout.strip().splitlines()[-1])
                print(name, lib, results[lib], flush=True)
            os.remove(path)
            rows.append((name, size, results))
    finally:
        shutil.rmtree(tmp)
    libs = list(pythons)
    lines = ['# Reading caffemodels: fastgrad against Chainer 7.8.1', '',
             '`python bench/caffe_convert.py` (one run each, its own process, the two '
             'steps in turn; wall seconds; peak RSS over both steps). fastgrad reads the '
             'files itself; '
             'Chainer with protobuf {}.'.format(
                 ', '.join(sorted({str(r['protobuf']) for _, _, res in rows
                                   for lib, r in res.items() if lib != 'fastgrad'}))
                 or '(not run)'), '',
             '| model | file (MB) | library | CaffeFunction (s) | convert_caffemodel_to_npz '
             '(s) | peak RSS (MB) | convert vs fastgrad |',
             '|---|---:|---|---:|---:|---:|---:|']
    for name, size, results in rows:
        base = results['fastgrad']['convert']
        for lib in libs:
            r = results[lib]
            lines.append('| {} | {:.0f} | {} | {:.2f} | {:.2f} | {:.0f} | {:.1f}x |'.format(
                name, size, lib, r['read'], r['convert'], r['peak_mb'], r['convert'] / base))
    with open(a.out, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
