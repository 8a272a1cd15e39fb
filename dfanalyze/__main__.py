import sys

from dfanalyze.cli import main

sys.exit(main())
