"""The command layer: one module per verb of ``attain``, each with ``add_parser(subparsers)`` and ``run(args) -> int``."""
