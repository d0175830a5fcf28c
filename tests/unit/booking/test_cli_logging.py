"""The served process's log keeps APScheduler's routine lines out and its real warnings in."""

from __future__ import annotations

import logging
import logging.config

from booking.cli import RoutineSchedulerLines, log_config


def record(name: str, level: int, msg: str) -> logging.LogRecord:
    return logging.LogRecord(name, level, "base.py", 1, msg, ("dispatch", 1), None)


def test_a_tick_skipped_while_the_last_run_goes_on_is_not_logged():
    routine = record(
        "apscheduler.scheduler",
        logging.WARNING,
        'Execution of job "%s" skipped: maximum number of running instances reached (%d)',
    )
    real = record("apscheduler.scheduler", logging.WARNING, "Error getting due jobs %s %s")
    assert not RoutineSchedulerLines().filter(routine)
    assert RoutineSchedulerLines().filter(real)


def test_the_served_log_config_quietens_apscheduler_only():
    config = log_config()
    assert config["loggers"]["apscheduler"] == {"level": "WARNING"}
    assert config["loggers"]["apscheduler.scheduler"] == {"filters": ["routine"]}
    assert config["loggers"]["uvicorn.access"]["level"] == "INFO"  # the access log stays
    assert config["root"]["level"] == "INFO"
