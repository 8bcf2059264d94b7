"""check_abi_page.py HEADER PAGE -- the C ABI page (docs/c-abi.md) cannot drift from the header.

The page shows the header's declarations through literalinclude, so their
text is always current; this check covers what is written by hand:
  - every function declared in the header is named in the page's tables,
  - every hpcffi_/HPCFFI_ name in the page's prose exists in the header
    (or is a macro of hpcffi_version.h.in),
  - every "/* ---- section" of the header is included by the page.
Exit status 1 with a list of what differs.
"""
import re
import sys


def main(header_path, page_path, version_header_path):
    header = open(header_path, encoding="utf-8").read()
    page = open(page_path, encoding="utf-8").read()
    public = open(version_header_path, encoding="utf-8").read()
    code = re.sub(r"/\*.*?\*/", "", header, flags=re.S)        # declarations only, no comments

    functions = set(re.findall(r"\b(hpcffi_\w+)\s*\(", code))
    known = set(re.findall(r"\b(hpcffi_\w+|HPCFFI_\w+)\b", code)) | set(re.findall(r"#define (HPCFFI_\w+)", public))
    # The prose: the page without its literalinclude directives' options.
    prose = re.sub(r"```\{literalinclude\}.*?```", "", page, flags=re.S)
    named = set(re.findall(r"\b(hpcffi_\w+|HPCFFI_\w+)\b(?!\.h)", prose))     # not file names
    sections = re.findall(r"/\* ---- (\w+)", header)

    problems = []
    problems += [f"function {f} of the header is not in {page_path}" for f in sorted(functions - named)]
    problems += [f"{page_path} names {n}, which the header does not declare" for n in sorted(named - known)]
    problems += [f"header section '/* ---- {s}' is not included by {page_path}"
                 for s in sections if f"/* ---- {s}" not in page]
    if not functions:
        problems.append(f"no functions found in {header_path}: is the path right?")
    for problem in problems:
        print("FAIL:", problem)
    if problems:
        return 1
    print(f"ok: {len(functions)} functions and {len(sections)} sections of the header are on the page")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: check_abi_page.py HPCFFI_DECLS_H PAGE HPCFFI_VERSION_H_IN")
    sys.exit(main(*sys.argv[1:]))
