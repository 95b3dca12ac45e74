#!/usr/bin/env python3
"""The short version of the randomised truth test (tests/integration/truth.py): one seed, every
round. `make truth TRUTH_SEEDS=N` runs the long one."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.exit(subprocess.call([sys.executable, os.path.join(HERE, "truth.py"), "--seeds", "1",
                          "--first-seed", os.environ.get("TRUTH_FIRST_SEED", "1")]))
