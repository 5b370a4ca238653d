import os

import numpy
import pytest

from fastgrad import dataset


class Squares(dataset.DatasetMixin):
    def __len__(self):
        return 5

    def get_example(self, i):
        return i * i


def test_int_slice_list_array_indexing():
    d = Squares()
    assert d[3] == 9
    assert d[1:4] == [1, 4, 9]
    assert d[::-2] == [16, 4, 0]
    assert d[[0, 4]] == [0, 16]
    assert d[numpy.array([2, 1])] == [4, 1]
    assert d[numpy.array([True, False, True, False, False])] == [0, 4]


def test_unimplemented():
    d = dataset.DatasetMixin()
    with pytest.raises(NotImplementedError):
        len(d)
    with pytest.raises(NotImplementedError):
        d[0]


def test_iterator_base():
    it = dataset.Iterator()
    assert iter(it) is it
    with pytest.raises(NotImplementedError):
        next(it)
    with it as same:
        assert same is it


def test_dataset_root_env_and_override(monkeypatch, tmp_path):
    monkeypatch.setenv('FASTGRAD_DATASET_ROOT', str(tmp_path / 'envroot'))
    assert dataset.get_dataset_root() == str(tmp_path / 'envroot')
    try:
        dataset.set_dataset_root(str(tmp_path / 'explicit'))
        assert dataset.get_dataset_root() == str(tmp_path / 'explicit')
        d = dataset.get_dataset_directory('foo')
        assert d == os.path.join(str(tmp_path / 'explicit'), 'foo')
        assert os.path.isdir(d)
    finally:
        dataset.set_dataset_root(None)
    assert dataset.get_dataset_root() == str(tmp_path / 'envroot')
    monkeypatch.delenv('FASTGRAD_DATASET_ROOT')
    monkeypatch.delenv('CHAINER_DATASET_ROOT', raising=False)
    assert dataset.get_dataset_root() == os.path.join(
        os.path.expanduser('~'), '.fastgrad', 'dataset')
