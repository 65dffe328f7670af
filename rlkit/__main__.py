from rlkit.cli import run

run()
