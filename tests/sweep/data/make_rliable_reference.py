"""Reference numbers from rliable 1.2.0 (arch 7.2.0, pandas 2.3.3, numpy 2.4.6), for tests/sweep/test_stats.py.

Run once in a throwaway virtualenv (rliable is not an rlkit dependency; with pandas 3 `import rliable.library`
fails, so pin pandas < 3 there):  python -m venv /tmp/rl && /tmp/rl/bin/pip install rliable "pandas<3" &&
/tmp/rl/bin/python tests/sweep/data/make_rliable_reference.py
"""
import json
from pathlib import Path
import numpy as np
from rliable import library as rly, metrics
np.random.seed(12345)
g = np.random.default_rng(7)
a = np.round(np.concatenate([g.normal(180, 25, 16), [9.0, 12.5, 200.0, 200.0]]), 1).reshape(20, 1)
b = np.round(g.gamma(2.0, 30.0, size=(10, 3)), 2)
x = np.round(g.normal(150, 40, size=(12, 1)), 1)
y = np.round(g.normal(130, 40, size=(15, 1)), 1)
reps = 50000
out = {"generated_by": "rliable 1.2.0 (arch 7.2.0, pandas 2.3.3, numpy 2.4.6), reps=50000, percentile, np.random.seed(12345)",
       "a": a.tolist(), "b": b.tolist(), "x": x.tolist(), "y": y.tolist(), "reps": reps, "estimates": {}}
for name, data in (("a", a), ("b", b)):
    for stat, fn in (("mean", metrics.aggregate_mean), ("iqm", metrics.aggregate_iqm)):
        point, ci = rly.get_interval_estimates({name: data}, lambda s: np.array([fn(s)]), reps=reps)
        out["estimates"][f"{name}/{stat}"] = [float(point[name][0]), float(ci[name][0, 0]), float(ci[name][1, 0])]
point, ci = rly.get_interval_estimates({"xy": [x, y]}, lambda s1, s2: np.array([metrics.probability_of_improvement(s1, s2)]), reps=reps)
out["estimates"]["poi"] = [float(point["xy"][0]), float(ci["xy"][0, 0]), float(ci["xy"][1, 0])]
taus = np.linspace(0, 250, 11)
prof, prof_ci = rly.create_performance_profile({"a": a}, taus, reps=reps)
out["profile"] = {"taus": taus.tolist(), "value": prof["a"].tolist(), "low": prof_ci["a"][0].tolist(), "high": prof_ci["a"][1].tolist()}
json.dump(out, open(Path(__file__).with_name("rliable_reference.json"), "w"), indent=1)
print(out["estimates"])
