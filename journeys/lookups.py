"""`field__any=[ids]`: a field equal to one of many values, sent on PostgreSQL as one array
parameter (`= ANY(%s)`). A long `__in` list costs a placeholder and a bound value per id, and
its query text is new every time; the array costs one. Elsewhere it is `__in`."""

from django.db.models import Field, ForeignObject
from django.db.models.lookups import In, Lookup


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        return In(self.lhs, self.rhs).as_sql(compiler, connection)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if all(type(value) is int for value in values):
            # Written as the array's text at C speed, not dumped element by element.
            return f"{lhs} = ANY(%s::bigint[])", [*lhs_params, "{" + ",".join(map(str, values)) + "}"]
        return f"{lhs} = ANY(%s)", [*lhs_params, values]


Field.register_lookup(AnyOf)
ForeignObject.register_lookup(AnyOf)
