import numpy
import pytest

from fastgrad import backend, dataset


def test_arrays_are_stacked():
    batch = [numpy.full((2, 3), i, dtype=numpy.float32) for i in range(4)]
    out = dataset.concat_examples(batch)
    assert isinstance(out, numpy.ndarray)
    assert out.shape == (4, 2, 3) and out.dtype == numpy.float32
    for i in range(4):
        numpy.testing.assert_array_equal(out[i], batch[i])


def test_inputs_unchanged_and_result_is_a_copy():
    batch = [numpy.arange(3.0), numpy.arange(3.0) + 3]
    before = [b.copy() for b in batch]
    out = dataset.concat_examples(batch)
    out[...] = -1
    for b, o in zip(batch, before):
        numpy.testing.assert_array_equal(b, o)


def test_tuples_give_a_tuple_of_arrays():
    batch = [(numpy.array([i, i + 1], dtype=numpy.float32), numpy.int32(i))
             for i in range(3)]
    x, t = dataset.concat_examples(batch)
    numpy.testing.assert_array_equal(x, [[0, 1], [1, 2], [2, 3]])
    assert x.dtype == numpy.float32
    numpy.testing.assert_array_equal(t, [0, 1, 2])
    assert t.dtype == numpy.int32


def test_dicts_give_a_dict_of_arrays():
    batch = [{'x': numpy.full(2, i, 'f'), 'y': i} for i in range(3)]
    out = dataset.concat_examples(batch)
    assert set(out) == {'x', 'y'}
    numpy.testing.assert_array_equal(out['x'], [[0, 0], [1, 1], [2, 2]])
    numpy.testing.assert_array_equal(out['y'], [0, 1, 2])


def test_python_scalars():
    out = dataset.concat_examples([1.5, 2.5])
    numpy.testing.assert_array_equal(out, [1.5, 2.5])


def test_padding_single_arrays():
    batch = [numpy.array([1, 2]), numpy.array([3, 4, 5]), numpy.array([6])]
    out = dataset.concat_examples(batch, padding=-1)
    numpy.testing.assert_array_equal(out, [[1, 2, -1], [3, 4, 5], [6, -1, -1]])


def test_padding_2d_and_per_field():
    batch = [(numpy.ones((1, 2)), numpy.array([1])),
             (numpy.ones((2, 1)), numpy.array([1, 2]))]
    x, t = dataset.concat_examples(batch, padding=(0, -9))
    expected_x = numpy.array([[[1, 1], [0, 0]], [[1, 0], [1, 0]]])
    numpy.testing.assert_array_equal(x, expected_x)
    numpy.testing.assert_array_equal(t, [[1, -9], [1, 2]])


def test_padding_sequences_with_scalar_labels():
    # (sequence, label) pairs: the label field is 0-d and is stacked, not padded
    batch = [(numpy.array([1, 2]), 0), (numpy.array([3]), 1)]
    x, t = dataset.concat_examples(batch, padding=-1)
    numpy.testing.assert_array_equal(x, [[1, 2], [3, -1]])
    numpy.testing.assert_array_equal(t, [0, 1])


def test_padding_dict():
    batch = [{'a': numpy.array([1]), 'b': numpy.array([1])},
             {'a': numpy.array([1, 2]), 'b': numpy.array([1, 2])}]
    out = dataset.concat_examples(batch, padding={'a': 0, 'b': 7})
    numpy.testing.assert_array_equal(out['a'], [[1, 0], [1, 2]])
    numpy.testing.assert_array_equal(out['b'], [[1, 7], [1, 2]])


def test_different_shapes_without_padding_fail():
    with pytest.raises(ValueError):
        dataset.concat_examples([numpy.zeros(2), numpy.zeros(3)])


def test_empty_batch():
    with pytest.raises(ValueError, match='empty'):
        dataset.concat_examples([])


@pytest.mark.parametrize('device', [-1, '@numpy', backend.CpuDevice()])
def test_device_cpu(device):
    out = dataset.concat_examples([(numpy.zeros(2), 1)], device=device)
    assert isinstance(out[0], numpy.ndarray)


def test_to_device():
    a = numpy.arange(3)
    assert dataset.to_device(None, a) is a
    assert dataset.to_device(-1, a) is a
    assert dataset.to_device('@numpy', a) is a
    assert dataset.to_device('@numpy', None) is None
    with pytest.raises(ValueError):
        dataset.to_device('@nonsense', a)


def test_converter_decorator_and_call_converter():
    from fastgrad.dataset import convert
    seen = []

    @dataset.converter()
    def new_style(batch, device=None):
        seen.append(device)
        return batch

    def old_style(batch, device=None):
        seen.append(device)
        return batch

    assert isinstance(new_style, dataset.Converter)
    assert isinstance(dataset.concat_examples, dataset.Converter)
    convert._call_converter(new_style, [1], backend.CpuDevice())
    convert._call_converter(old_style, [1], backend.CpuDevice())
    convert._call_converter(old_style, [1], None)
    assert seen[0] == backend.CpuDevice()
    assert seen[1] == -1      # legacy converters get Chainer's int ids
    assert seen[2] is None


@pytest.mark.gpu
def test_device_gpu():
    import cupy
    x, t = dataset.concat_examples([(numpy.zeros(2, 'f'), 1)] * 3, device=0)
    assert isinstance(x, cupy.ndarray) and isinstance(t, cupy.ndarray)
    out = dataset.concat_examples([cupy.arange(2), cupy.arange(3)], padding=0)
    assert isinstance(out, cupy.ndarray)
    cupy.testing.assert_array_equal(out, [[0, 1, 0], [0, 1, 2]])


def test_converters_pickle_by_reference():
    """A converter made with the decorator pickles like the function it
    wraps (updaters send converters to worker processes)."""
    import pickle
    assert pickle.loads(pickle.dumps(dataset.concat_examples)) is dataset.concat_examples
    out = pickle.loads(pickle.dumps(dataset.concat_examples))([numpy.ones(2), numpy.zeros(2)])
    numpy.testing.assert_array_equal(out, [[1, 1], [0, 0]])
