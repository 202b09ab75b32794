"""Small display helpers for the tracker's templates."""

from __future__ import annotations

import datetime
from functools import lru_cache
from html import escape  # the stdlib's: same escaping as Django's, without its lazy-string wrapper

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from ..models.lights import OVERDUE_DAYS_NOTE, Light, days_overdue

register = template.Library()


@register.filter
def light_name(value: str) -> str:
    """红灯 / 黄灯 / 绿灯 / 已办结 / 长期/无时限."""
    try:
        return Light(value).short
    except ValueError:
        return ""


@register.filter
def light_title(value: str) -> str:
    try:
        return str(Light(value).label)
    except ValueError:
        return ""


@register.filter
def light_class(value: str) -> str:
    """The CSS class of a light's dot (light-red …), from the lights' one definition."""
    try:
        return Light(value).css
    except ValueError:
        return ""


@register.simple_tag
def days_text(task, day: datetime.date) -> str:
    """逾期 N 天 / 今天到期 / 剩 N 天 for an open task with a deadline (calendar days); empty otherwise."""
    if task.status == "done" or task.deadline is None:
        return ""
    overdue = days_overdue(task, day)
    if overdue:
        return f"逾期 {overdue} 天"
    left = (task.deadline - day).days
    return "今天到期" if left == 0 else f"剩 {left} 天"


@register.simple_tag
def overdue_days_note() -> str:
    """The overdue-days rule in words, for footnotes and tooltips."""
    return OVERDUE_DAYS_NOTE


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@register.filter
def share(part: int, whole: int) -> str:
    """part/whole as a percentage for CSS widths, as plain text so no locale formatting applies."""
    return f"{part * 100 / whole:.2f}" if whole else "0"


# A plan's progress bar: done first, then what is on track, at risk, late, and without a date.
STACK_ORDER = (Light.DONE, Light.GREEN, Light.YELLOW, Light.RED, Light.ONGOING)


@register.filter
def segments(counts) -> list[dict[str, str]]:
    """A plan's lights as consecutive SVG segments (x and width in percent of the bar), so the
    progress bar needs no inline style (the Content-Security-Policy allows none)."""
    total = counts.total
    parts, start = [], 0.0
    for light in STACK_ORDER:
        value = getattr(counts, str(light))
        if not value or not total:
            continue
        width = value * 100 / total
        parts.append({"light": str(light), "x": f"{start:.2f}", "width": f"{width:.2f}"})
        start += width
    return parts


@register.filter
def filesize(value: int) -> str:
    if value >= 1048576:
        return f"{value / 1048576:.1f} MB"
    if value >= 1024:
        return f"{value / 1024:.0f} KB"
    return f"{value} 字节"


@register.simple_tag(takes_context=True)
def query_with(context, **overrides) -> str:
    """The page's filter query string with some parameters replaced (for sort and page links)."""
    params = context["request"].GET.copy()
    for key, value in overrides.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def page_query(context, param: str, number: int) -> str:
    """The current query string with one pagination parameter (page, upage, ppage) set."""
    params = context["request"].GET.copy()
    params[param or "page"] = number
    return f"?{params.urlencode()}"


@register.filter
def get_item(mapping: dict, key: str):
    return mapping.get(key, "") if mapping else ""


@register.simple_tag
def quick_select(bound_field) -> str:
    """A <select> for a filter field built in one pass: Django's per-option widget templates are
    slow for the thousand options a plan filter can have. Every value and label is escaped."""
    selected = "" if bound_field.value() in (None, "") else str(bound_field.value())
    options = _options_html(tuple(bound_field.form.options(bound_field.name)))
    if selected:
        plain = f'<option value="{escape(selected)}">'
        options = options.replace(plain, plain[:-1] + " selected>", 1)
    return format_html(
        '<select name="{}" id="{}">{}</select>',
        bound_field.html_name,
        bound_field.id_for_label,
        mark_safe(options),  # noqa: S308 - built from escaped values in _options_html
    )


@lru_cache(maxsize=8)
def _options_html(options: tuple[tuple[str, str], ...]) -> str:
    """The escaped <option>s of a choice list, none selected. Keyed by the list itself, so a
    renamed plan or a new unit makes a new entry: at 10,000 plans the page skips most of the work."""
    return "".join(f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in options)
