from __future__ import annotations

from django.db import models


class HolidayOverride(models.Model):
    """An entry of the editable holiday table: a holiday, or a 调休 working weekend day."""

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日", help_text="调休上班填“是”，放假填“否”。")
    name = models.CharField("说明", max_length=50, blank=True)

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '放假'} {self.name}"


class HolidayYear(models.Model):
    """A year whose complete holiday schedule has been entered in the override table."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "已录入节假日年份"
        verbose_name_plural = "已录入节假日年份"
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)
