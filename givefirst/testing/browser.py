"""Debian's Chromium, headless, driven through Selenium: for the dashboard's tests and
for drawing the pictures in docs/. Nothing is downloaded."""

from __future__ import annotations

import os
import shutil

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver

CHROMIUM = os.environ.get("GIVEFIRST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("GIVEFIRST_CHROMEDRIVER", "/usr/bin/chromedriver")


def chromium_installed() -> bool:
    return bool(shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER))


def headless_chromium(
    profile: str, *flags: str, prefs: dict[str, object] | None = None
) -> WebDriver:
    """A headless Chromium with its profile in ``profile`` and ``flags`` added."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        # Chromium's own connections (updates, sync, safe browsing) would be refused
        # on a closed network and slow every page down.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *flags,
    ):
        options.add_argument(flag)
    if prefs:
        options.add_experimental_option("prefs", prefs)
    return webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
