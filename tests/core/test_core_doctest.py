"""The loop at the top of ``rlkit/core.py`` runs as written (also: ``pytest --doctest-modules rlkit/core.py``)."""
from __future__ import annotations

import doctest

import rlkit.core


def test_core_docstring_examples_run():
    result = doctest.testmod(rlkit.core, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.attempted >= 10 and result.failed == 0
