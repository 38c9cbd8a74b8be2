"""Makes bench/vdbbench importable from the e2e tests of the harness."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
