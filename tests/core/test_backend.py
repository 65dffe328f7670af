import importlib
import subprocess
import sys

import pytest

from rlkit import backend


@pytest.fixture
def fresh_backend(monkeypatch):
    backend.unavailable_reason.cache_clear()
    backend.default.cache_clear()
    yield monkeypatch
    backend.unavailable_reason.cache_clear()
    backend.default.cache_clear()


def hide_extension(monkeypatch):
    for kernel in backend.KERNELS:
        monkeypatch.setitem(sys.modules, f"rlkit_ext._{kernel}", None)  # import raises ImportError


def test_compiled_extension_is_built():
    """CI must fail, not fall back, when the Cython extension was not built."""
    for kernel in backend.KERNELS:
        importlib.import_module(f"rlkit_ext._{kernel}")
    assert backend.available() == {"cython": True, "numba": True, "numpy": True}


def test_default_prefers_cython(fresh_backend):
    fresh_backend.delenv(backend.ENV_VAR, raising=False)
    assert backend.default() == "cython"


def test_env_var_overrides(fresh_backend):
    fresh_backend.setenv(backend.ENV_VAR, "numpy")
    assert backend.default() == "numpy"
    fresh_backend.setenv(backend.ENV_VAR, "NUMBA")
    backend.default.cache_clear()
    assert backend.default() == "numba"


def test_invalid_env_var_is_a_clear_error(fresh_backend):
    fresh_backend.setenv(backend.ENV_VAR, "fortran")
    with pytest.raises(backend.BackendError, match="unknown backend 'fortran'.*cython, numba, numpy"):
        backend.default()


def test_missing_extension_warns_once_and_falls_back(fresh_backend):
    fresh_backend.delenv(backend.ENV_VAR, raising=False)
    hide_extension(fresh_backend)
    with pytest.warns(RuntimeWarning, match="'cython' is unavailable.*pip install -e"):
        assert backend.default() == "numba"
    assert backend.available()["cython"] is False
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert backend.default() == "numba"  # chosen once: no second warning


def test_explicit_request_for_missing_extension_fails(fresh_backend):
    hide_extension(fresh_backend)
    fresh_backend.setenv(backend.ENV_VAR, "cython")
    with pytest.raises(backend.BackendError, match="not built"):
        backend.default()
    with pytest.raises(backend.BackendError, match="pip install -e"):
        backend.load("cartpole", "cython")


def test_load_rejects_unknown_kernel_and_backend():
    with pytest.raises(backend.BackendError, match="unknown kernel"):
        backend.load("warp_drive")
    with pytest.raises(backend.BackendError, match="unknown backend"):
        backend.load("cartpole", "cuda")


@pytest.mark.parametrize("name", backend.BACKENDS)
def test_every_backend_loads_every_kernel(name):
    for kernel in backend.KERNELS:
        assert backend.load(kernel, name) is not None


def test_import_rlkit_is_light():
    code = (
        "import sys, rlkit, rlkit.core, rlkit.registry, rlkit.backend, rlkit.testing;"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'numba', 'matplotlib'));"
        "print(heavy); assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_gymnasium_module_form_registers_rlkit_envs():
    code = "import gymnasium; env = gymnasium.make('rlkit:rlkit/CartPole-v1'); env.reset(seed=0); env.step(0)"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_using_sets_the_default_inside_the_block_only():
    from rlkit import backend

    outside = backend.default()
    with backend.using("numpy"):
        assert backend.default() == "numpy"
        with backend.using(None):
            assert backend.default() == "numpy"
    assert backend.default() == outside
    with pytest.raises(backend.BackendError, match="unknown backend 'fortran'"):
        with backend.using("fortran"):
            pass
