"""What the stateful recurrent links share: checking a state set by hand."""
from fastgrad import variable


def moved_state(owner, name, value, device):
    """``value`` (a Variable) moved to ``device`` for ``owner.set_state``."""
    if not isinstance(value, variable.Variable):
        raise TypeError('{}.set_state: {} must be a Variable, got {}'.format(
            owner, name, type(value).__name__))
    value.to_device(device)
    return value
