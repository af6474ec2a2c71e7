"""The main task end to end through the real CLI: piped stdin enrols a student in the database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

PACK = Path(__file__).resolve().parent.parent


@pytest.mark.slow  # starts the CLI, which may train the NLU first
def test_piped_chat_records_an_enrolment(tmp_path: Path) -> None:
    db = tmp_path / "education.db"
    script = "hi\nI want to enrol in CS150\nS10001\nyes\n"
    run = subprocess.run(
        [sys.executable, "-m", "dialogue", "chat", str(PACK)],
        input=script, capture_output=True, text=True, timeout=600,
        env={**os.environ, "DIALOGUE_EDUCATION_DB": str(db)},
    )
    assert run.returncode == 0, run.stderr
    assert "you're enrolled in CS150" in run.stdout
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT e.status, e.enrolled_on, m.value FROM enrolments e, meta m"
            " WHERE e.student_id = 'S10001' AND e.course_code = 'CS150' AND m.key = 'built_on'"
        ).fetchone()
    assert row is not None and row[0] == "enrolled"
    # stored on the build-day timeline: enrolled_on + (today - built_on) is today
    shift = date.today() - date.fromisoformat(row[2])
    assert date.fromisoformat(row[1]) + shift == date.today()
