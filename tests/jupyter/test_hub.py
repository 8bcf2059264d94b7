"""The `jupyter` label: the local JupyterHub (scripts/jupyterhub-local.sh) driven by a real browser.

The fixtures (hub.sh, tests/slurm/cluster.sh) started a local Slurm of two hosts and the hub on
127.0.0.1:HPCFFI_HUB_PORT, whose users' servers are Slurm jobs. Headless Chromium, driven by
Selenium, logs in as a non-root OS user, gets a JupyterLab running as a job on a compute host,
opens the lesson's evolve notebook (a copy in the user's folder) with the hpcffi kernel, runs all
cells, waits for the heat field's images and saves a screenshot; a second user gets 403 on the first
user's server; stopping the server ends its job. The tests run in this order and share one hub.
"""
import os
import pwd
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

PORT = int(os.environ["HPCFFI_HUB_PORT"])
BASE = f"http://127.0.0.1:{PORT}"
HUB_DIR = Path(os.environ["HPCFFI_HUB_DIR"])
USER, OTHER = os.environ["HPCFFI_HUB_USERS"].split(",")
PASSWORD = Path(os.environ["HPCFFI_HUB_PASSWORD_FILE"]).read_text(encoding="utf-8").split("\n")[0]
OUTPUT = Path(os.environ["HPCFFI_TEST_OUTPUT_DIR"])
NOTEBOOK = "07_evolve_solution.py"
EVOLVE_MEAN = "mean temperature after 200 steps: 10.260996486007"   # as in tests/notebooks
JOB_NAME = f"jupyterhub-local-{PORT}"
WAIT = 180   # bound on every wait in the browser, seconds; not a performance threshold


def squeue(user):
    """This hub's jobs of `user`: [(job id, state, node)]."""
    out = subprocess.run(["squeue", "-h", f"--name={JOB_NAME}", "-u", user, "-o", "%i %T %N"],
                         check=True, capture_output=True, text=True).stdout
    return [tuple(line.split()) for line in out.splitlines()]


def compute_hosts():
    out = subprocess.run(["sinfo", "-h", "-N", "-o", "%N"], check=True, capture_output=True, text=True).stdout
    return set(out.split())


def listening(pid):
    """The local addresses (host, port) process `pid` listens on (TCP)."""
    out = subprocess.run(["ss", "-Hltnp"], check=True, capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        if re.search(rf"pid={pid},", line):
            host, _, port = line.split()[3].rpartition(":")
            found.append((host, int(port)))
    return found


def pid_of(name):
    return int((HUB_DIR / "run" / f"{name}.pid").read_text().strip())


def logged_in_session(user):
    """A requests session logged in to the hub as `user` (its login form, with the _xsrf token)."""
    session = requests.Session()
    session.get(f"{BASE}/hub/login", timeout=30).raise_for_status()
    response = session.post(f"{BASE}/hub/login", timeout=60,
                            data={"username": user, "password": PASSWORD, "_xsrf": session.cookies.get("_xsrf")})
    response.raise_for_status()
    assert "/hub/login" not in response.url, f"login as {user} failed: {response.url}"
    return session


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    # The browser's profile in the build tree (TMPDIR and XDG_* point there too: ctest), never in
    # /tmp or $HOME, so a run leaves nothing behind.
    profile = OUTPUT.parent / "browser-profile"
    shutil.rmtree(profile, ignore_errors=True)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,1000",
                 f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def state():
    return {}


def test_hub_listens_on_loopback_only():
    hub, proxy = pid_of("hub"), pid_of("proxy")
    addresses = listening(hub) + listening(proxy)
    assert {port for _, port in addresses} >= {PORT, PORT + 1, PORT + 2}, addresses
    assert {host for host, _ in addresses} == {"127.0.0.1"}, addresses


def test_login_starts_a_server_job_on_a_compute_host(browser, state):
    # The user's folder, with a copy of the lesson's notebook, owned by the user (the server is theirs).
    folder = HUB_DIR / "users" / USER / "notebooks"
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(os.environ["HPCFFI_LESSON_DIR"]) / NOTEBOOK, folder / NOTEBOOK)
    entry = pwd.getpwnam(USER)
    for path in (folder.parent, folder, folder / NOTEBOOK):
        os.chown(path, entry.pw_uid, entry.pw_gid)
    assert squeue(USER) == []

    browser.get(f"{BASE}/hub/login")
    browser.find_element(By.ID, "username_input").send_keys(USER)
    browser.find_element(By.ID, "password_input").send_keys(PASSWORD)
    browser.find_element(By.ID, "login_submit").click()
    # The hub spawns at once (no options form); JupyterLab opens when the job's server answers.
    WebDriverWait(browser, WAIT).until(EC.presence_of_element_located((By.ID, "jp-main-dock-panel")))
    assert browser.current_url.startswith(f"{BASE}/user/{USER}/lab"), browser.current_url

    jobs = squeue(USER)
    assert len(jobs) == 1, jobs
    job_id, job_state, node = jobs[0]
    assert job_state == "RUNNING" and node in compute_hosts(), jobs
    state["job"] = job_id
    # The server (JupyterLab in the job) listens on the loopback too, like the hub.
    # (srun's own I/O ports, on all addresses, are Slurm's: they do not count.)
    server = [address for pid in marked_pids(pwd.getpwnam(USER).pw_uid)
              if Path(f"/proc/{pid}/comm").read_text().strip() != "srun" for address in listening(pid)]
    assert server and {host for host, _ in server} == {"127.0.0.1"}, server
    # The server is the user's: the job's processes run under the user's uid.
    out = subprocess.run(["squeue", "-h", "-j", job_id, "-o", "%u"], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == USER


def test_evolve_notebook_runs_with_the_hpcffi_kernel(browser, state):
    assert "job" in state, "no server"
    try:
        run_the_evolve_notebook(browser)
    except Exception:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(OUTPUT / "failure.png"))   # what the page showed
        raise


def run_the_evolve_notebook(browser):
    # jupytext: the .py file opens as a notebook (the hub's labconfig makes that the default viewer).
    browser.get(f"{BASE}/user/{USER}/lab/tree/{NOTEBOOK}")
    wait = WebDriverWait(browser, WAIT)
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".jp-NotebookPanel .jp-Notebook .jp-Cell")))
    kernel = wait.until(EC.presence_of_element_located(
        (By.CSS_SELECTOR, ".jp-NotebookPanel-toolbar .jp-Toolbar-kernelName")))
    # The kernelspec's display name, "Python (hpcffi <version>)" (jupyter/kernel.json.in).
    wait.until(lambda d: re.fullmatch(r"Python \(hpcffi \d+\.\d+\.\d+\)", kernel.text.strip()))
    # Run > Run All Cells, as a user does.
    wait.until(EC.element_to_be_clickable((By.XPATH, "//div[contains(@class,'lm-MenuBar-itemLabel') and text()='Run']"))).click()
    wait.until(EC.element_to_be_clickable((By.XPATH, "//li[contains(@class,'lm-Menu-item')]"
                                                     "[.//div[contains(@class,'lm-Menu-itemLabel') and text()='Run All Cells']]"))).click()

    def outputs(driver):
        return "\n".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel .jp-OutputArea-output"))
    # The last cell's output: every cell before it ran.
    wait.until(lambda d: "is refused" in outputs(d) or "Traceback" in outputs(d))
    text = outputs(browser)
    assert "Traceback" not in text, text
    assert EVOLVE_MEAN in text, text
    images = browser.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel .jp-OutputArea-output img")
    assert len(images) == 2, f"{len(images)} images (before, after expected)"
    wait.until(lambda d: all(d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", i)
                             for i in images))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", images[1])
    OUTPUT.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(OUTPUT / "jupyterlab-evolve.png"))
    print(f"screenshot: {OUTPUT / 'jupyterlab-evolve.png'}")


def test_another_user_gets_403_on_the_server(state):
    assert "job" in state, "no server"
    own = logged_in_session(USER).get(f"{BASE}/user/{USER}/lab", timeout=60)
    assert own.status_code == 200, (own.status_code, own.url)
    other = logged_in_session(OTHER).get(f"{BASE}/user/{USER}/lab", timeout=60)
    assert other.status_code == 403, (other.status_code, other.url)


def test_stopping_the_server_ends_its_job(browser, state):
    assert "job" in state, "no server"
    browser.get(f"{BASE}/hub/home")
    wait = WebDriverWait(browser, WAIT)
    stop = wait.until(EC.element_to_be_clickable((By.ID, "stop")))
    # The button works once the page's script (home.js, loaded by require.js) has bound its
    # click handler; a click before that does nothing.
    wait.until(lambda d: d.execute_script(
        "return !!(window.jQuery && jQuery._data(arguments[0], 'events'))", stop))
    stop.click()
    # home.js relabels the start button once the hub has stopped the server (DELETE returned).
    wait.until(lambda d: d.find_element(By.ID, "start").text.strip() == "Start My Server")
    deadline = time.monotonic() + WAIT
    while squeue(USER) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert squeue(USER) == []
    # Nothing of the server or its kernel is left on the nodes (the job's processes carry the
    # hub's marker variable).
    uid = pwd.getpwnam(USER).pw_uid
    deadline = time.monotonic() + WAIT
    while marked_pids(uid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert marked_pids(uid) == []


def marked_pids(uid):
    """Live processes of `uid` that carry this hub's marker variable."""
    marker = f"HPCFFI_HUB_LOCAL_DIR={HUB_DIR}".encode()
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if proc.stat().st_uid == uid and marker in (proc / "environ").read_bytes().split(b"\0"):
                found.append(int(proc.name))
        except OSError:
            pass   # ended meanwhile
    return found
