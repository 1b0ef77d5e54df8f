"""Sub-commands of `mash`: one module per command group, each with `register(subparsers)`."""
