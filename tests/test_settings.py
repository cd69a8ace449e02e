"""Configuration comes only from the environment and a bad value stops start-up with a clear message."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOOD = {"DEBUG": "false", "SECRET_KEY": "x" * 50, "PATH": os.environ["PATH"]}


def load_settings(**overrides):
    env = {**GOOD, **overrides}
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; os.environ['DJANGO_SETTINGS_MODULE']='insight_hub.settings'; "
            "from django.conf import settings; print(settings.DEBUG, settings.CELERY_TASK_ALWAYS_EAGER)",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_good_settings_load_on_the_embedded_default():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]  # Celery eager while REDIS_URL is unset


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY must be set when DEBUG is off"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 40 characters"),
        ({"DEBUG": "ture"}, "DEBUG must be true or false"),
        ({"SESSION_COOKIE_AGE": "eight hours"}, "SESSION_COOKIE_AGE must be a whole number"),
        ({"AXES_FAILURE_LIMIT": "0"}, "AXES_FAILURE_LIMIT must be at least 1"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL must be a redis://"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be"),
        ({"SITE_URL": "insight-hub.nhs.uk"}, "SITE_URL must start with http"),
        ({"DATABASE_URL": "notadb://x"}, "notadb"),
    ],
)
def test_bad_values_fail_loudly_naming_the_variable(overrides, message):
    result = load_settings(**overrides)
    assert result.returncode != 0
    assert message in result.stderr


def test_debug_may_run_without_a_secret_key():
    assert load_settings(DEBUG="true", SECRET_KEY=None).returncode == 0


def settings_variables() -> set[str]:
    source = (ROOT / "insight_hub" / "settings.py").read_text()
    return set(
        re.findall(
            r'(?:env_bool|env_int|env_list|os\.environ\.get|env\.db_url|env\.email_url)\(\s*"([A-Z_]+)"',
            source,
        )
    )


def test_every_variable_the_settings_read_is_documented_in_env_example():
    documented = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))
    read = settings_variables()
    assert read, "the pattern found no variables: has the settings style changed?"
    assert read - documented == set(), "undocumented variables"
    assert documented - read == set(), "documented variables the settings never read"


def test_secure_cookies_and_hsts_when_debug_is_off(settings):
    # The test run itself has DEBUG off (see the Makefile), so the production branch is the one loaded.
    assert settings.SESSION_COOKIE_SECURE and settings.CSRF_COOKIE_SECURE
    assert settings.SECURE_HSTS_SECONDS >= 31536000
