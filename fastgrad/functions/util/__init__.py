from fastgrad.functions.util.forget import forget  # NOQA
