package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"time"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/modelmetrics"
	"github.com/stackprom/stackprom/sqlmetrics"
)

// demoTables are the tables whose writes count as model operations: the
// migrated demo_dog and demo_lawn, and the /sql view's table of dogs.
var demoTables = map[string]string{
	"demo_dog":            "dog",
	"demo_lawn":           "lawn",
	"stackprom_demo_dogs": "dog",
}

// modelRoutes declares the demo's models (their series exist at zero from
// now on), opens the -db database with SQL-derived model counters, applies
// the embedded migrations as -migrate says, and adds the newlawn view. It
// returns the option that makes another sqlmetrics database (the /sql
// view's) count its writes to the same tables.
func modelRoutes(mux *http.ServeMux, dbSpec, migrate string, shared stackprom.Option) (sqlmetrics.Option, error) {
	m, err := modelmetrics.New(shared)
	if err != nil {
		return nil, err
	}
	tables, err := m.Tables(demoTables)
	if err != nil {
		return nil, err
	}
	withModels := sqlmetrics.WithModels(tables)
	name, dsn, err := driverDSN(dbSpec)
	if err != nil {
		return nil, err
	}
	// The /sql view's database has the pool statistics of alias "default";
	// this one shares its other families.
	db, err := sqlmetrics.Open(name, dsn, shared, withModels, sqlmetrics.WithPoolStats(false))
	if err != nil {
		return nil, err
	}
	// Migrations and the migration collector's reads go through a database
	// of their own, uncounted, so that the database families show the
	// application's traffic only.
	plain, err := sql.Open(name, dsn)
	if err != nil {
		return nil, err
	}
	if err := migrations(plain, name, migrate, shared); err != nil {
		return nil, err
	}
	insert := "INSERT INTO demo_lawn (location) VALUES (?)"
	if name == "pgx" {
		insert = "INSERT INTO demo_lawn (location) VALUES ($1)"
	}
	mux.Handle("POST /newlawn/{location}", httpmetrics.NamedFunc("newlawn", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
		defer cancel()
		location := r.PathValue("location") // a statement argument, never a label
		if _, err := db.ExecContext(ctx, insert, location); err != nil {
			httpmetrics.ReportError(w, err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "a new lawn at %q\n", location)
	}))
	return withModels, nil
}
