"""Helpers shared by the distributions."""
import math

import numpy

import fastgrad
from fastgrad import backend
from fastgrad.distribution import Distribution
from fastgrad.utils import cache

# One value per backprop mode: one computed under no_backprop_mode has no graph.
cached = cache.cached_property

LOG_2PI = math.log(2 * math.pi)
EULER = 0.5772156649015329


def var(x):
    """``x`` as a Variable (parameters may be arrays, scalars or Variables)."""
    if isinstance(x, fastgrad.Variable):
        return x
    if not backend.is_array(x):
        x = numpy.asarray(x, dtype=fastgrad.get_dtype())
    return fastgrad.Variable(x)


def data(x):
    return x.array if isinstance(x, fastgrad.Variable) else x


def xp_of(v):
    return backend.get_array_module(data(v))


def uniform(v, shape, low=0.0, high=1.0):
    """Uniform draws of ``shape`` in the open interval (low, high), of
    ``v``'s dtype and device (NumPy's global generator on the CPU, as in
    Chainer).  A float64 draw close to an end rounds onto it in float32 or
    float16; such draws are moved to the nearest value inside, so inverse
    CDFs stay finite."""
    xp = xp_of(v)
    dtype = data(v).dtype
    u = xp.random.uniform(low, high, shape).astype(dtype)
    lo, hi = numpy.asarray(low, dtype), numpy.asarray(high, dtype)
    return xp.clip(u, float(numpy.nextafter(lo, hi)), float(numpy.nextafter(hi, lo)))


def standard_normal(v, shape):
    xp = xp_of(v)
    return xp.random.standard_normal(shape).astype(data(v).dtype)


def full_like(v, value):
    xp = xp_of(v)
    return xp.full(data(v).shape, value, dtype=data(v).dtype)


def where_outside(condition, value, y):
    """``y`` with ``value`` where ``condition`` (an array) holds."""
    import fastgrad.functions as F
    xp = xp_of(y)
    condition = xp.broadcast_to(xp.asarray(condition), y.shape)
    return F.where(condition, xp.full(y.shape, value, dtype=y.dtype), y)


class Elementwise(Distribution):
    """A batch of independent scalar distributions: the batch has the shape
    of the first parameter in ``params``; events are scalars."""

    @property
    def batch_shape(self):
        return next(iter(self.params.values())).shape

    @property
    def event_shape(self):
        return ()
