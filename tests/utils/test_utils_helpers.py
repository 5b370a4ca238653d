"""Chainer's small public helpers in ``utils``: force_type, argument
parsing, experimental, conv.im2col/col2im and the N-D rank checks."""
import warnings

import numpy
import pytest

import fastgrad
from fastgrad import utils
from fastgrad.utils import argument, conv, conv_nd
from fastgrad.utils import type_check as T


def test_force_type():
    f32 = numpy.dtype(numpy.float32)
    v = utils.force_type(f32, 3)
    assert type(v) is numpy.float32 and v == 3
    x = numpy.arange(3)
    y = utils.force_type(f32, x)
    assert y.dtype == f32 and y.tolist() == [0, 1, 2]
    z = numpy.ones(2, numpy.float32)
    assert utils.force_type(numpy.float32, z) is z


def test_parse_kwargs_returns_a_tuple_and_names_the_caller():
    def make_layer(**kwargs):
        return argument.parse_kwargs(kwargs, ('size', 1), ('bias', True))

    assert make_layer() == (1, True)
    assert make_layer(bias=False, size=3) == (3, False)
    with pytest.raises(TypeError, match=r"make_layer\(\) got unexpected keyword "
                                        r"argument\(s\) 'ham', 'spam'"):
        make_layer(spam=1, ham=2)

    def other(**kwargs):
        argument.assert_kwargs_empty(kwargs)

    with pytest.raises(TypeError, match=r"other\(\) got unexpected"):
        other(x=1)


def test_experimental_is_the_function():
    with pytest.warns(FutureWarning, match='my_api is experimental'):
        utils.experimental('my_api')
    fastgrad.disable_experimental_feature_warning = True
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            utils.experimental('my_api')
    finally:
        fastgrad.disable_experimental_feature_warning = False


def test_im2col_and_col2im_are_adjoint():
    """<im2col(x), c> == <x, col2im(c)>, and im2col picks the right pixels."""
    rng = numpy.random.RandomState(0)
    x = rng.randn(2, 3, 7, 6)
    col = conv.im2col(x, 3, 2, 2, 1, 1, 0, dy=2, dx=1)
    out_h = conv.get_conv_outsize(7, 3, 2, 1, d=2)
    out_w = conv.get_conv_outsize(6, 2, 1, 0, d=1)
    assert col.shape == (2, 3, 3, 2, out_h, out_w)
    padded = numpy.pad(x, ((0, 0), (0, 0), (1, 1), (0, 0)))
    numpy.testing.assert_array_equal(col[1, 2, 1, 1, 2, 3], padded[1, 2, 2 * 2 + 1 * 2, 3 + 1])
    c = rng.randn(*col.shape)
    back = conv.col2im(c, 2, 1, 1, 0, 7, 6, dy=2, dx=1)
    numpy.testing.assert_allclose((col * c).sum(), (x * back).sum(), rtol=1e-12)


def test_nd_transforms_check_the_number_of_spatial_axes():
    img = numpy.zeros((2, 3, 4, 3), numpy.float32)
    with pytest.raises(ValueError, match=r'im2col_nd: ksize must have one entry per '
                                         r'spatial axis \(2\), got \(2,\)'):
        conv_nd.im2col_nd_cpu(img, (2,), (1, 1), (0, 0))
    with pytest.raises(ValueError, match='stride'):
        conv_nd.im2col_nd_cpu(img, (2, 2), (1,), (0, 0))
    col = numpy.zeros((2, 3, 2, 3, 2), numpy.float32)
    with pytest.raises(ValueError, match='col2im_nd: col must have shape'):
        conv_nd.col2im_nd_cpu(col, (1, 1), (0, 0), (4, 3))


def test_type_check_compares_lists_and_tuples_of_expressions():
    x = T.Variable(numpy.zeros((2, 5)), 'x')
    assert (x.shape == (T.Constant(2), 5)).eval()
    assert (T.Constant([[0]]) == [[T.Constant(0)]]).eval()
    assert T._repr((T.Constant(0), T.Constant(1))) == '(0, 1)'
    with pytest.raises(T.InvalidType):
        T.expect(x.shape == (3, T.Constant(5)))
