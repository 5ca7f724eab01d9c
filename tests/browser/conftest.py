"""Fixtures of the browser tests; they and the helpers live in browser_support.py, a module
with a unique name (test code imports from it: `conftest` is ambiguous next to tests/conftest.py)."""

from browser_support import (  # noqa: F401  (pytest finds fixtures by name here)
    browser, example_sites, example_thread, fixture_site, new_page, playwright_instance, serve,
    theme)
