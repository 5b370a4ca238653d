"""``chainer.utils.experimental``: warn that an API is experimental."""
import warnings


def experimental(api_name):
    """Emit a FutureWarning that ``api_name`` is experimental (silenced by
    ``chainer.disable_experimental_feature_warning = True``)."""
    import fastgrad
    if getattr(fastgrad, 'disable_experimental_feature_warning', False):
        return
    warnings.warn('{} is experimental. The interface can change in the future.'
                  .format(api_name), FutureWarning)


