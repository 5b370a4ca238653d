"""Shared test setup: the ``gpu`` mark skips unless CuPy and a CUDA device exist."""
import numpy
import pytest


def _gpu_available():
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


MARKERS = (
    'gpu: needs CuPy and a CUDA device (skipped otherwise)',
    'slow: takes more than a few seconds',
    'cudnn: needs cuDNN (also marked gpu)',
    'multi_gpu: needs several GPUs (also marked gpu)',
    'chainerx: needs ChainerX (not available in fastgrad; skipped)',
    'ideep: needs iDeep (not available in fastgrad; skipped)',
)


def pytest_configure(config):
    # here, not in pyproject.toml: CI runs a copy of tests/ outside the project
    for line in MARKERS:
        config.addinivalue_line('markers', line)


def pytest_collection_modifyitems(config, items):
    if any(item.get_closest_marker('gpu') for item in items) and not _gpu_available():
        skip = pytest.mark.skip(reason='needs CuPy and a CUDA device')
        for item in items:
            if item.get_closest_marker('gpu'):
                item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_state():
    """Each test starts with a known global RNG and default config."""
    numpy.random.seed(1234)
    yield


@pytest.fixture
def run_python():
    """Run a snippet in a fresh interpreter and return its stdout: a crash (a
    signal) fails one test instead of killing pytest, and a leak stays there."""
    import os
    import subprocess
    import sys
    import tempfile
    import textwrap

    import fastgrad
    root = os.path.dirname(os.path.dirname(os.path.abspath(fastgrad.__file__)))
    prelude = 'import numpy as np, fastgrad, fastgrad.functions as F\n'

    def run(code, timeout=120):
        env = dict(os.environ,
                   PYTHONPATH=root + os.pathsep + os.environ.get('PYTHONPATH', ''))
        # cwd outside the source tree: `-c` puts it first on sys.path
        proc = subprocess.run([sys.executable, '-c', prelude + textwrap.dedent(code)],
                              capture_output=True, text=True, env=env, timeout=timeout,
                              cwd=tempfile.gettempdir())
        assert proc.returncode == 0, 'exit {}: {}'.format(proc.returncode,
                                                         proc.stderr[-3000:])
        return proc.stdout.strip()
    return run
