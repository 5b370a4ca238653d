"""Shared test setup: the ``gpu`` mark skips unless CuPy and a CUDA device exist."""
import numpy
import pytest


def _gpu_available():
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def pytest_configure(config):
    config.addinivalue_line('markers', 'gpu: needs CuPy and a CUDA device')
    config.addinivalue_line('markers', 'slow: takes more than a few seconds')


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
