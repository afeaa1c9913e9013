import sys

from feedback_lab.cli._main import main

sys.exit(main())
