package sqltest_test

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
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/stackprom/stackprom/stackpromtest"
)

// backend is a database of one vendor for one test: created fresh, dropped
// when the test ends, so that parallel packages never share tables.
type backend struct {
	driver string // database/sql driver name
	dsn    string // the fresh database
	down   string // a database that is not there (nothing listens)
}

type vendor struct {
	name  string
	fresh func(t *testing.T) backend
}

var vendors = []vendor{
	{"sqlite", func(t *testing.T) backend {
		dir := t.TempDir()
		return backend{
			driver: "sqlite",
			dsn:    filepath.Join(dir, "test.db"),
			down:   filepath.Join(dir, "missing", "dir", "test.db"),
		}
	}},
	{"postgresql", func(t *testing.T) backend {
		addr := stackpromtest.Addr(t, "STACKPROM_POSTGRES_ADDR", "127.0.0.1:5432")
		base := env("STACKPROM_POSTGRES_DSN", "postgres://postgres@"+addr+"/test?sslmode=disable")
		name := dbName()
		admin(t, "pgx", base, "CREATE DATABASE "+name, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		down := *u
		down.Host = fmt.Sprintf("127.0.0.1:%d", stackpromtest.FreePort(t))
		return backend{driver: "pgx", dsn: u.String(), down: down.String() + "&connect_timeout=2"}
	}},
	{"mysql", func(t *testing.T) backend {
		addr := stackpromtest.Addr(t, "STACKPROM_MYSQL_ADDR", "127.0.0.1:3306")
		base := env("STACKPROM_MYSQL_DSN", "root@tcp("+addr+")/test?parseTime=true")
		name := dbName()
		admin(t, "mysql", base, "CREATE DATABASE "+name, "DROP DATABASE IF EXISTS "+name)
		cfg, err := mysql.ParseDSN(base)
		if err != nil {
			t.Fatal(err)
		}
		cfg.DBName = name
		down := cfg.Clone()
		down.Addr = fmt.Sprintf("127.0.0.1:%d", stackpromtest.FreePort(t))
		return backend{driver: "mysql", dsn: cfg.FormatDSN(), down: down.FormatDSN()}
	}},
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func dbName() string {
	b := make([]byte, 6)
	rand.Read(b)
	return "stackprom_models_" + hex.EncodeToString(b)
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

func open(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
