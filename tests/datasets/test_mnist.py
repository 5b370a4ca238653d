"""get_mnist on small MNIST-format files made by the test (never a
download)."""
import gzip
import os

import numpy
import pytest

from fastgrad import dataset, datasets
from fastgrad.datasets import mnist

NAMES = ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte',
         't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte')


def _fake(n_train=12, n_test=5, seed=0):
    rng = numpy.random.RandomState(seed)
    return {
        'x_train': rng.randint(0, 256, (n_train, 28, 28)).astype(numpy.uint8),
        'y_train': rng.randint(0, 10, n_train).astype(numpy.uint8),
        'x_test': rng.randint(0, 256, (n_test, 28, 28)).astype(numpy.uint8),
        'y_test': rng.randint(0, 10, n_test).astype(numpy.uint8),
    }


def _write_idx_files(folder, raw, gz=False, skip=()):
    os.makedirs(folder, exist_ok=True)
    for key, name in zip(('x_train', 'y_train', 'x_test', 'y_test'), NAMES):
        if name in skip:
            continue
        mnist.write_idx(os.path.join(folder, name + ('.gz' if gz else '')), raw[key])


def _check(train, test, raw, scale=1., dtype=numpy.float32):
    assert len(train) == len(raw['x_train']) and len(test) == len(raw['x_test'])
    x, t = train[3]
    assert x.shape == (784,) and x.dtype == dtype
    assert t.dtype == numpy.int32
    numpy.testing.assert_allclose(
        x, raw['x_train'][3].reshape(-1) * (scale / 255.), rtol=1e-6)
    assert t == raw['y_train'][3]
    x, t = test[4]
    numpy.testing.assert_allclose(
        x, raw['x_test'][4].reshape(-1) * (scale / 255.), rtol=1e-6)
    assert t == raw['y_test'][4]


@pytest.mark.parametrize('gz', [False, True])
def test_idx_files(tmp_path, gz):
    raw = _fake()
    _write_idx_files(str(tmp_path), raw, gz=gz)
    train, test = datasets.get_mnist(path=str(tmp_path))
    _check(train, test, raw)


def test_idx_dot_spelling(tmp_path):
    raw = _fake()
    _write_idx_files(str(tmp_path), raw)
    for name in NAMES:
        os.rename(str(tmp_path / name), str(tmp_path / name.replace('-idx', '.idx')))
    train, test = datasets.get_mnist(path=str(tmp_path))
    _check(train, test, raw)


def test_keras_npz_folder_and_file(tmp_path):
    raw = _fake()
    numpy.savez(str(tmp_path / 'mnist.npz'), **raw)
    _check(*datasets.get_mnist(path=str(tmp_path)), raw)
    _check(*datasets.get_mnist(path=str(tmp_path / 'mnist.npz')), raw)


def test_chainer_cache_layout(tmp_path):
    raw = _fake()
    numpy.savez(str(tmp_path / 'train.npz'), x=raw['x_train'].reshape(-1, 784),
                y=raw['y_train'])
    numpy.savez(str(tmp_path / 'test.npz'), x=raw['x_test'].reshape(-1, 784),
                y=raw['y_test'])
    _check(*datasets.get_mnist(path=str(tmp_path)), raw)


def test_dataset_root_env(tmp_path, monkeypatch):
    raw = _fake()
    _write_idx_files(str(tmp_path / 'mnist'), raw, gz=True)
    monkeypatch.setenv('FASTGRAD_DATASET_ROOT', str(tmp_path))
    _check(*datasets.get_mnist(), raw)


def test_options(tmp_path):
    raw = _fake()
    _write_idx_files(str(tmp_path), raw)
    p = str(tmp_path)
    train, test = datasets.get_mnist(ndim=2, scale=2., dtype=numpy.float64,
                                     label_dtype=numpy.int64, path=p)
    x, t = train[0]
    assert x.shape == (28, 28) and x.dtype == numpy.float64 and t.dtype == numpy.int64
    numpy.testing.assert_allclose(x, raw['x_train'][0] * (2. / 255.))
    assert x.max() <= 2.
    train, _ = datasets.get_mnist(ndim=3, path=p)
    assert train[0][0].shape == (1, 28, 28)
    train, _ = datasets.get_mnist(ndim=3, rgb_format=True, path=p)
    img = train[0][0]
    assert img.shape == (3, 28, 28)
    numpy.testing.assert_array_equal(img[0], img[2])
    img[0, 0, 0] = 5.   # a real array, not a read-only broadcast view
    x_train, x_test = datasets.get_mnist(withlabel=False, path=p)
    assert isinstance(x_train, numpy.ndarray) and x_train.shape == (12, 784)
    with pytest.raises(ValueError, match='ndim'):
        datasets.get_mnist(ndim=4, path=p)


def test_default_dtype_follows_config(tmp_path):
    import fastgrad
    raw = _fake()
    _write_idx_files(str(tmp_path), raw)
    with fastgrad.using_config('dtype', numpy.float16):
        train, _ = datasets.get_mnist(path=str(tmp_path))
    assert train[0][0].dtype == numpy.float16


def test_missing_everything_names_file_and_folders(tmp_path, monkeypatch):
    monkeypatch.setenv('FASTGRAD_DATASET_ROOT', str(tmp_path / 'root'))
    with pytest.raises(FileNotFoundError) as e:
        datasets.get_mnist()
    msg = str(e.value)
    assert 'train-images-idx3-ubyte' in msg
    assert str(tmp_path / 'root') in msg
    assert 'download' in msg
    with pytest.raises(FileNotFoundError) as e:
        datasets.get_mnist(path=str(tmp_path / 'nowhere'))
    assert str(tmp_path / 'nowhere') in str(e.value)


def test_partial_copy_names_the_missing_file(tmp_path):
    _write_idx_files(str(tmp_path), _fake(), skip=('t10k-labels-idx1-ubyte',))
    with pytest.raises(FileNotFoundError) as e:
        datasets.get_mnist(path=str(tmp_path))
    msg = str(e.value)
    assert 't10k-labels-idx1-ubyte' in msg and str(tmp_path) in msg
    assert 'train-images' not in msg


def test_bad_idx_files(tmp_path):
    p = str(tmp_path / 'bad')
    with open(p, 'wb') as f:
        f.write(b'\x12\x34\x56\x78rest')
    with pytest.raises(ValueError, match='magic'):
        mnist.read_idx(p)
    good = str(tmp_path / 'good.gz')
    mnist.write_idx(good, numpy.zeros((2, 3), numpy.uint8))
    with gzip.open(good, 'rb') as f:
        data = f.read()
    with open(p, 'wb') as f:
        f.write(data[:-1])
    with pytest.raises(ValueError, match='holds'):
        mnist.read_idx(p)


def test_read_idx_roundtrip_and_big_endian(tmp_path):
    a = numpy.arange(24, dtype=numpy.uint8).reshape(2, 3, 4)
    p = str(tmp_path / 'a-idx3-ubyte')
    mnist.write_idx(p, a)
    numpy.testing.assert_array_equal(mnist.read_idx(p), a)
    # int32 payload (type code 0x0C) is big endian in IDX
    q = str(tmp_path / 'b')
    with open(q, 'wb') as f:
        f.write(bytes([0, 0, 0x0C, 1]) + numpy.array([2], '>u4').tobytes()
                + numpy.array([1, -2], '>i4').tobytes())
    out = mnist.read_idx(q)
    numpy.testing.assert_array_equal(out, [1, -2])
    assert out.dtype.isnative


def test_root_helper_is_importable_from_dataset():
    assert callable(dataset.get_dataset_root)
