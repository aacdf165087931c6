"""The side-effect catalogue (patients/rules/side_effects.py ITEMS) and what derives from it
stay in step: the diary's columns in the model, the migrations and the database, the CSV
export's columns, and the codes of the FHIR code system. Adding an item without its
migration, or a column without its item, fails here."""

import re

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from patients.models import DiaryEntry
from patients.rules import side_effects as catalogue
from patients.selectors.diary import EXPORT_COLUMNS, diary_export_rows
from tests.patients.diary_factories import DiaryEntryFactory


def _severity_columns(model) -> set[str]:
    return {
        field.name
        for field in model._meta.get_fields()
        if getattr(field, "choices", None) == catalogue.Severity.choices
    }


def test_the_diary_has_one_severity_column_per_item():
    assert _severity_columns(DiaryEntry) == set(catalogue.FIELDS)
    for item in catalogue.ITEMS:
        field = DiaryEntry._meta.get_field(item.field)
        assert field.null and field.blank
        assert str(field.verbose_name) == str(item.phrase)


def test_the_migrations_create_every_items_column():
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()
    for name in ("diaryentry", "historicaldiaryentry"):
        fields = state.models["patients", name].fields
        severity = {
            key for key, field in fields.items() if field.choices == catalogue.Severity.choices
        }
        assert severity == set(catalogue.FIELDS), name


@pytest.mark.django_db
def test_the_database_has_every_items_column():
    with connection.cursor() as cursor:
        for table in (DiaryEntry._meta.db_table, DiaryEntry.history.model._meta.db_table):
            columns = {
                column.name
                for column in connection.introspection.get_table_description(cursor, table)
            }
            assert set(catalogue.FIELDS) <= columns, table


def test_the_items_keys_fields_and_codes_are_unique_and_well_formed():
    for values in (catalogue.KEYS, catalogue.FIELDS, [item.code for item in catalogue.ITEMS]):
        assert len(set(values)) == len(catalogue.ITEMS)
    for item in catalogue.ITEMS:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", item.code), item.code
        assert item.group in (catalogue.COMMON, catalogue.THYROID)


def test_the_csv_export_has_one_column_per_item_named_as_the_item():
    names = [name for name, _label in EXPORT_COLUMNS]
    for item in catalogue.ITEMS:
        assert names.count(item.field) == 1
    labels = dict(EXPORT_COLUMNS)
    assert {field: str(labels[field]) for field in catalogue.FIELDS} == {
        item.field: str(item.name) for item in catalogue.ITEMS
    }
    # Every diary column is exported.
    columns = {
        field.name
        for field in DiaryEntry._meta.concrete_fields
        if field.name not in ("id", "patient", "local_date", "created_at", "updated_at")
    }
    assert columns <= set(names)


@pytest.mark.django_db
def test_the_csv_export_writes_each_items_severity_in_its_column(patient_user):
    severities = [catalogue.MILD, catalogue.MODERATE, catalogue.SEVERE]
    rated = {item.field: severities[i % 3] for i, item in enumerate(catalogue.ITEMS)}
    DiaryEntryFactory(patient=patient_user.patient, **rated)

    header, row = diary_export_rows(patient=patient_user.patient)
    cells = dict(zip(header, row, strict=True))

    words = dict(catalogue.Severity.choices)
    for item in catalogue.ITEMS:
        assert cells[str(item.name)] == str(words[rated[item.field]]), item.key


@pytest.mark.django_db
def test_the_code_system_lists_every_items_code(client):
    concepts = client.get("/fhir/CodeSystem/ldn-portal").json()["concept"]

    codes = {concept["code"]: concept["display"] for concept in concepts}
    for item in catalogue.ITEMS:
        assert codes[item.code] == str(item.name)
