"""What a sweep runs: the grid points x seeds, each trial an ordinary run directory.

    spec, text = SweepSpec.create("my.yaml", parse_seeds("0-4"), parse_grid(["agent.learning_rate=1e-3,5e-4"]), [])
    spec.trials()        # [Trial(point='learning_rate=0.001', seed=0, ...), ...] point-major
    spec.validate()      # every trial's config loaded and checked before anything runs (ConfigError)
    spec.save(sweep_dir, text)   # base.yaml + sweep.yaml; SweepSpec.load(sweep_dir) reads them back

The sweep directory keeps ``base.yaml`` (the config file as given), and ``sweep.yaml`` (seeds, grid,
``--set`` overrides), so ``rlkit sweep --resume DIR`` rebuilds exactly the same trials. A trial's
config is ``load_config(base.yaml, sets + grid overrides + ["train.seed=<seed>"])``: the same call
``rlkit train base.yaml --set ...`` makes, so a trial is the run ``rlkit train`` would make.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from rlkit.train.config import DEFAULT_CONFIG, Config, ConfigError, load_config, parse_yaml

__all__ = ["Trial", "SweepSpec", "parse_seeds", "parse_grid", "SPEC_FILE", "BASE_FILE", "TRIALS_DIR"]

SPEC_FILE = "sweep.yaml"
BASE_FILE = "base.yaml"
TRIALS_DIR = "trials"


def parse_seeds(text: str) -> list[int]:
    """``"0-19"``, ``"0,3,7"`` or a mix (``"0-4,10"``) -> sorted unique seeds; ``ConfigError`` if malformed."""
    seeds: set[int] = set()
    for part in str(text).split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not match:
            raise ConfigError(f"--seeds {text!r}: expected non-negative seeds like 0-19 or 0,3,7")
        start = int(match.group(1))
        stop = int(match.group(2)) if match.group(2) is not None else start
        if stop < start:
            raise ConfigError(f"--seeds {text!r}: range {start}-{stop} is empty")
        seeds.update(range(start, stop + 1))
    return sorted(seeds)


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside brackets/braces/quotes: ``"[64],[64,64]"`` -> ``["[64]", "[64,64]"]``."""
    parts, depth, quote, current = [], 0, "", []
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts]


def parse_grid(items: list[str]) -> dict[str, list[Any]]:
    """``["agent.learning_rate=1e-3,5e-4", ...]`` -> ``{"agent.learning_rate": [0.001, 0.0005]}`` (values as YAML)."""
    grid: dict[str, list[Any]] = {}
    for item in items:
        key, sep, text = str(item).partition("=")
        key = key.strip()
        if not sep or not key or not text.strip():
            raise ConfigError(f"--grid {item!r}: expected KEY=V1,V2,..., e.g. agent.learning_rate=1e-3,5e-4")
        if key in grid:
            raise ConfigError(f"--grid {key}: given twice; list all its values in one --grid")
        values = [parse_yaml(part, source=f"--grid {key}") for part in _split_top_level(text)]
        if any(part == "" for part in _split_top_level(text)):
            raise ConfigError(f"--grid {item!r}: empty value")
        grid[key] = values
    return grid


def _yaml_scalar(value: Any) -> str:
    """A value as YAML flow text (what ``--set KEY=`` would need to reproduce it)."""
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix("...").strip()


def _label(overrides: dict[str, Any]) -> str:
    """A directory-safe name of a grid point: ``learning_rate=0.001-batch_size=64`` (``base`` with no grid)."""
    if not overrides:
        return "base"
    parts = [f"{key.split('.')[-1]}={_yaml_scalar(value)}" for key, value in overrides.items()]
    return re.sub(r"[^A-Za-z0-9._=+-]+", "_", "-".join(parts))


@dataclass(frozen=True)
class Trial:
    """One (grid point, seed): its run directory is ``<sweep>/trials/<point>/seed-<seed>``."""

    point: str
    seed: int
    overrides: tuple[str, ...]     # --set strings applied to base.yaml: sets, grid values, train.seed

    @property
    def key(self) -> str:
        return f"{self.point}/seed-{self.seed}"

    def run_dir(self, sweep_dir: Path) -> Path:
        return Path(sweep_dir) / TRIALS_DIR / self.point / f"seed-{self.seed}"


@dataclass
class SweepSpec:
    """Seeds, grid and overrides of a sweep over the config ``base`` (a YAML file)."""

    base: Path | None               # None: the embedded tutorial config (until save() writes base.yaml)
    seeds: list[int]
    grid: dict[str, list[Any]] = field(default_factory=dict)
    sets: list[str] = field(default_factory=list)

    def points(self) -> list[tuple[str, dict[str, Any]]]:
        """``[(name, {key: value})]``: the cartesian product of the grid, in the order given."""
        keys = list(self.grid)
        combos = itertools.product(*(self.grid[key] for key in keys)) if keys else [()]
        points = [(_label(dict(zip(keys, values))), dict(zip(keys, values))) for values in combos]
        names = [name for name, _ in points]
        if len(set(names)) != len(names):  # e.g. values that differ only in characters replaced by '_'
            points = [(f"p{i}-{name}", values) for i, (name, values) in enumerate(points)]
        return points

    def trials(self) -> list[Trial]:
        trials = []
        for name, values in self.points():
            grid_sets = [f"{key}={_yaml_scalar(value)}" for key, value in values.items()]
            for seed in self.seeds:
                trials.append(Trial(name, seed, tuple(self.sets) + tuple(grid_sets) + (f"train.seed={seed}",)))
        return trials

    def config(self, trial: Trial) -> Config:
        return load_config(self.base, trial.overrides)

    def validate(self) -> dict[str, Config]:
        """Every trial's config by key; the first invalid one raises ``ConfigError`` naming its trial."""
        configs = {}
        for trial in self.trials():
            try:
                configs[trial.key] = self.config(trial)
            except ConfigError as err:
                raise ConfigError(f"trial {trial.key}: {err}") from None
        return configs

    # -- the files in the sweep directory ----------------------------------------------------
    @classmethod
    def create(cls, config_path: str | None, seeds: list[int], grid: dict[str, list[Any]],
               sets: list[str]) -> tuple["SweepSpec", str]:
        """The spec of a new sweep and the text of its config file (the embedded tutorial config for ``None``).

        Nothing is written: :meth:`save` writes ``base.yaml`` and ``sweep.yaml`` once every trial validated.
        """
        if config_path is None:
            text = resources.files("rlkit").joinpath("configs", DEFAULT_CONFIG).read_text(encoding="utf-8")
        else:
            try:
                text = Path(config_path).read_text(encoding="utf-8")
            except FileNotFoundError:
                raise ConfigError(f"{config_path}: config file not found") from None
            except (OSError, UnicodeDecodeError) as err:
                raise ConfigError(f"{config_path}: cannot read config file: {err}") from None
        return cls(None if config_path is None else Path(config_path), seeds, grid, list(sets)), text

    def save(self, sweep_dir: Path, base_text: str) -> None:
        """Write ``base.yaml`` and ``sweep.yaml``; from then on the trials load ``sweep_dir/base.yaml``."""
        from rlkit.fileio import atomic_write

        sweep_dir.mkdir(parents=True, exist_ok=True)
        with atomic_write(sweep_dir / BASE_FILE, "w") as handle:
            handle.write(base_text)
        data = {"seeds": self.seeds, "grid": self.grid, "set": self.sets}
        with atomic_write(sweep_dir / SPEC_FILE, "w") as handle:
            handle.write("# rlkit sweep: the trials of this directory (rlkit sweep --resume reads it)\n")
            yaml.safe_dump(data, handle, sort_keys=False, default_flow_style=None)
        self.base = sweep_dir / BASE_FILE

    @classmethod
    def load(cls, sweep_dir: Path) -> "SweepSpec":
        sweep_dir = Path(sweep_dir)
        spec_file = sweep_dir / SPEC_FILE
        if not spec_file.is_file() or not (sweep_dir / BASE_FILE).is_file():
            raise ConfigError(f"{sweep_dir}: not a sweep directory (no {SPEC_FILE} and {BASE_FILE}); "
                              "pass the directory `rlkit sweep` wrote")
        data = parse_yaml(spec_file.read_text(encoding="utf-8"), str(spec_file)) or {}
        return cls(sweep_dir / BASE_FILE, [int(s) for s in data.get("seeds", [])],
                   {str(k): list(v) for k, v in (data.get("grid") or {}).items()}, [str(s) for s in data.get("set") or []])
