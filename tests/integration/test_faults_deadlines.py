#!/usr/bin/env python3
"""The deadline faults of test_faults.py (issue 15) as a suite of their own: a site slower than the
visit's budget (check and submit), a DevTools command that never answers (one browser, and through
--jobs workers), and a worker the parent's watchdog must end. Same checks as test_faults.py: no false
verdict, nothing lost, a clear message, recovery. Last line: N passed, N failed."""
import os
import sys

import test_faults

if __name__ == "__main__":
    os.environ["FAULTS"] = ",".join(test_faults.DEADLINE_FAULTS)
    sys.exit(test_faults.main())
