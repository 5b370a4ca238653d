from fastgrad.functions.array.broadcast import broadcast_to, sum_to  # NOQA
from fastgrad.functions.array.cast import cast  # NOQA
from fastgrad.functions.array.get_item import get_item  # NOQA
from fastgrad.functions.array.reshape import reshape  # NOQA
from fastgrad.functions.array.transpose import transpose  # NOQA
