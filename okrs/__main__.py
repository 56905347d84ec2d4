import sys

from okrs.cli import main

sys.exit(main())
