# Prints the versions of the reference side (for docs/benchmarks.md) as one JSON line.
import json
import os

import numpy
import torch


def blas_library():
    """The BLAS library torch's process actually mapped (OpenBLAS through Debian's alternatives)."""
    torch.ones(4, 4) @ torch.ones(4, 4)
    try:
        with open('/proc/self/maps') as maps:
            libs = sorted({line.split()[-1] for line in maps if 'blas' in line.lower() and '.so' in line})
        return ', '.join(os.path.realpath(l) for l in libs) or 'unknown'
    except OSError:
        return 'unknown'


print('BENCH-RESULT ' + json.dumps({'torch': torch.__version__, 'numpy': numpy.__version__, 'blas': blas_library()}))
