package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "github.com/go-sql-driver/mysql" // -db mysql://…
	_ "github.com/jackc/pgx/v5/stdlib" // -db postgres://…
	_ "modernc.org/sqlite"             // the default: pure Go, no cgo

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/httpmetrics"
	"github.com/stackprom/stackprom/sqlmetrics"
)

func defaultSQLite() string { return filepath.Join(os.TempDir(), "stackprom-demo.db") }

// driverDSN turns the -db flag into a database/sql driver name and data
// source name.
func driverDSN(spec string) (name, dsn string, err error) {
	switch {
	case spec == "":
		return "sqlite", "file:" + defaultSQLite() + "?_pragma=busy_timeout(5000)", nil
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		return "pgx", spec, nil
	case strings.HasPrefix(spec, "mysql://"):
		u, err := url.Parse(spec)
		if err != nil {
			return "", "", fmt.Errorf("-db: %w", err)
		}
		host := u.Host
		if u.Port() == "" {
			host += ":3306"
		}
		q := u.Query()
		q.Set("parseTime", "true")
		return "mysql", u.User.String() + "@tcp(" + host + ")" + u.Path + "?" + q.Encode(), nil
	case strings.Contains(spec, "://"):
		return "", "", fmt.Errorf("-db %q: want a SQLite file, postgres://… or mysql://…", spec)
	}
	return "sqlite", "file:" + spec + "?_pragma=busy_timeout(5000)", nil
}

// sqlRoutes opens the database the -db flag names, counted with
// stackprom's database families on the registry of shared, counting model
// operations with withModels, and adds the sql view.
func sqlRoutes(mux *http.ServeMux, spec string, shared stackprom.Option, withModels sqlmetrics.Option) error {
	name, dsn, err := driverDSN(spec)
	if err != nil {
		return err
	}
	db, err := sqlmetrics.Open(name, dsn, shared, withModels)
	if err != nil {
		return err
	}
	// A bounded pool, as a service should have, so that the pool
	// statistics show a maximum (go_sql_max_open_connections) to compare
	// the connections in use with.
	db.SetMaxOpenConns(8)
	d := &sqlDemo{db: db, param: "?"}
	if name == "pgx" {
		d.param = "$"
	}
	mux.Handle("GET /sql", httpmetrics.NamedFunc("sql", d.view))
	return nil
}

type sqlDemo struct {
	db    *sql.DB
	param string // "?" or "$" (PostgreSQL's $1, $2)
}

func (d *sqlDemo) p(i int) string {
	if d.param == "$" {
		return fmt.Sprintf("$%d", i)
	}
	return "?"
}

// view runs a fixed set of statements, never SQL from the request: it
// creates the demo's table, inserts three dogs with one ExecMany in a
// transaction, counts them, updates one, runs one statement that fails (for
// the errors family), and deletes the rows again so that the table stays
// small.
func (d *sqlDemo) view(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	const table = "stackprom_demo_dogs"
	fail := func(err error) {
		httpmetrics.ReportError(w, err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
	if _, err := d.db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+table+" (name VARCHAR(40) NOT NULL, breed VARCHAR(40))"); err != nil {
		fail(err)
		return
	}
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		fail(err)
		return
	}
	defer tx.Rollback()
	_, err = sqlmetrics.ExecMany(ctx, tx, "INSERT INTO "+table+" (name, breed) VALUES ("+d.p(1)+", "+d.p(2)+")",
		[][]any{{"Rex", "boxer"}, {"Ada", "collie"}, {"Bo", "poodle"}})
	if err == nil {
		err = tx.Commit()
	}
	if err != nil {
		fail(err)
		return
	}
	var n int
	if err := d.db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		fail(err)
		return
	}
	// With the demo's models, these writes count as dog operations too.
	if _, err := d.db.ExecContext(ctx, "UPDATE "+table+" SET breed = "+d.p(1)+" WHERE name = "+d.p(2), "mutt", "Rex"); err != nil {
		fail(err)
		return
	}
	_, failed := d.db.ExecContext(ctx, "SELECT * FROM stackprom_demo_no_such_table")
	if _, err := d.db.ExecContext(ctx, "DELETE FROM "+table); err != nil {
		fail(err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "inserted 3 dogs with one ExecMany, counted %d, updated one, deleted them\nexpected error: %v\n", n, failed)
}
