"""``python -m devconfig`` is what ``script/develop`` runs after bootstrapping."""

import sys

from .develop import main

sys.exit(main())
