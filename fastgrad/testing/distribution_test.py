"""``distribution_unittest``: the base class of Chainer's distribution
tests.  A subclass's ``setUp_configure`` sets ``self.dist`` (the class),
``self.scipy_dist`` (the scipy.stats distribution), ``self.params`` /
``self.scipy_params`` and ``self.test_targets``; ``sample_for_test()`` draws
points.  Each target (log_prob, cdf, mean, sample, ...) is compared with
SciPy on the CPU (and on the GPU where one is present)."""
import unittest

import numpy

from fastgrad.testing import array

_TARGETS = {'batch_shape', 'cdf', 'entropy', 'event_shape', 'icdf', 'log_cdf',
            'log_prob', 'log_survival', 'mean', 'prob', 'sample', 'stddev',
            'support', 'survival', 'variance'}


def _to_gpu(x):
    from fastgrad.backends import cuda
    return cuda.to_gpu(x)


class distribution_unittest(unittest.TestCase):
    """Base class of a distribution's tests (see the module docstring).

    >>> from fastgrad import distributions, testing
    >>> class NormalReference:   # usually scipy.stats.norm
    ...     mean = staticmethod(lambda loc, scale: loc)
    ...     var = staticmethod(lambda loc, scale: scale ** 2)
    >>> class TestNormal(testing.distribution_unittest):
    ...     def setUp_configure(self):
    ...         self.dist, self.scipy_dist = distributions.Normal, NormalReference
    ...         self.test_targets = {'mean', 'variance'}
    ...         self.shape, self.is_variable = (2,), False
    ...         self.params = {'loc': np.array([0., 1.], dtype=np.float32),
    ...                        'scale': np.array([1., 2.], dtype=np.float32)}
    ...         self.scipy_params = self.params
    >>> case = TestNormal('test_mean_cpu')
    >>> case.setUp(); case.test_mean_cpu(); case.test_variance_cpu()
    """

    scipy_onebyone = False

    def setUp(self):
        self.support = 'real'
        if not hasattr(self, 'event_shape'):
            self.event_shape = ()
        self.continuous = True
        self.test_targets = set()
        self.options = {}
        self.setUp_configure()
        unknown = self.test_targets - _TARGETS
        if unknown:
            raise ValueError('invalid target(s): {}'.format(unknown))
        if self.is_variable:
            import fastgrad
            self.params = {k: fastgrad.Variable(v) for k, v in self.params.items()}

    # -- the distribution under test --------------------------------------
    def _dist(self, gpu):
        params = dict(self.params)
        if gpu:
            import fastgrad
            params = {k: (fastgrad.Variable(_to_gpu(v.array)) if hasattr(v, 'array')
                          else _to_gpu(v)) for k, v in params.items()}
        params.update(self.options)
        return self.dist(**params)

    @property
    def cpu_dist(self):
        return self._dist(False)

    @property
    def gpu_dist(self):
        return self._dist(True)

    def scipy_onebyone_params_iter(self):
        for index in numpy.ndindex(self.shape):
            yield {k: v[index] for k, v in self.scipy_params.items()}

    def _require(self, target):
        if target not in self.test_targets:
            self.skipTest("'{}' does not exist in test_targets.".format(target))

    @staticmethod
    def _host(v):
        from fastgrad.backends import cuda
        return cuda.to_cpu(getattr(v, 'array', v))

    def _per_param(self, method, shape):
        """A scipy statistic evaluated for each batch element separately,
        stacked into ``shape``."""
        values = [getattr(self.scipy_dist, method)(**p)
                  for p in self.scipy_onebyone_params_iter()]
        return numpy.vstack(values).reshape(shape)

    # -- checks -----------------------------------------------------------------
    def _check_at_points(self, target, ours, scipy_name, gpu, points=None):
        self._require(target)
        smp = self.sample_for_test() if points is None else points
        dist = self._dist(gpu)
        got = self._host(getattr(dist, ours)(_to_gpu(smp) if gpu else smp))
        array.assert_allclose(got, getattr(self.scipy_dist, scipy_name)(
            smp, **self.scipy_params))

    def _check_statistic(self, target, ours, scipy_name, gpu, per_event=True):
        self._require(target)
        got = self._host(getattr(self._dist(gpu), ours))
        if self.scipy_onebyone:
            # the entropy is one number per batch element; mean and variance
            # have the event's shape too
            shape = self.shape + (self.cpu_dist.event_shape if per_event else ())
            want = self._per_param(scipy_name, shape)
        else:
            want = getattr(self.scipy_dist, scipy_name)(**self.scipy_params)
        array.assert_allclose(got, want)

    def check_log_prob(self, gpu):
        self._require('log_prob')
        smp = self.sample_for_test()
        got = self._host(self._dist(gpu).log_prob(_to_gpu(smp) if gpu else smp))
        scipy_log_prob = (self.scipy_dist.logpdf if self.continuous
                          else self.scipy_dist.logpmf)
        if self.scipy_onebyone:
            n_batch = int(numpy.prod(self.shape, dtype=int))
            n_sample = int(numpy.prod(self.sample_shape, dtype=int))
            per_batch = numpy.swapaxes(smp.reshape(
                (n_sample, n_batch) + self.event_shape), 0, 1)
            want = [scipy_log_prob(s.reshape(self.sample_shape + self.event_shape), **p)
                    for p, s in zip(self.scipy_onebyone_params_iter(), per_batch)]
            want = numpy.vstack(want).reshape(n_batch, -1).T.reshape(
                self.sample_shape + self.shape)
        else:
            want = scipy_log_prob(smp, **self.scipy_params)
        array.assert_allclose(got, want)

    def check_sample(self, gpu):
        self._require('sample')
        n = 100000
        dist = self._dist(gpu)
        ours = self._host(dist.sample(sample_shape=(n,) + self.sample_shape))
        event_shape = self.cpu_dist.event_shape
        if self.scipy_onebyone:
            draws = numpy.vstack([self.scipy_dist.rvs(size=(n,) + self.sample_shape, **p)
                                  for p in self.scipy_onebyone_params_iter()])
            n_batch = int(numpy.prod(self.shape, dtype=int))
            draws = draws.reshape((n_batch, n) + self.sample_shape + event_shape)
            # batch axis to just before the event axes, then split it
            draws = numpy.moveaxis(draws, 0, draws.ndim - 1 - len(event_shape))
            theirs = draws.reshape((n,) + self.sample_shape + self.shape + event_shape)
        else:
            theirs = self.scipy_dist.rvs(size=(n,) + self.sample_shape + self.shape,
                                         **self.scipy_params)
        array.assert_allclose(ours.mean(axis=0), theirs.mean(axis=0), atol=3e-2, rtol=3e-2)
        array.assert_allclose(ours.std(axis=0), theirs.std(axis=0), atol=3e-2, rtol=3e-2)

    def check_icdf(self, gpu):
        points = numpy.random.uniform(1e-5, 1 - 1e-5, self.sample_shape + self.shape)
        self._check_at_points('icdf', 'icdf', 'ppf', gpu, points.astype(numpy.float32))

    def check_cdf(self, gpu):
        self._check_at_points('cdf', 'cdf', 'cdf', gpu)

    def check_log_cdf(self, gpu):
        self._check_at_points('log_cdf', 'log_cdf', 'logcdf', gpu)

    def check_survival(self, gpu):
        self._check_at_points('survival', 'survival_function', 'sf', gpu)

    def check_log_survival(self, gpu):
        self._check_at_points('log_survival', 'log_survival_function', 'logsf', gpu)

    def check_prob(self, gpu):
        self._check_at_points('prob', 'prob', 'pdf' if self.continuous else 'pmf', gpu)

    def check_entropy(self, gpu):
        self._check_statistic('entropy', 'entropy', 'entropy', gpu, per_event=False)

    def check_mean(self, gpu):
        self._check_statistic('mean', 'mean', 'mean', gpu)

    def check_variance(self, gpu):
        self._check_statistic('variance', 'variance', 'var', gpu)

    def check_stddev(self, gpu):
        self._require('stddev')
        array.assert_allclose(self._host(self._dist(gpu).stddev),
                              self.scipy_dist.std(**self.scipy_params))

    def _check_equal(self, target, attribute, expected, gpu):
        self._require(target)
        self.assertEqual(getattr(self._dist(gpu), attribute), expected)


def _add_tests():
    """test_<target>_cpu and test_<target>_gpu for every target; they call the
    instance's ``check_<target>``, so a subclass may override one."""
    def make(target, check, gpu):
        def test(self):
            self._require(target)
            if isinstance(check, str):
                getattr(self, check)(gpu)
            else:
                check(self, gpu)
        if not gpu:
            return test
        try:        # pytest is optional: importing fastgrad must not need it
            from fastgrad.testing import attr
        except ImportError:
            return test
        return attr.gpu(test)

    checks = {
        'cdf': 'check_cdf',
        'entropy': 'check_entropy',
        'icdf': 'check_icdf',
        'log_cdf': 'check_log_cdf',
        'log_prob': 'check_log_prob',
        'log_survival': 'check_log_survival',
        'mean': 'check_mean',
        'prob': 'check_prob',
        'sample': 'check_sample',
        'stddev': 'check_stddev',
        'survival': 'check_survival',
        'variance': 'check_variance',
        'batch_shape': lambda self, gpu: self._check_equal(
            'batch_shape', 'batch_shape', self.shape, gpu),
        'event_shape': lambda self, gpu: self._check_equal(
            'event_shape', 'event_shape', self.event_shape, gpu),
        'support': lambda self, gpu: self._check_equal(
            'support', 'support', self.support, gpu),
    }
    for target, check in checks.items():
        for gpu in (False, True):
            name = 'test_{}_{}'.format(target, 'gpu' if gpu else 'cpu')
            setattr(distribution_unittest, name, make(target, check, gpu))


_add_tests()
