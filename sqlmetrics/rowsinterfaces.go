package sqlmetrics

import (
	"database/sql/driver"
	"reflect"
)

// The optional interfaces of driver.Rows, as Go 1.26's database/sql uses
// them (it has no others). It asks for the five column type interfaces
// only in Rows.ColumnTypes (rowsColumnInfoSetupConnLocked), column by
// column, and for a missing one keeps a fixed answer; so the rows wrapper
// always offers them, each method returning that answer when the driver's
// rows lack its interface, and no driver can tell their presence through
// database/sql. RowsNextResultSet is offered exactly (nextResultSetRows):
// no answer stands for its absence.

// ColumnTypeScanType returns the driver's scan type of the column. Without
// the interface database/sql sets ScanType to the type of any, so this is
// the answer for driver rows without it.
func (r *rows) ColumnTypeScanType(index int) reflect.Type {
	if t, has := r.inner.(driver.RowsColumnTypeScanType); has {
		return t.ColumnTypeScanType(index)
	}
	return reflect.TypeFor[any]()
}

// ColumnTypeDatabaseTypeName returns the driver's type name of the column.
// Without the interface database/sql leaves DatabaseTypeName at the zero
// value of its ColumnType's field: "".
func (r *rows) ColumnTypeDatabaseTypeName(index int) string {
	if t, has := r.inner.(driver.RowsColumnTypeDatabaseTypeName); has {
		return t.ColumnTypeDatabaseTypeName(index)
	}
	return ""
}

// ColumnTypeLength returns the driver's length of the column. Without the
// interface database/sql leaves Length at its fields' zero values: 0,
// false.
func (r *rows) ColumnTypeLength(index int) (length int64, ok bool) {
	if t, has := r.inner.(driver.RowsColumnTypeLength); has {
		return t.ColumnTypeLength(index)
	}
	return 0, false
}

// ColumnTypeNullable returns the driver's nullability of the column.
// Without the interface database/sql leaves Nullable at its fields' zero
// values: false, false.
func (r *rows) ColumnTypeNullable(index int) (nullable, ok bool) {
	if t, has := r.inner.(driver.RowsColumnTypeNullable); has {
		return t.ColumnTypeNullable(index)
	}
	return false, false
}

// ColumnTypePrecisionScale returns the driver's precision and scale of the
// column. Without the interface database/sql leaves DecimalSize at its
// fields' zero values: 0, 0, false.
func (r *rows) ColumnTypePrecisionScale(index int) (precision, scale int64, ok bool) {
	if t, has := r.inner.(driver.RowsColumnTypePrecisionScale); has {
		return t.ColumnTypePrecisionScale(index)
	}
	return 0, 0, false
}

// nextResultSetRows is the rows wrapper for driver rows that offer
// RowsNextResultSet. A fallback would do for Rows.Next: at the end of rows
// without the interface it closes them, as it does when HasNextResultSet
// returns false. Not for Rows.NextResultSet: without the interface it
// closes the rows leaving their error unset; with it, it locks the
// connection and keeps NextResultSet's error, io.EOF for a fallback.
// database/sql reads a kept io.EOF as no error, but a context that ends
// while NextResultSet runs closes the rows keeping its error only over
// none (Rows.close): Columns, ColumnTypes and Scan would then say "sql:
// Rows are closed" rather than return the context's error.
type nextResultSetRows struct{ rows }

// HasNextResultSet reports whether the driver's rows have another result
// set.
func (r *nextResultSetRows) HasNextResultSet() bool {
	return r.inner.(driver.RowsNextResultSet).HasNextResultSet()
}

// NextResultSet advances the driver's rows to their next result set.
func (r *nextResultSetRows) NextResultSet() error {
	return r.inner.(driver.RowsNextResultSet).NextResultSet()
}
