"""``IN (...)`` on integer columns that tolerates values no integer column can hold.

Django already answers an exact, <, > ... lookup with an out-of-range integer without asking the
database (it can match nothing). ``IN`` does not: SQLite raises OverflowError binding such a value,
which made any ModelMultipleChoiceField (催办 units, the admin's group permissions) or the admin's
"selected" action ids a 500. Dropping the values outside the column's range changes no result: they
equal no stored value. Registered on IntegerField in ObligationsConfig.ready(), so every integer
column (ids included) gets it.
"""

from __future__ import annotations

from django.db.models import IntegerField
from django.db.models.lookups import In


class IntegerFieldIn(In):
    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            self.rhs = [value for value in self.rhs if not _outside(value, low, high)]
        return super().process_rhs(compiler, connection)


def _outside(value: object, low: int | None, high: int | None) -> bool:
    if not isinstance(value, int) or isinstance(value, bool):
        return False
    return (low is not None and value < low) or (high is not None and value > high)


def register() -> None:
    IntegerField.register_lookup(IntegerFieldIn)
