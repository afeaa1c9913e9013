""":class:`ColumnMap`: a user's column names mapped onto the canonical roles of
:mod:`feedback_lab.schema` (which re-exports it)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from feedback_lab._validation import did_you_mean, repeated, require_columns
from feedback_lab.exceptions import SchemaError

__all__ = ["ColumnMap"]


class ColumnMap(Mapping[str, str]):
    """Map a user's column names to canonical roles (``{"question": "input"}``).

    Unknown roles are rejected with a suggestion, so a typo does not silently
    leave a column unmapped.

    Parameters
    ----------
    mapping : dict[str, str], optional
        ``{user_column: canonical_role}``.
    **kwargs : str
        Same, as keyword arguments.

    Examples
    --------
    >>> cm = ColumnMap({"question": "input", "answer": "output"})
    >>> cm["question"]
    'input'
    >>> ColumnMap({"q": "inptu"})
    Traceback (most recent call last):
    ...
    ValueError: ColumnMap: 'inptu' (for column 'q') is not a canonical role. Did you mean 'input'? Roles: ...
    """

    def __init__(self, mapping: Mapping[str, str] | None = None, **kwargs: str) -> None:
        from feedback_lab.schema import FRAMES

        roles = sorted({c for schema in FRAMES.values() for c in schema})
        merged = {**(dict(mapping) if mapping else {}), **kwargs}
        for user_col, role in merged.items():
            if role not in roles:
                msg = (
                    f"ColumnMap: {role!r} (for column {user_col!r}) is not a canonical role."
                    f"{did_you_mean(role, roles)} Roles: {', '.join(roles)}."
                )
                raise ValueError(msg)
        dupes = repeated(merged.values())
        if dupes:
            msg = f"ColumnMap: several columns map to the same role(s) {dupes}: {merged}."
            raise ValueError(msg)
        self._map = merged

    def __getitem__(self, key: str) -> str:
        return self._map[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._map)

    def __len__(self) -> int:
        return len(self._map)

    def __repr__(self) -> str:
        return f"ColumnMap({self._map!r})"

    def apply(self, df, *, source: str = "input"):
        """Rename the mapped columns of a polars or pandas frame.

        Raises
        ------
        ColumnNotFoundError
            A mapped column is not in ``df`` (names the available columns).
        """
        require_columns(df, list(self._map), func="ColumnMap.apply", frame=source)
        clash = [r for c, r in self._map.items() if r in df.columns and r not in self._map]
        if clash:
            msg = (
                f"ColumnMap.apply: {source} already has column(s) {clash}; mapping another column "
                "onto them would lose data. Map or drop the existing column first."
            )
            raise SchemaError(msg)
        if hasattr(df, "rename") and type(df).__module__.startswith("pandas"):
            return df.rename(columns=self._map)
        return df.rename(self._map)
