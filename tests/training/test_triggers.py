import operator

import pytest

from fastgrad import training
from fastgrad.training import triggers


class FakeUpdater(object):
    """Iterations of ``iters_per_epoch`` (a float is fine) per epoch."""

    def __init__(self, iters_per_epoch):
        self.iters_per_epoch = iters_per_epoch
        self.iteration = 0
        self.previous_epoch_detail = None

    @property
    def epoch_detail(self):
        return self.iteration / self.iters_per_epoch

    @property
    def epoch(self):
        return int(self.epoch_detail)

    def update(self):
        self.previous_epoch_detail = self.epoch_detail
        self.iteration += 1


class FakeTrainer(object):
    def __init__(self, updater):
        self.updater = updater
        self.observation = {}
        self.elapsed_time = 0.


def _fires(trigger, iters_per_epoch, n):
    trainer = FakeTrainer(FakeUpdater(iters_per_epoch))
    out = []
    for _ in range(n):
        trainer.updater.update()
        out.append(trigger(trainer))
    return out


def test_interval_iteration():
    assert _fires(triggers.IntervalTrigger(3, 'iteration'), 5, 9) == \
        [False, False, True] * 3


def test_interval_epoch():
    assert _fires(triggers.IntervalTrigger(1, 'epoch'), 4, 8) == \
        [False, False, False, True] * 2


def test_interval_fractional_epoch_with_uneven_batches():
    # 2.5 iterations per epoch, fire every half epoch: on the iterations
    # that cross 0.5, 1.0, 1.5, 2.0 epochs
    fires = _fires(triggers.IntervalTrigger(0.5, 'epoch'), 2.5, 5)
    assert fires == [False, True, True, True, True]
    # every 2 epochs with 2.5 iterations per epoch: at iteration 5 and 10
    fires = _fires(triggers.IntervalTrigger(2, 'epoch'), 2.5, 10)
    assert [i + 1 for i, f in enumerate(fires) if f] == [5, 10]


def test_interval_not_fired_before_training():
    trainer = FakeTrainer(FakeUpdater(4))
    assert not triggers.IntervalTrigger(1, 'epoch')(trainer)
    assert not triggers.IntervalTrigger(2, 'iteration')(trainer)


def test_interval_serialize_resume(mem_serializers):
    Saver, Loader = mem_serializers
    t = triggers.IntervalTrigger(5, 'iteration')
    updater = FakeUpdater(10)
    trainer = FakeTrainer(updater)
    for _ in range(3):
        updater.update()
        t(trainer)
    saver = Saver()
    t.serialize(saver)
    t2 = triggers.IntervalTrigger(5, 'iteration')
    t2.serialize(Loader(saver.target))
    got = []
    for _ in range(4):
        updater.update()
        got.append(t2(trainer))
    assert got == [False, True, False, False]
    assert t2.get_training_length() == (5, 'iteration')


def test_bad_unit():
    with pytest.raises(ValueError, match='unit'):
        triggers.IntervalTrigger(1, 'epochs')
    with pytest.raises(ValueError, match='unit'):
        triggers.ManualScheduleTrigger(1, 'minute')


def test_get_trigger():
    t = training.get_trigger((2, 'epoch'))
    assert isinstance(t, triggers.IntervalTrigger)
    assert t.period == 2 and t.unit == 'epoch'

    def f(trainer):
        return True

    assert training.get_trigger(f) is f
    assert training.get_trigger(None)(None) is False
    with pytest.raises(TypeError):
        training.get_trigger(5)


def test_manual_schedule():
    t = triggers.ManualScheduleTrigger([2, 5], 'iteration')
    fires = _fires(t, 10, 6)
    assert fires == [False, True, False, False, True, False]
    assert t.finished
    t = triggers.ManualScheduleTrigger(1.5, 'epoch')
    fires = _fires(t, 2, 4)
    assert fires == [False, False, True, False]


def test_manual_schedule_serialize(mem_serializers):
    Saver, Loader = mem_serializers
    t = triggers.ManualScheduleTrigger([3], 'iteration')
    _fires(t, 10, 4)
    saver = Saver()
    t.serialize(saver)
    t2 = triggers.ManualScheduleTrigger([3], 'iteration')
    t2.serialize(Loader(saver.target))
    assert t2.finished


def _value_fires(trigger, values, key='v'):
    """One value per iteration, 1 iteration per epoch."""
    trainer = FakeTrainer(FakeUpdater(1))
    out = []
    for v in values:
        trainer.updater.update()
        trainer.observation = {key: v} if v is not None else {}
        out.append(trigger(trainer))
    return out


def test_min_max_value_triggers():
    assert _value_fires(triggers.MaxValueTrigger('v'), [1, 3, 2, 5, 5]) == \
        [True, True, False, True, False]
    assert _value_fires(triggers.MinValueTrigger('v'), [4, 2, 3, 1]) == \
        [True, True, False, True]
    # the mean over the interval is compared
    t = triggers.MinValueTrigger('v', trigger=(2, 'iteration'))
    assert _value_fires(t, [4, 2, 5, 0, 1, 9]) == \
        [False, True, False, True, False, False]
    # missing key in an interval: no comparison
    assert _value_fires(triggers.MaxValueTrigger('v'), [None, 1]) == [False, True]
    t = triggers.BestValueTrigger('v', operator.lt)
    assert _value_fires(t, [1, 2]) == [True, True]


def test_once_trigger(mem_serializers):
    t = triggers.OnceTrigger()
    assert [t(None) for _ in range(3)] == [True, False, False]
    assert t.finished
    Saver, Loader = mem_serializers
    saver = Saver()
    t.serialize(saver)
    r = triggers.OnceTrigger(call_on_resume=True)
    r.serialize(Loader(saver.target))
    assert [r(None) for _ in range(2)] == [True, False]


def test_time_trigger():
    t = triggers.TimeTrigger(1.0)
    trainer = FakeTrainer(FakeUpdater(1))
    got = []
    for tm in (0.5, 1.2, 1.5, 2.1, 2.2):
        trainer.elapsed_time = tm
        got.append(t(trainer))
    assert got == [False, True, False, True, False]


def test_early_stopping():
    t = triggers.EarlyStoppingTrigger(monitor='v', patience=2, mode='min',
                                      max_trigger=(100, 'iteration'),
                                      check_trigger=(1, 'iteration'))
    fires = _value_fires(t, [5, 4, 4.5, 4.2, 3])
    assert fires == [False, False, False, True, False]
    assert t.get_training_length() == (100, 'iteration')
    t = triggers.EarlyStoppingTrigger(monitor='main/accuracy', patience=1,
                                      check_trigger=(1, 'iteration'),
                                      max_trigger=(3, 'iteration'))
    fires = _value_fires(t, [0.5, 0.6, 0.7], key='main/accuracy')
    assert fires == [False, False, True]   # improving (auto: max), stopped by max_trigger
    with pytest.raises(ValueError):
        triggers.EarlyStoppingTrigger(mode='sideways')


@pytest.mark.parametrize('make, n, expected', [
    (lambda: triggers.IntervalTrigger(2, 'iteration'), 3, [True, False, True]),
    (lambda: triggers.IntervalTrigger(1, 'epoch'), 3, [True, False, True]),
    (lambda: triggers.ManualScheduleTrigger([4, 5], 'iteration'), 3, [True, True, False]),
    (lambda: triggers.OnceTrigger(), 2, [False, False]),
])
def test_resume_from_a_snapshot_without_trigger_state(mem_serializers, make, n, expected):
    """Snapshots from before the triggers saved their state: loading warns,
    and the trigger guesses it from the updater (right when it is called
    every iteration)."""
    _, Loader = mem_serializers
    trigger = make()
    with pytest.warns(UserWarning, match='guessed from the updater'):
        trigger.serialize(Loader({}))
    trainer = FakeTrainer(FakeUpdater(2))
    for _ in range(3):              # resumed at iteration 3
        trainer.updater.update()
    fired = []
    for _ in range(n):
        trainer.updater.update()
        fired.append(trigger(trainer))
    assert fired == expected
