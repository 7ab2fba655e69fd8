// Package dbtest gives tests of stackprom's database-backed modules a fresh
// database of each vendor: a SQLite file, and a PostgreSQL and a MariaDB
// database created on the machine's servers for one test and dropped when
// it ends, so that packages testing in parallel never share tables. It is
// a module of its own so that no module needs database drivers for it; the
// tests register the drivers ("pgx", "mysql", "sqlite") they use.
package dbtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/stackprom/stackprom/internal/testenv"
)

// Backend is a database of one vendor for one test.
type Backend struct {
	Driver string // database/sql driver name: sqlite, pgx or mysql
	DSN    string // the fresh database
	Down   string // the same database at an address where nothing listens
}

// Vendor makes a fresh Backend of one vendor.
type Vendor struct {
	Name  string // sqlite, postgresql or mysql
	Fresh func(t *testing.T) Backend
}

// Vendors returns SQLite, PostgreSQL and MariaDB; databases created on the
// servers are named prefix plus random hex. PostgreSQL and MariaDB are found
// through STACKPROM_POSTGRES_ADDR / STACKPROM_POSTGRES_DSN and
// STACKPROM_MYSQL_ADDR / STACKPROM_MYSQL_DSN, with the machine's defaults,
// and skip the test (or fail it, under STACKPROM_REQUIRE_SERVICES=1) when
// unreachable.
func Vendors(prefix string) []Vendor {
	return []Vendor{
		{"sqlite", func(t *testing.T) Backend {
			dir := t.TempDir()
			return Backend{
				Driver: "sqlite",
				DSN:    filepath.Join(dir, "test.db"),
				Down:   filepath.Join(dir, "missing", "dir", "test.db"),
			}
		}},
		{"postgresql", func(t *testing.T) Backend {
			addr := testenv.Addr(t, "STACKPROM_POSTGRES_ADDR", "127.0.0.1:5432")
			base := env("STACKPROM_POSTGRES_DSN", "postgres://postgres@"+addr+"/test?sslmode=disable")
			name := dbName(prefix)
			admin(t, "pgx", base, "CREATE DATABASE "+name, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			u, err := url.Parse(base)
			if err != nil {
				t.Fatal(err)
			}
			u.Path = "/" + name
			down := *u
			down.Host = fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
			return Backend{Driver: "pgx", DSN: u.String(), Down: down.String() + "&connect_timeout=2"}
		}},
		{"mysql", func(t *testing.T) Backend {
			addr := testenv.Addr(t, "STACKPROM_MYSQL_ADDR", "127.0.0.1:3306")
			base := env("STACKPROM_MYSQL_DSN", "root@tcp("+addr+")/test?parseTime=true")
			name := dbName(prefix)
			admin(t, "mysql", base, "CREATE DATABASE "+name, "DROP DATABASE IF EXISTS "+name)
			cfg, err := mysql.ParseDSN(base)
			if err != nil {
				t.Fatal(err)
			}
			cfg.DBName = name
			down := cfg.Clone()
			down.Addr = fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
			return Backend{Driver: "mysql", DSN: cfg.FormatDSN(), Down: down.FormatDSN()}
		}},
	}
}

// Open opens dsn with driver and closes it when the test ends.
func Open(t testing.TB, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func dbName(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// admin runs create on the server of dsn now, and drop when the test ends.
func admin(t *testing.T, driver, dsn, create, drop string) {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(create); err != nil {
		db.Close()
		t.Fatalf("%s: %v", create, err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec(drop); err != nil {
			t.Errorf("%s: %v", drop, err)
		}
		db.Close()
	})
}
