"""fastgrad.testing.distribution_unittest: generated tests call the
subclass's own check_<target> (Chainer's test files override some), and the
per-batch-element (scipy_onebyone) entropy has the batch shape, without the
event axes."""
import numpy
import pytest
from scipy import stats

import fastgrad.distributions as D
from fastgrad import testing


class _Base(testing.distribution_unittest):
    __test__ = False        # run by hand below, not collected as a TestCase

    def setUp_configure(self):
        self.dist = D.Dirichlet
        self.scipy_dist = stats.dirichlet
        self.shape, self.sample_shape, self.event_shape = (2,), (), (3,)
        self.is_variable = False
        alpha = numpy.array([[0.5, 1.0, 2.0], [3.0, 1.5, 0.7]])
        self.params = {'alpha': alpha}
        self.scipy_params = {'alpha': alpha}
        self.test_targets = {'entropy', 'log_prob'}


class _Onebyone(_Base):
    scipy_onebyone = True


def test_onebyone_entropy_has_the_batch_shape():
    case = _Onebyone('test_entropy_cpu')
    case.setUp()
    case.test_entropy_cpu()        # compared with two scipy entropies, shape (2,)
    got = case.cpu_dist.entropy.array
    want = [stats.dirichlet.entropy(a) for a in case.params['alpha']]
    numpy.testing.assert_allclose(got, want, rtol=1e-10)


class _Overrides(_Base):
    calls = []

    def check_log_prob(self, gpu):
        type(self).calls.append(gpu)


def test_generated_test_calls_the_overriding_check():
    _Overrides.calls.clear()
    case = _Overrides('test_log_prob_cpu')
    case.setUp()
    case.test_log_prob_cpu()
    assert _Overrides.calls == [False]


def test_override_is_still_skipped_when_not_a_target():
    _Overrides.calls.clear()
    case = _Overrides('test_log_prob_cpu')
    case.setUp()
    case.test_targets = {'entropy'}
    with pytest.raises(Exception) as info:      # unittest.SkipTest
        case.test_log_prob_cpu()
    assert 'test_targets' in str(info.value)
    assert _Overrides.calls == []
