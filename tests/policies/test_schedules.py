import pytest

from rlkit.policies import ConstantSchedule, ExponentialSchedule, LinearSchedule, as_schedule


def test_linear_schedule_endpoints_and_middle():
    schedule = LinearSchedule(start=1.0, end=0.1, duration=100, begin=10)
    assert schedule(0) == 1.0
    assert schedule(10) == 1.0
    assert schedule(60) == pytest.approx(0.55)
    assert schedule(110) == pytest.approx(0.1)
    assert schedule(10_000) == pytest.approx(0.1)


def test_exponential_schedule_floors_at_end():
    schedule = ExponentialSchedule(start=1.0, end=0.05, decay=0.5, decay_steps=10)
    assert schedule(0) == 1.0
    assert schedule(10) == pytest.approx(0.5)
    assert schedule(1000) == 0.05


def test_as_schedule():
    assert as_schedule(0.3)(123) == 0.3
    assert isinstance(as_schedule(1), ConstantSchedule)
    fn = lambda step: 1.0 / (1 + step)  # noqa: E731
    assert as_schedule(fn) is fn
    with pytest.raises(TypeError, match="epsilon"):
        as_schedule("0.1", "epsilon")
    with pytest.raises(TypeError):
        as_schedule(True)


@pytest.mark.parametrize("kwargs", [dict(duration=0), dict(duration=-5), dict(duration=10, begin=-1)])
def test_linear_schedule_rejects_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        LinearSchedule(1.0, 0.0, **kwargs)
