"""Where a question starts: the "Ask my care team" links carry a page name and ids only
(`?about=tonight&day=2026-11-26`, `?about=checkin&id=12`); what the page showed (the day,
the dose, the article's title) is looked up here, for the patient only."""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from messaging.models import Topic
from patients.models import CheckIn, Patient
from patients.treatment import treatment
from portal.content.selectors import visible_articles
from portal.lib.formats import day as format_day
from portal.lib.formats import dose, when
from portal.lib.timing import local_today


@dataclass(frozen=True)
class QuestionContext:
    kind: str = ""
    label: str = ""
    topic: str = ""


def _day(value: str, *, patient: Patient) -> date:
    try:
        parsed = date.fromisoformat(value or "")
    except ValueError:
        return local_today(patient.user)
    return parsed


def _pk(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def question_context(*, patient: Patient, viewer, about: str, day: str = "", ref=None):
    """What the new conversation is about; an unknown page or an id the patient may not see
    gives no context (the form is then blank)."""
    if about == "tonight":
        on = _day(day, patient=patient)
        dose_day = treatment().dose_days(patient=patient, first=on, last=on).get(on)
        if dose_day and dose_day.dose_mg is not None:
            label = _("Tonight, %(day)s: %(dose)s") % {
                "day": format_day(on),
                "dose": dose(dose_day.dose_mg),
            }
        else:
            label = _("Tonight, %(day)s") % {"day": format_day(on)}
        return QuestionContext(kind="tonight", label=label, topic=Topic.DOSE)
    if about == "diary":
        on = _day(day, patient=patient)
        return QuestionContext(
            kind="diary",
            label=_("My diary, %(day)s") % {"day": format_day(on)},
            topic=Topic.SIDE_EFFECT,
        )
    if about == "trends":
        return QuestionContext(kind="trends", label=_("My trends"), topic=Topic.OTHER)
    if about == "checkin":
        checkin = CheckIn.objects.filter(patient=patient, pk=_pk(ref)).first()
        if checkin is None:
            return QuestionContext()
        return QuestionContext(
            kind="checkin",
            label=_("My check-in on %(when)s")
            % {"when": when(checkin.starts_at, patient.user.timezone)},
            topic=Topic.CHECKIN,
        )
    if about == "article":
        article = visible_articles(viewer=viewer).filter(pk=_pk(ref)).first()
        if article is None:
            return QuestionContext()
        return QuestionContext(
            kind="article",
            label=_("The library article “%(title)s”") % {"title": article.title},
            topic=Topic.OTHER,
        )
    return QuestionContext()
