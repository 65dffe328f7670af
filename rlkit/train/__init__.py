"""Training: the config schema and loader (:mod:`rlkit.train.config`), the trainer, checkpoints, outputs.

Import the submodules you need; this package imports nothing heavy on its own.
"""
