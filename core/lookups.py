"""`field__any=[ids]`: an integer or foreign key equal to one of many ids, sent on PostgreSQL
as one array parameter (`= ANY(%s)`). A long `__in` list costs a placeholder and a bound value
per id, and its query text is new every time; the array costs one. Elsewhere it is `__in`.
Registered on integer and relation fields only, so a JSON key named "any" keeps its meaning."""

from django.db.models import ForeignObject, IntegerField
from django.db.models.lookups import In, Lookup

from .rows import int_array


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        return In(self.lhs, self.rhs).as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, int_array(self.rhs)]


IntegerField.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)
