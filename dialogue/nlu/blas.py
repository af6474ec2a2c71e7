"""Small linear models fit faster on one BLAS thread.

A logistic regression over a few thousand examples spends its time in many small matrix products;
spinning BLAS threads up for each one, on a CPU shared with other work, made such fits 10-20x
slower (0.4 s against 5-8 s for 770 BANKING77 examples at load 6 on 2 cores).
"""

from __future__ import annotations

import functools
from typing import Any


@functools.lru_cache(maxsize=1)
def _controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()  # finding the BLAS libraries takes ms; limiting through it, µs


def one_blas_thread() -> Any:
    """A context in which numpy/scipy BLAS calls use one thread."""
    return _controller().limit(limits=1, user_api="blas")
