"""`python -m market_server.cli`: the same as the `market-server` command."""

import sys

from market_server.cli import main

sys.exit(main())
