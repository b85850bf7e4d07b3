import sys

from mlint.cli import main

sys.exit(main())
