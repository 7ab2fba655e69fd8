// Package modelmetrics counts inserts, updates, deletes and queries per
// model: the Go counterpart of django-prometheus's
// ExportModelOperationsMixin("dog").
//
// Three ways feed the same families:
//
//   - hand-written repositories call a Model's Inserted, Updated, Deleted
//     and Queried with the rows their statement affected;
//   - sqlc, sqlx and plain database/sql users list their tables once
//     (Metrics.Tables) and open the database through sqlmetrics with
//     sqlmetrics.WithModels: every executed INSERT, UPDATE or DELETE on a
//     listed table counts for its model, by rows affected;
//   - ORM users add an adapter: gormmetrics (a GORM plugin) or bunmetrics
//     (a bun query hook).
//
// Unlike django-prometheus, operations count by rows affected, so a bulk
// insert of 10 rows counts 10, and an update that changed no row counts
// nothing. A model's series exist at zero from the moment it is declared,
// as django-prometheus creates them when the model class is defined.
package modelmetrics
