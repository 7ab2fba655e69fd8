package opsgen

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/stackprom/stackprom"
)

// presets are the two presets without namespace, as committed under ops/.
var presets = []stackprom.Naming{stackprom.NamingDefault, stackprom.NamingDjango}

// variants are option sets every invariant below must hold for.
func variants() []Options {
	var out []Options
	for _, n := range presets {
		out = append(out,
			Options{Naming: n},
			Options{Naming: n, Namespace: "shop", ConstLabels: map[string]string{"service": "shop", "region": `eu "west"`}})
	}
	return out
}

func mustGenerate(t *testing.T, o Options) *Bundle {
	t.Helper()
	b, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The files committed under ops/ are what the generator writes; go
// generate rewrites them. Outside the repository (the module as a user
// downloads it) there is nothing to compare.
func TestCommittedOutputs(t *testing.T) {
	root := filepath.Join("..", "..", "..", "ops")
	if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
		t.Skip("no ops/ directory: not in the repository")
	}
	for _, n := range presets {
		files, err := mustGenerate(t, Options{Naming: n}).Files()
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range FileNames {
			path := filepath.Join(root, n.String(), name)
			got, err := os.ReadFile(path)
			if err != nil {
				t.Errorf("%v (run go generate ./cmd/stackprom-ops)", err)
				continue
			}
			if !bytes.Equal(got, files[name]) {
				t.Errorf("%s differs from the generator's output: run go generate ./cmd/stackprom-ops and review the diff", path)
			}
		}
	}
}

// Every family of the table is on the dashboard, so that a family added to
// the table shows up when the outputs are regenerated.
func TestEveryFamilyOnTheDashboard(t *testing.T) {
	for _, o := range variants() {
		b := mustGenerate(t, o)
		read := map[string]bool{}
		for _, tg := range b.Targets() {
			for _, f := range tg.Families {
				read[f] = true
			}
		}
		for _, f := range stackprom.Families() {
			if name := f.FullName(o.Naming, o.Namespace); !read[name] {
				t.Errorf("%s: no panel reads %s", o.Flags(), name)
			}
		}
	}
}

// A target or rule reads either only families django-prometheus has, or
// only families beyond it: a Django-compatible query never needs a
// stackprom-only family, so it renders on a django-prometheus service.
// Every family django-prometheus has is read by a compatible target, and a
// panel without a compatible target says that it is empty there.
func TestDjangoCompatibility(t *testing.T) {
	for _, o := range variants() {
		b := mustGenerate(t, o)
		django := map[string]bool{}
		for _, f := range stackprom.Families() {
			django[f.FullName(o.Naming, o.Namespace)] = f.DjangoPrometheus
		}
		check := func(what string, fams []string, compatible bool) {
			if len(fams) == 0 {
				t.Errorf("%s: %s reads no family", o.Flags(), what)
			}
			for _, f := range fams {
				if django[f] != compatible {
					t.Errorf("%s: %s (compatible: %v) reads %s (django-prometheus has it: %v)", o.Flags(), what, compatible, f, django[f])
				}
			}
		}
		shown := map[string]bool{}
		for _, r := range b.Rows {
			for _, p := range r.Panels {
				any := false
				for _, tg := range p.Targets {
					check("panel "+p.Title+" target "+tg.Expr, tg.Families, tg.DjangoCompatible)
					if tg.DjangoCompatible {
						any = true
						for _, f := range tg.Families {
							shown[f] = true
						}
					}
				}
				if marked := strings.Contains(p.Description, stackpromOnly); marked == any {
					t.Errorf("%s: panel %q has compatible targets %v but says it is beyond django-prometheus: %v", o.Flags(), p.Title, any, marked)
				}
			}
		}
		for f, has := range django {
			if has && !shown[f] {
				t.Errorf("%s: no Django-compatible target reads %s", o.Flags(), f)
			}
		}
		for _, r := range b.Rules() {
			check("rule "+r.Name(), r.Families, r.DjangoCompatible)
		}
	}
}

// The namespace prefixes every family read, and every selector selects the
// constant labels, which every rule keeps.
func TestNamespaceAndConstLabels(t *testing.T) {
	o := Options{Naming: stackprom.NamingDjango, Namespace: "shop", ConstLabels: map[string]string{"service": "shop", "region": `eu "west"`}}
	b := mustGenerate(t, o)
	selectors := regexp.MustCompile(`\{[^}]*\}`)
	unprefixed := map[string]bool{}
	for _, f := range stackprom.Families() {
		for _, n := range presets {
			unprefixed[f.FullName(n, "")] = true
		}
	}
	exprs := map[string]string{}
	for _, r := range b.Rules() {
		exprs["rule "+r.Name()] = r.Expr
		if strings.Contains(r.Expr, "by (") && !strings.Contains(r.Expr, "region, service)") {
			t.Errorf("rule %s does not keep the constant labels:\n%s", r.Name(), r.Expr)
		}
	}
	for _, tg := range b.Targets() {
		exprs["target "+tg.Legend] = tg.Expr
	}
	for _, v := range b.Variables {
		exprs["variable "+v.Name] = v.Query
	}
	for what, e := range exprs {
		sels := selectors.FindAllString(e, -1)
		if len(sels) == 0 {
			t.Errorf("%s has no selector: %s", what, e)
		}
		for _, s := range sels {
			if !strings.Contains(s, `region="eu \"west\"", service="shop"`) {
				t.Errorf("%s: selector %s lacks the constant labels", what, s)
			}
		}
		for _, id := range identifiers(e) {
			if unprefixed[strings.TrimSuffix(id, "_bucket")] {
				t.Errorf("%s reads %s, without the namespace", what, id)
			}
		}
	}
}

func TestGenerateRejects(t *testing.T) {
	for name, o := range map[string]Options{
		"namespace":         {Namespace: "shop-1"},
		"label name":        {ConstLabels: map[string]string{"a-b": "x"}},
		"reserved label":    {ConstLabels: map[string]string{"__name__": "x"}},
		"job":               {ConstLabels: map[string]string{"job": "x"}},
		"a family's label":  {ConstLabels: map[string]string{"view": "x"}},
		"the pool's label":  {ConstLabels: map[string]string{"db_name": "x"}},
		"an unknown preset": {Naming: 7},
	} {
		if _, err := Generate(o); err == nil {
			t.Errorf("%s: Generate(%+v) succeeded", name, o)
		}
	}
}

// Every alert has a summary, a description and a runbook link to its own
// section of docs/operations.md, which exists.
func TestAlertsHaveRunbooks(t *testing.T) {
	doc, docErr := os.ReadFile(filepath.Join("..", "..", "..", "docs", "operations.md"))
	b := mustGenerate(t, Options{})
	alerts := 0
	for _, r := range b.Rules() {
		if r.Alert == "" {
			continue
		}
		alerts++
		for _, k := range []string{"summary", "description", "runbook_url"} {
			if r.Annotations[k] == "" {
				t.Errorf("alert %s has no %s", r.Alert, k)
			}
		}
		if want := DefaultRunbookURL + "#" + strings.ToLower(r.Alert); r.Annotations["runbook_url"] != want {
			t.Errorf("alert %s: runbook_url %q, want %q", r.Alert, r.Annotations["runbook_url"], want)
		}
		if r.Labels["severity"] != "warning" && r.Labels["severity"] != "critical" {
			t.Errorf("alert %s: severity %q", r.Alert, r.Labels["severity"])
		}
		if docErr == nil && !bytes.Contains(doc, []byte("\n### "+r.Alert+"\n")) {
			t.Errorf("docs/operations.md has no section ### %s", r.Alert)
		}
	}
	if alerts != 8 {
		t.Errorf("%d alerts, want 8", alerts)
	}
	if docErr != nil && !errors.Is(docErr, fs.ErrNotExist) {
		t.Error(docErr)
	}
	custom := mustGenerate(t, Options{RunbookURL: "https://wiki.example/stackprom"})
	for _, r := range custom.Rules() {
		if r.Alert != "" && !strings.HasPrefix(r.Annotations["runbook_url"], "https://wiki.example/stackprom#") {
			t.Errorf("alert %s ignores RunbookURL: %s", r.Alert, r.Annotations["runbook_url"])
		}
	}
}

// The dashboard's JSON holds the bundle's variables, panels and targets,
// so that what the tests query is what Grafana imports.
func TestDashboardJSON(t *testing.T) {
	for _, o := range variants() {
		b := mustGenerate(t, o)
		raw, err := b.DashboardJSON()
		if err != nil {
			t.Fatal(err)
		}
		var d struct {
			UID        string `json:"uid"`
			Title      string `json:"title"`
			Templating struct {
				List []struct {
					Name, Type string
					Query      any
				}
			}
			Panels []jsonPanel
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		if d.UID != b.UID() || d.Title != b.Title() {
			t.Errorf("uid %q title %q", d.UID, d.Title)
		}
		var vars []string
		for _, v := range d.Templating.List {
			vars = append(vars, v.Name+" "+v.Type)
		}
		want := []string{"datasource datasource"}
		for _, v := range b.Variables {
			want = append(want, v.Name+" query")
		}
		if !slices.Equal(vars, want) {
			t.Errorf("variables %q, want %q", vars, want)
		}
		var got []string
		ids := map[int]bool{}
		var walk func(ps []jsonPanel)
		walk = func(ps []jsonPanel) {
			for _, p := range ps {
				if ids[p.ID] {
					t.Errorf("panel id %d twice", p.ID)
				}
				ids[p.ID] = true
				if p.Type != "row" && p.Datasource.UID != "${datasource}" {
					t.Errorf("panel %q: data source %+v", p.Title, p.Datasource)
				}
				for _, tg := range p.Targets {
					got = append(got, p.Title+": "+tg.Expr+" ("+tg.LegendFormat+")")
				}
				walk(p.Panels)
			}
		}
		walk(d.Panels)
		var exp []string
		for _, r := range b.Rows {
			for _, p := range r.Panels {
				for _, tg := range p.Targets {
					exp = append(exp, p.Title+": "+tg.Expr+" ("+tg.Legend+")")
				}
			}
		}
		if !slices.Equal(got, exp) {
			t.Errorf("%s: the JSON's targets differ from the bundle's:\n%s\nwant\n%s", o.Flags(), strings.Join(got, "\n"), strings.Join(exp, "\n"))
		}
	}
}

type jsonPanel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		Expr         string `json:"expr"`
		LegendFormat string `json:"legendFormat"`
	} `json:"targets"`
	Panels []jsonPanel `json:"panels"`
}

func TestIdentifiers(t *testing.T) {
	got := identifiers(`sum by (view) (rate(a_total{job=~"$job", s="x{y}"}[$__rate_interval])) / 1e3 * b:c:d > 0.05`)
	want := []string{"sum", "by", "view", "rate", "a_total", "job", "s", "b:c:d"}
	if !slices.Equal(got, want) {
		t.Errorf("identifiers = %q, want %q", got, want)
	}
}

func TestFlags(t *testing.T) {
	o := Options{Naming: stackprom.NamingDjango, Namespace: "shop", ConstLabels: map[string]string{"b": "it's", "a": "1"}}
	if got, want := o.Flags(), `-naming django -namespace shop -const-labels 'a=1,b=it'\''s'`; got != want {
		t.Errorf("Flags = %s, want %s", got, want)
	}
}

// The dashboard's JSON decodes into Grafana's own dashboard model, passes
// its validation, and encodes back byte for byte, so that no field, panel
// or query is one the model does not know (it would be dropped): what an
// import reads. (The SDK's UnmarshalJSONStrict loses the panels of v0.0.22's
// PanelOrRowPanel, so the round trip stands in for it.)
func TestDashboardJSONIsGrafanas(t *testing.T) {
	plugins.RegisterDefaultPlugins()
	for _, o := range variants() {
		raw, err := mustGenerate(t, o).DashboardJSON()
		if err != nil {
			t.Fatal(err)
		}
		//lint:ignore SA1019 the classic model is the one DashboardJSON renders
		var d dashboard.Dashboard
		if err := sdkErr(json.Unmarshal(raw, &d)); err != nil {
			t.Fatalf("%s: %v", o.Flags(), err)
		}
		if err := sdkErr(d.Validate()); err != nil {
			t.Errorf("%s: %v", o.Flags(), err)
		}
		again, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(append(again, '\n'), raw) {
			t.Errorf("%s: the dashboard does not survive a round trip through Grafana's model", o.Flags())
		}
	}
}

// sdkErr is err, or nil for the empty cog.BuildErrors the SDK returns as a
// non-nil error when it found none.
func sdkErr(err error) error {
	if errs, ok := err.(cog.BuildErrors); ok && len(errs) == 0 {
		return nil
	}
	return err
}
