#!/usr/bin/env python3
"""The short version of the randomised truth test (tests/integration/truth.py): one seed, six check
rounds. `make truth TRUTH_SEEDS=N` runs the long one (eleven rounds a seed)."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.exit(subprocess.call([sys.executable, os.path.join(HERE, "truth.py"), "--seeds", "1", "--short",
                          "--first-seed", os.environ.get("TRUTH_FIRST_SEED", "1")]))
