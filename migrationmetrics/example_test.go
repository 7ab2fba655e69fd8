package migrationmetrics_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/stackprom/stackprom"
	"github.com/stackprom/stackprom/migrationmetrics"
	"github.com/stackprom/stackprom/stackpromtest"
)

// A migration tool without an adapter: list the migrations the binary
// embeds, read the applied ones from the tool's table in a SourceFunc, and
// let Compare count. golang-migrate and goose users take the source from
// migratemetrics or goosemetrics instead.
func Example() {
	embedded := fstest.MapFS{ // in a service: an embed.FS of the migration files
		"0001_create_dog.sql":  {},
		"0002_create_lawn.sql": {},
		"0003_dog_age.sql":     {},
	}
	known, err := migrationmetrics.Versions(embedded)
	if err != nil {
		panic(err)
	}
	src := migrationmetrics.SourceFunc(func(ctx context.Context) (migrationmetrics.Status, error) {
		// In a service: SELECT version FROM my_migrations, with ctx.
		applied := []int64{1, 2}
		return migrationmetrics.Compare(known, applied), nil
	})

	reg := prometheus.NewRegistry() // in a service: leave it out, for the default registry
	migrationmetrics.MustNew("default", src, stackprom.WithRegisterer(reg))

	s, _ := stackpromtest.Gather(reg) // a scrape reads the database (at most every 30 s)
	for _, family := range []string{"migrations_applied", "migrations_unapplied", "migrations_version", "migrations_dirty"} {
		v, _ := s.Value(family, prometheus.Labels{"connection": "default"})
		fmt.Println(family, v)
	}
	// Output:
	// migrations_applied 2
	// migrations_unapplied 1
	// migrations_version 2
	// migrations_dirty 0
}
