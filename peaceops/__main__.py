"""The `peaceops` command: every Django management command under one entry point."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peaceops.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["peaceops", *sys.argv[1:]])


if __name__ == "__main__":
    main()
