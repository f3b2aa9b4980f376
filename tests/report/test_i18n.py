import string

from pipeline.config import CRITERIA, CRITERIA_ZH
from pipeline.report.i18n import LANGS, TEXT, criterion_label


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_exists_in_both_languages_with_the_same_placeholders():
    for key, versions in TEXT.items():
        assert set(versions) == set(LANGS), key
        assert all(v.strip() for v in versions.values()), key
        assert _fields(versions["zh"]) == _fields(versions["en"]), key


def test_chinese_messages_are_chinese():
    untranslated = [k for k, v in TEXT.items() if v["zh"] == v["en"] and not k.startswith("col_mean")]
    assert untranslated == []


def test_criteria_keep_their_chinese_names_in_both_languages():
    for criterion in CRITERIA:
        assert criterion_label(criterion, "zh") == CRITERIA_ZH[criterion]
        assert criterion_label(criterion, "en").startswith(CRITERIA_ZH[criterion] + " (")


def test_every_smoke_status_and_failure_class_is_translated():
    from pipeline.report.model import SMOKE_STATUSES
    from pipeline.smoke.result import FAILURE_CLASSES

    for status in SMOKE_STATUSES:
        assert f"status_{status}" in TEXT and f"count_{status}" in TEXT, status
    for failure in FAILURE_CLASSES:
        assert f"failure_{failure}" in TEXT, failure
