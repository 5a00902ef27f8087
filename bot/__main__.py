"""`python -m bot`: see bot.terminal.cli."""

import sys

from bot.terminal.cli import main

sys.exit(main())
