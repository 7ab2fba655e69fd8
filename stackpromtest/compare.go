package stackpromtest

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/stackprom/stackprom/internal/config"
	"github.com/stackprom/stackprom/internal/schema"
)

// CompareSamples fails the test unless the stackprom families that samples
// names hold exactly the series of samples: exposition sample lines, such
// as `http_responses_by_status_total{status="200"} 2`, without HELP and TYPE
// lines (they come from the schema). Names are without namespace, in either
// preset. Families samples does not name are not compared.
func CompareSamples(t testing.TB, g prometheus.Gatherer, samples string) {
	t.Helper()
	var b strings.Builder
	var names []string
	for line := range strings.Lines(samples) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name := line
		if i := strings.IndexAny(line, "{ "); i >= 0 {
			name = line[:i]
		}
		f, family, ok := lookupSample(name)
		if !ok {
			t.Fatalf("stackpromtest: CompareSamples: %s is not a sample of a stackprom family", name)
		}
		if len(names) == 0 || names[len(names)-1] != family {
			names = append(names, family)
			help := f.Help
			if family == f.Name && f.HelpNew != "" {
				help = f.HelpNew
			}
			b.WriteString("# HELP " + family + " " + help + "\n# TYPE " + family + " " + f.Kind.String() + "\n")
		}
		b.WriteString(line + "\n")
	}
	if err := testutil.GatherAndCompare(g, strings.NewReader(b.String()), names...); err != nil {
		t.Error(err)
	}
}

// lookupSample finds the family of a sample name in either preset.
func lookupSample(sample string) (*schema.Family, string, bool) {
	for i := range schema.All {
		f := &schema.All[i]
		for _, n := range []config.Naming{config.NamingDefault, config.NamingDjango} {
			name := schema.FullName(&config.Config{Naming: n}, f)
			if sample == name {
				return f, name, true
			}
			if f.Kind == schema.Histogram {
				for _, suffix := range []string{"_bucket", "_sum", "_count"} {
					if sample == name+suffix {
						return f, name, true
					}
				}
			}
		}
	}
	return nil, "", false
}

// LabelValues returns the values label takes across the series of family.
func LabelValues(t testing.TB, g prometheus.Gatherer, family, label string) map[string]bool {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("stackpromtest: gathering: %v", err)
	}
	out := map[string]bool{}
	for _, mf := range mfs {
		if mf.GetName() != family {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label {
					out[l.GetValue()] = true
				}
			}
		}
	}
	return out
}
