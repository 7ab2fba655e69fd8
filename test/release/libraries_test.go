package release

import (
	"fmt"
	"slices"
	"strings"
)

// integrations maps each library some stackprom module integrates with to
// the module path prefixes of its modules (whole path elements: a prefix
// matches itself and the paths under it). A user's binary may compile in
// only the libraries its stackprom module's own integration needs.
var integrations = map[string][]string{
	"chi":            {"github.com/go-chi/chi"},
	"gin":            {"github.com/gin-gonic/gin"},
	"echo":           {"github.com/labstack/echo"},
	"gorilla/mux":    {"github.com/gorilla/mux"},
	"pgx":            {"github.com/jackc/pgx"},
	"MySQL driver":   {"github.com/go-sql-driver/mysql"},
	"SQLite":         {"modernc.org/sqlite", "github.com/mattn/go-sqlite3", "github.com/glebarez/go-sqlite"},
	"GORM":           {"gorm.io", "github.com/glebarez/sqlite"},
	"go-redis":       {"github.com/redis/go-redis"},
	"gomemcache":     {"github.com/bradfitz/gomemcache"},
	"otter":          {"github.com/maypok86/otter"},
	"bun":            {"github.com/uptrace/bun"},
	"golang-migrate": {"github.com/golang-migrate/migrate"},
	"goose":          {"github.com/pressly/goose"},
}

// allowedIntegrations maps each public module, by directory, to the
// integrations whose libraries a user of it may compile in: its own. The
// core may compile in none. A new adapter needs a row here before it can be
// released.
var allowedIntegrations = map[string][]string{
	"":                           nil,
	"adapters/bunmetrics":        {"bun"},
	"adapters/chimetrics":        {"chi"},
	"adapters/echometrics":       {"echo"},
	"adapters/ginmetrics":        {"gin"},
	"adapters/goosemetrics":      {"goose"},
	"adapters/gorillamuxmetrics": {"gorilla/mux"},
	"adapters/gormmetrics":       {"GORM"},
	"adapters/memcachemetrics":   {"gomemcache"},
	"adapters/migratemetrics":    {"golang-migrate"},
	"adapters/ottermetrics":      {"otter"},
	"adapters/pgxmetrics":        {"pgx"},
	"adapters/redismetrics":      {"go-redis"},
	"cmd/stackprom-ops":          nil,
}

// integrationOf returns the integration a module belongs to, if any.
func integrationOf(modPath string) (string, bool) {
	for name, prefixes := range integrations {
		for _, p := range prefixes {
			if modPath == p || strings.HasPrefix(modPath, p+"/") {
				return name, true
			}
		}
	}
	return "", false
}

// foreignLibraries returns the modules of a `go version -m` listing that
// belong to an integration not in allowed, each as "path version
// (integration)", sorted.
func foreignLibraries(versionM string, allowed []string) []string {
	var foreign []string
	for _, line := range strings.Split(versionM, "\n") {
		// dep lines name the modules compiled in; => lines their replacements.
		f := strings.Split(strings.TrimPrefix(line, "\t"), "\t")
		if len(f) < 3 || (f[0] != "dep" && f[0] != "=>") {
			continue
		}
		if name, ok := integrationOf(f[1]); ok && !slices.Contains(allowed, name) {
			foreign = append(foreign, fmt.Sprintf("%s %s (%s)", f[1], f[2], name))
		}
	}
	slices.Sort(foreign)
	return slices.Compact(foreign)
}

// unpublishedModules returns the stackprom modules of a `go list -m all`
// listing that no user may ever see: any but a public module at version.
func unpublishedModules(listM string, public map[string]bool, version string) []string {
	var bad []string
	for _, line := range strings.Split(listM, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !isStackprom(f[0]) {
			continue
		}
		v := ""
		if len(f) > 1 {
			v = f[1]
		}
		switch {
		case !public[f[0]]:
			bad = append(bad, fmt.Sprintf("%s %s: not a public module, never tagged", f[0], v))
		case v == placeholderVersion:
			bad = append(bad, fmt.Sprintf("%s %s: the placeholder of an unreleased tree", f[0], v))
		case v != version:
			bad = append(bad, fmt.Sprintf("%s %s: not the release version %s", f[0], v, version))
		case len(f) > 2:
			bad = append(bad, fmt.Sprintf("%s: replaced (%s)", f[0], strings.Join(f[2:], " ")))
		}
	}
	return bad
}
