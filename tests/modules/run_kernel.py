#!/usr/bin/python3
"""run_kernel.py NAME CODE -- start the Jupyter kernel NAME the way a Jupyter server
does (jupyter_client: kernelspec lookup through JUPYTER_PATH, argv from kernel.json,
this process's environment), execute CODE in it, print what it printed.

Run it with the Python that has jupyter_client (Debian's /usr/bin/python3,
python3-jupyter-client), in the environment the "server" would have.

Exit codes: 0 CODE ran; 1 the kernel is not found, died at start (its own
message is on stderr: the kernel inherits it), or CODE raised; 2 usage.
"""
import os
import sys

# debugpy (ipykernel's debugger) warns about frozen modules on every start: noise here.
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

try:
    from jupyter_client.kernelspec import NoSuchKernel
    from jupyter_client.manager import start_new_kernel
except ImportError as error:
    print(f"run_kernel.py: {sys.executable} has no jupyter_client ({error}): apt-get install "
          "python3-jupyter-client (scripts/bootstrap.sh)", file=sys.stderr)
    sys.exit(1)

STARTUP_TIMEOUT = 120   # a guard against a hang only: a dead kernel is reported at once


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    name, code = argv[1], argv[2]
    try:
        manager, client = start_new_kernel(kernel_name=name, startup_timeout=STARTUP_TIMEOUT)
    except NoSuchKernel:
        print(f"run_kernel.py: no kernel {name!r} (JUPYTER_PATH={os.environ.get('JUPYTER_PATH', '')})",
              file=sys.stderr)
        return 1
    except RuntimeError as error:   # "Kernel died before replying to kernel_info"
        print(f"run_kernel.py: kernel {name!r} did not start: {error}", file=sys.stderr)
        return 1
    failed = False

    def output(msg):
        nonlocal failed
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            (sys.stdout if content["name"] == "stdout" else sys.stderr).write(content["text"])
        elif kind == "error":
            failed = True
            print(f"run_kernel.py: the code raised {content['ename']}: {content['evalue']}", file=sys.stderr)
    try:
        reply = client.execute_interactive(code, timeout=STARTUP_TIMEOUT, output_hook=output)
        failed = failed or reply["content"]["status"] != "ok"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
