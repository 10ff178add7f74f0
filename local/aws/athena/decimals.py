"""Trino's DECIMAL arithmetic where DuckDB's differs: division and avg() stay DECIMAL.

In Trino ``1234 / 1000.0`` is ``DECIMAL`` 1.2 (the scale of the wider operand) and ``avg`` of a
DECIMAL column is a DECIMAL of the same scale; DuckDB computes both as DOUBLE (1.234). Such
nodes are wrapped in ``CAST(... AS DECIMAL(p, s))`` with Trino's result type. Operand types
come from sqlglot's type annotation over the scanned views' schemas, re-run after each round
of rewrites so that DECIMAL results flow through CTEs and subqueries.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

Decimal = tuple[int, int]  # (precision, scale); scale -1 marks an integer type
_INTEGER_PRECISION = {
    exp.DataType.Type.TINYINT: 3,
    exp.DataType.Type.SMALLINT: 5,
    exp.DataType.Type.INT: 10,
    exp.DataType.Type.BIGINT: 19,
    exp.DataType.Type.INT128: 38,
}
_DONE = "trino_decimal"


def _from_type(data_type: exp.DataType | None) -> Decimal | None:
    if data_type is None:
        return None
    if data_type.this in _INTEGER_PRECISION:
        return _INTEGER_PRECISION[data_type.this], -1
    if data_type.this == exp.DataType.Type.DECIMAL:
        params = [int(p.name) for p in data_type.expressions if p.name.isdigit()]
        if len(params) == 2:
            return params[0], params[1]
        if len(params) == 1:
            return params[0], 0
        return 38, 0
    return None


def _literal(node: exp.Literal) -> Decimal | None:
    text = node.this
    if "e" in text.lower():
        return None  # 1e3 is a DOUBLE in Trino
    if "." not in text:
        return (10, -1) if abs(int(text)) < 2**31 else (19, -1)
    whole, fraction = text.split(".", 1)
    return max(1, len(whole.lstrip("-0")) + len(fraction)), len(fraction)


def _exact(value: Decimal) -> Decimal:
    """An integer type as the DECIMAL Trino coerces it to."""
    return (value[0], 0) if value[1] < 0 else value


def trino_decimal(node: exp.Expression) -> Decimal | None:
    """Trino's exact numeric type of an expression, or None when it is not (surely) exact."""
    if isinstance(node, exp.Paren | exp.Neg):
        return trino_decimal(node.this)
    if isinstance(node, exp.Literal):
        return None if node.is_string else _literal(node)
    if isinstance(node, exp.Cast):
        return _from_type(node.to)
    if isinstance(node, exp.Add | exp.Sub | exp.Mul | exp.Div):
        left, right = trino_decimal(node.this), trino_decimal(node.expression)
        if left is None or right is None:
            return None
        if left[1] < 0 and right[1] < 0:
            return max(left[0], right[0]), -1
        (p1, s1), (p2, s2) = _exact(left), _exact(right)
        if isinstance(node, exp.Mul):
            return min(38, p1 + p2), s1 + s2
        if isinstance(node, exp.Div):
            return min(38, p1 + s2 + max(0, s2 - s1)), max(s1, s2)
        return min(38, max(p1 - s1, p2 - s2) + max(s1, s2) + 1), max(s1, s2)
    if isinstance(node, exp.Avg):
        inner = trino_decimal(node.this)
        return inner if inner is not None and inner[1] >= 0 else None
    if isinstance(node, exp.Sum):
        inner = trino_decimal(node.this)
        return None if inner is None else ((19, -1) if inner[1] < 0 else (38, inner[1]))
    if isinstance(node, exp.Max | exp.Min):
        return trino_decimal(node.this)
    return _from_type(node.type)


def _needs_cast(node: exp.Expression) -> Decimal | None:
    if node.meta.get(_DONE):
        return None
    if isinstance(node, exp.Div | exp.Avg):
        result = trino_decimal(node)
        if result is not None and result[1] >= 0:
            return result
    return None


def _rewrite_once(tree: exp.Expression) -> bool:
    changed = False
    for node in reversed(list(tree.walk())):  # children before parents
        result = _needs_cast(node)
        if result is None:
            continue
        node.meta[_DONE] = True
        precision, scale = result
        node.replace(exp.Cast(this=node.copy(), to=exp.DataType.build(f"DECIMAL({precision}, {scale})")))
        changed = True
    return changed


def _may_have_decimals(tree: exp.Expression, schema: MappingSchema) -> bool:
    if "DECIMAL" in str(schema.mapping).upper():
        return True
    literals = (n for n in tree.find_all(exp.Literal) if not n.is_string)
    return any("." in n.this and "e" not in n.this.lower() for n in literals) or any(
        isinstance(c.to, exp.DataType) and c.to.this == exp.DataType.Type.DECIMAL for c in tree.find_all(exp.Cast)
    )


def apply(tree: exp.Expression, schema: MappingSchema) -> exp.Expression:
    """``tree`` with Trino's DECIMAL division/avg types made explicit (unchanged when none occur)."""
    if not _may_have_decimals(tree, schema):
        return tree
    tree = qualify(
        tree,
        schema=schema,
        dialect="trino",
        validate_qualify_columns=False,
        quote_identifiers=False,
        identify=False,
    )
    for _ in range(8):
        annotate_types(tree, schema=schema, dialect="trino")
        if not _rewrite_once(tree):
            break
    return tree
