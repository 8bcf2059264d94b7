"""Sphinx extension of the hpcffi docs: the ``command-output`` directive.

    ```{command-output} python -m hpcffi --help
    ```

runs the command when the docs are built and shows what it printed, so a
page that quotes a program's help can never disagree with the program.
``python`` means the interpreter running Sphinx (which imports the hpcffi of
the build tree); the command runs from the project's top folder, without a
shell. A failing command is a build error, not a silent stale text.
"""
import os
import shlex
import subprocess
import sys

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class CommandOutput(SphinxDirective):
    required_arguments = 1
    final_argument_whitespace = True
    has_content = False

    def run(self):
        shown = self.arguments[0]
        argv = shlex.split(shown)
        if argv[0] == "python":
            argv[0] = sys.executable
        env = dict(os.environ, COLUMNS="100")       # argparse wraps help text at $COLUMNS
        try:
            result = subprocess.run(argv, cwd=_ROOT, env=env, capture_output=True, text=True, timeout=120)
        except OSError as error:
            raise self.error(f"command-output: cannot run {shown!r}: {error}") from error
        if result.returncode != 0:
            raise self.error(f"command-output: {shown!r} exited with {result.returncode}:\n{result.stderr}")
        text = f"$ {shown}\n{result.stdout.rstrip()}"
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def setup(app):
    app.add_directive("command-output", CommandOutput)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
