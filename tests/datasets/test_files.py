"""Image, text and pickle data sets on small files written by the tests."""
import io
import os
import pickle
import zipfile

import numpy
import pytest

from fastgrad import datasets
from fastgrad.dataset import download
from fastgrad.iterators import MultiprocessIterator

Image = pytest.importorskip('PIL.Image')


def _png(path, array):
    Image.fromarray(array).save(path)


@pytest.fixture
def images(tmp_path):
    rgb = numpy.arange(2 * 3 * 3, dtype=numpy.uint8).reshape(2, 3, 3)
    gray = numpy.array([[0, 255], [128, 7]], numpy.uint8)
    _png(tmp_path / 'rgb.png', rgb)
    _png(tmp_path / 'gray.png', gray)
    return tmp_path, rgb, gray


def test_image_dataset(images):
    root, rgb, gray = images
    d = datasets.ImageDataset(['rgb.png', 'gray.png'], root=str(root))
    assert len(d) == 2
    numpy.testing.assert_array_equal(d[0], rgb.transpose(2, 0, 1))
    assert d[0].dtype == numpy.float32
    numpy.testing.assert_array_equal(d[1], gray[None])
    (root / 'list.txt').write_text('gray.png\nrgb.png\n')
    assert datasets.ImageDataset(str(root / 'list.txt'), root=str(root))[0].shape == (1, 2, 2)


def test_labeled_image_dataset(images):
    root, rgb, _ = images
    (root / 'pairs.txt').write_text('rgb.png 4\ngray.png 1\n')
    d = datasets.LabeledImageDataset(str(root / 'pairs.txt'), root=str(root),
                                     dtype=numpy.float64)
    x, t = d[0]
    assert x.dtype == numpy.float64 and t == 4 and t.dtype == numpy.int32
    (root / 'bad.txt').write_text('rgb.png\n')
    with pytest.raises(ValueError, match='line 0'):
        datasets.LabeledImageDataset(str(root / 'bad.txt'))


def test_zipped_image_datasets(images):
    root, rgb, gray = images
    for name, members in (('a.zip', ['rgb.png', 'gray.png']), ('b.zip', ['gray.png'])):
        with zipfile.ZipFile(root / name, 'w') as z:
            for m in members:
                z.write(root / m, m)
    z = datasets.ZippedImageDataset(str(root / 'a.zip'))
    assert len(z) == 2
    numpy.testing.assert_array_equal(z.get_example('gray.png'), gray[None])
    z2 = pickle.loads(pickle.dumps(z))
    numpy.testing.assert_array_equal(z2[0], rgb.transpose(2, 0, 1))
    multi = datasets.MultiZippedImageDataset([str(root / 'a.zip'), str(root / 'b.zip')])
    assert len(multi) == 3 and multi[2].shape == (1, 2, 2) and multi[-1].shape == (1, 2, 2)
    with pytest.raises(IndexError):
        multi.get_example(3)
    (root / 'labels.txt').write_text('gray.png 9\nrgb.png 2\n')
    labeled = datasets.LabeledZippedImageDataset(str(root / 'a.zip'), str(root / 'labels.txt'))
    assert labeled[0][1] == 9 and labeled[1][0].shape == (3, 2, 3)


def test_text_dataset(tmp_path):
    (tmp_path / 'en.txt').write_text('hello\nworld\nthe end\n')
    (tmp_path / 'fr.txt').write_text('bonjour\nmonde\nla fin\n')
    d = datasets.TextDataset(str(tmp_path / 'en.txt'))
    assert len(d) == 3 and d[1] == 'world\n' and d[2] == 'the end\n'
    pair = datasets.TextDataset([str(tmp_path / 'en.txt'), str(tmp_path / 'fr.txt')],
                                filter_func=lambda en, fr: ' ' not in en)
    assert len(pair) == 2 and pair[1] == ('world\n', 'monde\n')
    assert pickle.loads(pickle.dumps(pair))[0] == ('hello\n', 'bonjour\n')
    (tmp_path / 'short.txt').write_text('one\n')
    with pytest.raises(ValueError, match='same number of lines'):
        datasets.TextDataset([str(tmp_path / 'en.txt'), str(tmp_path / 'short.txt')])
    with pytest.raises(IndexError):
        d.get_example(3)
    d.close()


def test_pickle_dataset_and_workers(tmp_path):
    path = str(tmp_path / 'data.pkl')
    with datasets.open_pickle_dataset_writer(path) as w:
        for i in range(20):
            w.write((numpy.full(3, i, numpy.float32), i))
    with datasets.open_pickle_dataset(path) as d:
        assert len(d) == 20
        x, i = d[13]
        assert i == 13 and x.tolist() == [13.] * 3
        # Forked workers read through their own file handle.
        it = MultiprocessIterator(d, 5, repeat=False, shuffle=False, n_processes=2)
        got = [i for batch in it for _, i in batch]
        it.finalize()
        assert got == list(range(20))


def test_cache_or_load_file_creates_once(tmp_path):
    calls = []

    def creator(path):
        calls.append(path)
        with open(path, 'w') as f:
            f.write('made')
        return 'created'
    target = str(tmp_path / 'sub' / 'file.txt')
    assert download.cache_or_load_file(target, creator, lambda p: open(p).read()) == 'created'
    assert download.cache_or_load_file(target, creator, lambda p: open(p).read()) == 'made'
    assert len(calls) == 1 and calls[0] != target
    assert os.listdir(tmp_path / 'sub') == ['file.txt']


def test_failed_creator_leaves_nothing(tmp_path):
    def creator(path):
        open(path, 'w').write('half')
        raise OSError('interrupted')
    target = str(tmp_path / 'x.npz')
    with pytest.raises(OSError):
        download.cache_or_load_file(target, creator, numpy.load)
    assert os.listdir(tmp_path) == []


def test_cached_download_fetches_only_when_allowed(tmp_path):
    from fastgrad import dataset
    src = tmp_path / 'remote.bin'
    src.write_bytes(b'payload')
    url = src.as_uri()                       # file:// goes through urllib too
    dataset.set_dataset_root(str(tmp_path / 'root'))
    try:
        dataset.allow_download(False)
        with pytest.raises(RuntimeError, match='downloads are off'):
            dataset.cached_download(url)
        dataset.allow_download(True)
        path = dataset.cached_download(url)
        assert path == download.cached_download_path(url)
        assert open(path, 'rb').read() == b'payload'
        src.unlink()                          # now served from the cache
        dataset.allow_download(False)
        assert dataset.cached_download(url) == path
    finally:
        dataset.set_dataset_root(None)
        dataset.allow_download(None)


@pytest.mark.skipif(not hasattr(os, 'fork'), reason='needs fork')
def test_pickle_dataset_reader_after_fork_runs_in_the_child(tmp_path):
    """A reader with after_fork() (Chainer's hook for reopening a file that a
    forked child would otherwise share with its parent) is called in the
    child, not in the parent."""
    import multiprocessing

    log = tmp_path / 'after_fork.log'

    class Reader(io.BytesIO):
        def after_fork(self):
            with open(str(log), 'a') as f:
                f.write('{}\n'.format(os.getpid()))

    buf = Reader()
    pickle.dump('example', buf)
    dataset = datasets.PickleDataset(buf)
    process = multiprocessing.get_context('fork').Process(target=lambda: None)
    process.start()
    process.join(timeout=30)
    assert log.read_text().split() == [str(process.pid)]   # in the child only
    assert dataset[0] == 'example'
