"""Runs examples/train_cnn.py for a few epochs on the digits, in a subprocess."""
import json
import os
import subprocess
import sys

import pytest

import fastgrad

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, '..', '..', 'examples', 'train_cnn.py')

pytestmark = pytest.mark.skipif(
    not os.path.exists(SCRIPT),
    reason='examples/ is not next to the tests (tests copied elsewhere)')


def test_cnn_learns_the_digits(tmp_path):
    pytest.importorskip('sklearn')
    root = os.path.dirname(os.path.dirname(os.path.abspath(fastgrad.__file__)))
    env = dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get('PYTHONPATH', ''),
               MPLBACKEND='Agg')
    out = tmp_path / 'result'
    # Run as Chainer code: `python -m fastgrad run` installs the chainer alias.
    proc = subprocess.run([sys.executable, '-m', 'fastgrad', 'run', SCRIPT,
                           '--epoch', '3', '--seed', '0',
                           '--out', str(out)],
                          cwd=str(tmp_path), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, timeout=300)
    assert proc.returncode == 0, proc.stdout
    with open(str(out / 'log')) as f:
        log = json.load(f)
    assert [e['epoch'] for e in log] == [1, 2, 3]
    assert log[-1]['main/loss'] < log[0]['main/loss']
    assert log[-1]['validation/main/accuracy'] > 0.9
    assert 'lr' in log[-1]          # observe_lr reported the schedule
