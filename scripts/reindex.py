#!/usr/bin/env python
"""Index news articles incrementally: `python scripts/reindex.py --index-dir DIR [--sources FILE] PATH_OR_URL...`.

Also installed as the `newsrag-reindex` console command. Exit status 0: all inputs indexed;
1: some inputs were skipped (listed on stderr); 2: usage or configuration error.
"""

import sys

from rag.cli import reindex_main

if __name__ == "__main__":
    sys.exit(reindex_main())
