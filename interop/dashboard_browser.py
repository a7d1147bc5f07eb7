#!/usr/bin/env python3
"""The control plane's dashboard in a real browser: headless Chromium (Debian's chromium and
chromium-driver) driven over WebDriver by Selenium (python3-selenium).

Runs `smpp smsc --http` and `smpp listen`, loads the dashboard, waits for the listener's
session to show, checks a submitted message shows in "Last messages", sends an MO with the
form and checks the listener printed it, then unbinds the session with its button and checks
the listener saw the unbind. Saves a screenshot to target/dashboard.png (or --screenshot).

    python3 interop/dashboard_browser.py [--smpp target/release/smpp]
"""

import argparse
import os
import subprocess
import sys
import threading
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

LIMIT = 60


class Proc:
    """A child process whose output lines are collected by threads."""

    def __init__(self, args):
        self.p = subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.out, self.err = [], []
        for stream, into in ((self.p.stdout, self.out), (self.p.stderr, self.err)):
            threading.Thread(target=self._read, args=(stream, into), daemon=True).start()

    @staticmethod
    def _read(stream, into):
        for line in stream:
            into.append(line.rstrip("\n"))

    def wait_line(self, which, needle):
        lines = self.out if which == "out" else self.err
        deadline = time.monotonic() + LIMIT
        while time.monotonic() < deadline:
            for line in list(lines):
                if needle in line:
                    return line
            if self.p.poll() is not None and not any(needle in l for l in lines):
                time.sleep(0.2)
                if not any(needle in l for l in lines):
                    break
            time.sleep(0.05)
        raise AssertionError(f"no {needle!r} on std{which}:\n" + "\n".join(self.out + self.err))

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smpp", default="target/release/smpp")
    ap.add_argument("--screenshot", default="target/dashboard.png")
    ap.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    a = ap.parse_args()

    smsc = Proc([a.smpp, "smsc", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0"])
    procs = [smsc]
    driver = None
    try:
        smpp_addr = smsc.wait_line("err", "listening on ").rsplit(" ", 1)[1]
        http = smsc.wait_line("err", "control plane on http://").rsplit("http://", 1)[1].rstrip("/")
        listen = Proc([a.smpp, "listen", "--connect", smpp_addr])
        procs.append(listen)
        listen.wait_line("err", "bound to")
        sent = subprocess.run(
            [a.smpp, "send", "--connect", smpp_addr, "--bind", "tx", "--to", "447700900123", "shown on the dashboard"],
            capture_output=True, text=True, timeout=LIMIT,
        )
        assert sent.returncode == 0, sent.stdout + sent.stderr

        opts = webdriver.ChromeOptions()
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,900"):
            opts.add_argument(arg)
        driver = webdriver.Chrome(service=Service(a.chromedriver), options=opts)
        driver.set_page_load_timeout(LIMIT)
        wait = WebDriverWait(driver, LIMIT)
        driver.get(f"http://{http}/")
        assert "control plane" in driver.title, driver.title

        # The listener's session, refreshed in by the page itself.
        row = wait.until(EC.presence_of_element_located(
            (By.CSS_SELECTOR, "#sessions tbody tr[data-account='smppclient1']")))
        cells = [td.text for td in row.find_elements(By.TAG_NAME, "td")]
        assert cells[2] == "receiver" and cells[3] == "BOUND_RX", cells
        # The submitted message, in "Last messages".
        wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "#messages tbody"),
                                                     "shown on the dashboard"))

        # The MO form.
        Select(driver.find_element(By.ID, "mo-account")).select_by_visible_text("smppclient1")
        text = driver.find_element(By.ID, "mo-text")
        text.clear()
        text.send_keys("hello from the browser")
        driver.find_element(By.ID, "mo-submit").click()
        wait.until(EC.text_to_be_present_in_element((By.ID, "mo-result"), "delivery id"))
        line = listen.wait_line("out", "hello from the browser")
        assert line == 'message from 447700900999 to 12345 (GSM7): "hello from the browser"', line

        os.makedirs(os.path.dirname(a.screenshot) or ".", exist_ok=True)
        driver.save_screenshot(a.screenshot)
        print(f"screenshot: {a.screenshot}")

        # The unbind button.
        row = driver.find_element(By.CSS_SELECTOR, "#sessions tbody tr[data-account='smppclient1']")
        row.find_element(By.CSS_SELECTOR, "button.unbind").click()
        listen.wait_line("err", "peer unbound")
        wait.until(EC.invisibility_of_element_located(
            (By.CSS_SELECTOR, "#sessions tbody tr[data-account='smppclient1']")))
        print("dashboard: session shown, message listed, MO sent and received, session unbound")
        print("4 passed, 0 failed")
        return 0
    finally:
        if driver is not None:
            driver.quit()
        for p in procs:
            p.stop()


if __name__ == "__main__":
    sys.exit(main())
