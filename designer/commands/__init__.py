"""Sub-commands of ``cnn-designer``. Each module exposes ``register(subparsers)``,
which adds its parser and sets ``func`` (taking the parsed args, returning the exit code).
"""

#: Modules listed here are loaded by ``designer.cli``; order = order in ``--help``.
COMMAND_MODULES = [
    "designer.commands.check",
    "designer.commands.export",
    "designer.commands.import_cmd",
    "designer.commands.fix",
]

#: Sub-command name → its module: ``cnn-designer check …`` loads only ``check`` (start-up time).
COMMAND_NAMES = {
    "check": "designer.commands.check",
    "export": "designer.commands.export",
    "import": "designer.commands.import_cmd",
    "fix": "designer.commands.fix",
}
