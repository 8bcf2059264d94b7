"""check_lesson_pages.py HTML_DIR -- the built lesson pages show the executed notebooks.

Reads the pages the `docs.html` test built from the lesson's notebooks (docs/notebooks ->
examples/lesson) and checks that they hold what the cells printed (the lesson's known values)
and drew (an image file for each evolve notebook, present in the site), not only the code.
"""

import re
import sys
from pathlib import Path

html_dir = Path(sys.argv[1])

# page -> (text its outputs must show, images it must show at least)
EXPECTED = {
    "01_sqrtf_abi_inline": (["sqrtf(2.0) = 1.4142135381698608"], 0),
    "02_add_abi_inline": (["add: [11.0, 22.0, 33.0, 44.0]"], 0),
    "03_add_abi_outofline": (["_add_abi.py", "add: [11.0, 22.0, 33.0, 44.0]"], 0),
    "04_add_api_outofline": (["add: [11.0, 22.0, 33.0, 44.0]"], 0),
    "05_api_inline_verify": (["second start (cache)", "add: [11.0, 22.0, 33.0, 44.0]"], 0),
    "06_fibo_exercise": (["exercise not done yet: fill the gap marked"], 0),
    "06_fibo_solution": (["0 1 1 2 3 5 8 13 21 34", "status 4 (HPCFFI_ERR_OVERFLOW = 4)"], 0),
    "07_evolve_exercise": (["exercise not done yet: fill the gap marked"], 1),
    "07_evolve_solution": (["mean temperature after 200 steps: 10.260996486007", "C is", "x faster",
                            "dt = 10 x the limit is refused"], 2),
}

failures = []
for page, (texts, images) in EXPECTED.items():
    path = html_dir / "notebooks" / f"{page}.html"
    if not path.is_file():
        failures.append(f"{path}: not built")
        continue
    html = path.read_text(encoding="utf-8")
    # Outputs live in myst-nb's cell_output containers; code alone must not satisfy the check.
    # Each output runs from its container's start to the next cell (or section) of the page.
    outputs = "".join(part.split('<div class="cell docutils container">')[0].split("<section")[0]
                      for part in html.split('<div class="cell_output docutils container">')[1:])
    text = re.sub(r"<[^>]+>", "", outputs).replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&")
    for wanted in texts:
        if wanted not in text:
            failures.append(f"{page}: no output {wanted!r}")
    sources = re.findall(r'<img[^>]*src="([^"]+\.png)"', outputs)
    if len(sources) < images:
        failures.append(f"{page}: {len(sources)} images in its outputs, expected {images}")
    for source in sources:
        if not (path.parent / source).resolve().is_file():
            failures.append(f"{page}: image {source} missing from the site")
    print(f"{page}: {len(texts)} values and {len(sources)} images found")

if failures:
    print("FAIL:\n  " + "\n  ".join(failures))
    sys.exit(1)
print("the lesson pages show the executed notebooks")
