"""clinic.yml: typed, every field optional, a clear error for a malformed file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.clinic.facts import (
    DEFAULT_FILE,
    FIELDS,
    ClinicFacts,
    ClinicFileError,
    configured_clinic,
    load_clinic,
)
from bot.processes import run
from bot.settings import load_settings

FULL = """\
name: Seeblick Klinik
address: |
  Seestrasse 1
  8000 Zürich, Switzerland
phone: "+41 44 123 45 67"
email: info@seeblick.example
website: https://seeblick.example/rheuma
opening_hours: Monday to Friday 08:00-18:00
languages: [English, German, French]
payment_options: bank transfer, credit card
travel_help: true
travel_help_details: the advisors book a partner hotel
"""


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "clinic.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_demo_clinic_states_only_its_name() -> None:
    # The demo page's clinic is not real: every other fact must show the honest answer.
    facts = load_clinic(DEFAULT_FILE)
    assert facts.name == "Lakeside Joint Clinic (demo)"
    assert facts == ClinicFacts(name=facts.name)


def test_every_field_is_read_as_written(tmp_path: Path) -> None:
    facts = load_clinic(_file(tmp_path, FULL))
    assert facts == ClinicFacts(
        name="Seeblick Klinik",
        address="Seestrasse 1, 8000 Zürich, Switzerland",
        phone="+41 44 123 45 67",
        email="info@seeblick.example",
        website="https://seeblick.example/rheuma",
        opening_hours="Monday to Friday 08:00-18:00",
        languages=("English", "German", "French"),
        payment_options=("bank transfer", "credit card"),
        travel_help=True,
        travel_help_details="the advisors book a partner hotel",
    )


def test_an_empty_file_or_empty_fields_configure_nothing(tmp_path: Path) -> None:
    assert load_clinic(_file(tmp_path, "# nothing yet\n")) == ClinicFacts()
    empty = "\n".join(f"{name}:" for name in FIELDS) + "\nphone: ''\nlanguages: []\n"
    assert load_clinic(_file(tmp_path, empty)) == ClinicFacts()


def test_travel_help_can_be_denied(tmp_path: Path) -> None:
    assert load_clinic(_file(tmp_path, "travel_help: false\n")).travel_help is False


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("adress: Seestrasse 1\n", "unknown field adress"),
        ("email: info at clinic\n", "email must be an email address"),
        ("website: clinic.example\n", "website must be a web address"),
        ("phone: call us\n", "phone must be a phone number"),
        ("phone: '12'\n", "phone must be a phone number"),
        ("travel_help: sometimes\n", "travel_help must be true or false"),
        ("travel_help_details: hotels\n", "travel_help_details needs travel_help: true"),
        ("name: {first: Lakeside}\n", "name must be a text"),
        ("languages: {en: English}\n", "languages must be a list of texts"),
        ("- name\n- phone\n", "must be a mapping"),
        ("name: Lakeside\nphone: [\n", "is not valid YAML (line"),
        (f"address: {'x' * 301}\n", "address is longer than 300 characters"),
    ],
)
def test_a_malformed_file_names_the_problem(tmp_path: Path, text: str, names: str) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(ClinicFileError) as raised:
        load_clinic(path)
    assert names in str(raised.value)
    assert str(path) in str(raised.value)


def test_a_missing_default_file_is_nothing_configured_but_a_named_one_is_an_error(
    tmp_path: Path,
) -> None:
    assert load_clinic(tmp_path / "none.yml") == ClinicFacts()
    with pytest.raises(ClinicFileError, match="does not exist"):
        configured_clinic(load_settings({"CLINIC_FILE": str(tmp_path / "none.yml")}))


def test_clinic_file_setting_reads_the_named_file(tmp_path: Path) -> None:
    path = _file(tmp_path, "name: Seeblick Klinik\n")
    assert configured_clinic(load_settings({"CLINIC_FILE": str(path)})).name == "Seeblick Klinik"
    assert load_settings({}).clinic_file == DEFAULT_FILE


def test_make_run_stops_before_starting_anything_with_a_malformed_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLINIC_FILE", str(_file(tmp_path, "adress: Seestrasse 1\n")))
    started = []
    monkeypatch.setattr(run, "run", lambda settings: started.append(settings) or 0)
    assert run.main() == 2
    assert started == []
    error = capsys.readouterr().err
    assert "unknown field adress" in error and "Fix it in clinic.yml" in error
