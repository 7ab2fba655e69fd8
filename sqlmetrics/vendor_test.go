package sqlmetrics

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stackprom/stackprom/internal/children"
	"github.com/stackprom/stackprom/internal/config"
)

// vendors are the values vendor detection may give: Django's names, or ""
// for a driver it does not know.
var vendors = map[string]bool{"": true, PostgreSQL: true, MySQL: true, SQLite: true}

// vendorNames are the names in a driver's package path or registered name
// that tell its vendor, by priority.
var vendorNames = []struct {
	vendor string
	names  []string
}{
	{SQLite, []string{"sqlite"}},
	{MySQL, []string{"mysql", "mariadb"}},
	{PostgreSQL, []string{"postgres", "pgx", "lib/pq", "pgdriver"}},
}

var vendorSeeds = []string{
	"", "pgx", "pgx/v5", "postgres", "postgresql", "pq", "github.com/jackc/pgx/v5/stdlib",
	"github.com/lib/pq", "github.com/uptrace/bun/driver/pgdriver", "mysql",
	"github.com/go-sql-driver/mysql", "mariadb", "sqlite", "sqlite3", "modernc.org/sqlite",
	"github.com/mattn/go-sqlite3", "github.com/glebarez/go-sqlite", "github.com/ncruces/go-sqlite3/driver",
	"sqlmetrics-sqlite-1", "github.com/microsoft/go-mssqldb", "sqlserver", "clickhouse", "PGX", "SQLite",
	"MySQL-mariadb-sqlite", "\xff", "pq\xff", "ſqlite", "pgſ", "Pq", "PQ ", "my sql",
}

func TestVendorFromName(t *testing.T) {
	for s, want := range map[string]string{
		"github.com/jackc/pgx/v5/stdlib": PostgreSQL, "github.com/lib/pq": PostgreSQL, "pq": PostgreSQL,
		"PQ": PostgreSQL, "github.com/go-sql-driver/mysql": MySQL, "mariadb": MySQL,
		"modernc.org/sqlite": SQLite, "github.com/mattn/go-sqlite3": SQLite,
		"github.com/microsoft/go-mssqldb": "", "pq ": "", "ſqlite": "", "SQLİTE": "", "": "",
	} {
		if got := vendorFromName(s); got != want {
			t.Errorf("vendorFromName(%q) = %q, want %q", s, got, want)
		}
	}
	for v := range vendors {
		if v != "" && vendorFromName(v) != v {
			t.Errorf("vendorFromName(%q) = %q: a vendor's own name", v, vendorFromName(v))
		}
	}
}

// FuzzVendorFromName: whatever a driver's package path or registered name,
// the vendor is one of Django's three or "", is found only from a name the
// text holds (in ASCII letters of either case), and stays found when the
// text is extended, in the order sqlite, mysql, postgresql.
func FuzzVendorFromName(f *testing.F) {
	for _, s := range vendorSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := vendorFromName(s)
		if !vendors[v] {
			t.Fatalf("vendorFromName(%q) = %q, not a vendor", s, v)
		}
		if d := detectVendor(s); d != v {
			t.Fatalf("detectVendor(%q) = %q, vendorFromName %q", s, d, v)
		}
		if u := vendorFromName(asciiUpper(s)); u != v {
			t.Fatalf("vendorFromName(%q) = %q, of its upper case %q", s, v, u)
		}
		// The vendor is the first whose name the text holds; "pq" alone is
		// lib/pq's registered name.
		want := ""
		lower := asciiLower(s)
	find:
		for _, vn := range vendorNames {
			for _, n := range vn.names {
				if strings.Contains(lower, n) {
					want = vn.vendor
					break find
				}
			}
		}
		if want == "" && lower == "pq" {
			want = PostgreSQL
		}
		if v != want {
			t.Fatalf("vendorFromName(%q) = %q, want %q", s, v, want)
		}
		// What a name says, a longer name still says (but for "pq", whose
		// two letters are no name inside a longer one).
		if lower != "pq" {
			if w := vendorFromName("github.com/x/" + s + "/v2"); w != v {
				t.Fatalf("vendorFromName(%q) = %q, in a package path %q", s, v, w)
			}
		}
	})
}

// FuzzVendorOf: WithVendor's value, when the option accepts it, is the
// vendor whatever the driver; without it, the vendor comes from the
// driver's type, else its registered name, and is one of Django's three,
// or an error that says to set WithVendor. The vendor is always a label
// value a scrape can carry.
func FuzzVendorOf(f *testing.F) {
	for _, s := range vendorSeeds {
		f.Add("", s)
		f.Add(s, "pgx")
	}
	f.Add("cockroachdb", "postgres")
	f.Add(strings.Repeat("v", children.MaxValueLen+1), "")
	f.Fuzz(func(t *testing.T, vendor, name string) {
		var opts []Option
		if vendor != "" {
			opts = append(opts, WithVendor(vendor))
		}
		c, err := config.New(opts)
		if err != nil {
			if checkLabel(vendor) == nil {
				t.Fatalf("WithVendor(%q) refused: %v", vendor, err)
			}
			if !strings.HasPrefix(err.Error(), "sqlmetrics: WithVendor: ") || !utf8.ValidString(err.Error()) {
				t.Fatalf("WithVendor(%q): error %q", vendor, err)
			}
			return
		}
		if vendor != "" && checkLabel(vendor) != nil {
			t.Fatalf("WithVendor(%q) accepted", vendor)
		}
		// fakeDriver's package, sqlmetrics, names no vendor: the name decides.
		got, err := vendorOf(c, fakeDriver{}, name)
		switch {
		case vendor != "":
			if got != vendor || err != nil {
				t.Fatalf("vendorOf with WithVendor(%q), name %q: %q, %v", vendor, name, got, err)
			}
		case err != nil:
			if vendorFromName(name) != "" || !strings.Contains(err.Error(), "sqlmetrics.WithVendor") {
				t.Fatalf("vendorOf(name %q): %v", name, err)
			}
		default:
			if got == "" || got != vendorFromName(name) {
				t.Fatalf("vendorOf(name %q) = %q, vendorFromName %q", name, got, vendorFromName(name))
			}
		}
		if got != "" && (!utf8.ValidString(got) || len(got) > children.MaxValueLen) {
			t.Fatalf("vendor %q: not a label value", got)
		}
	})
}

// asciiUpper and asciiLower change the case of ASCII letters only, byte by
// byte.
func asciiUpper(s string) string { return asciiMap(s, 'a', 'z', 'A'-'a') }
func asciiLower(s string) string { return asciiMap(s, 'A', 'Z', 'a'-'A') }

func asciiMap(s string, lo, hi byte, delta int) string {
	b := []byte(s)
	for i, c := range b {
		if lo <= c && c <= hi {
			b[i] = byte(int(c) + delta)
		}
	}
	return string(b)
}
