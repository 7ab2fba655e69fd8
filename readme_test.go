package stackprom_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stackprom/stackprom"
)

// The README's metric tables list exactly the families of the schema, with
// the same names, types and labels.
func TestREADMEMetricTables(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| `([a-z_]+)` \\| `([a-z_]+)` \\| (counter|gauge|histogram) \\| ([^|]+) \\|")
	rows := map[string][]string{}
	for _, line := range strings.Split(string(readme), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if _, dup := rows[m[1]]; dup {
			t.Errorf("README lists %s twice", m[1])
		}
		rows[m[1]] = m[2:]
	}
	for _, f := range stackprom.Families() {
		r, ok := rows[f.Name]
		if !ok {
			t.Errorf("README's metric tables lack %s", f.Name)
			continue
		}
		delete(rows, f.Name)
		labels := "–"
		if len(f.Labels) > 0 {
			labels = strings.Join(f.Labels, ", ")
		}
		if got := []string{f.DjangoName, f.Type, labels}; strings.Join(got, "|") != strings.Join([]string{r[0], r[1], strings.TrimSpace(r[2])}, "|") {
			t.Errorf("README row of %s says %q, the schema %q", f.Name, r, got)
		}
	}
	for name := range rows {
		t.Errorf("README lists %s, which is not a family", name)
	}
}

// The README's quick start is examples/quickstart, which the build checks.
func TestREADMEQuickStart(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	code, err := os.ReadFile("examples/quickstart/main.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(code)+"```\n") {
		t.Error("README's quick start differs from examples/quickstart/main.go")
	}
}

// The package documentation's quick start is the same program.
func TestPackageDocQuickStart(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	code, err := os.ReadFile("examples/quickstart/main.go")
	if err != nil {
		t.Fatal(err)
	}
	var indented strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(string(code), "\n"), "\n") {
		if line == "" {
			indented.WriteString("//\n")
			continue
		}
		indented.WriteString("//\t" + line + "\n")
	}
	if !strings.Contains(string(doc), indented.String()) {
		t.Errorf("doc.go's quick start differs from examples/quickstart/main.go; want:\n%s", indented.String())
	}
}

// The README's sections come in the order of STYLE.md, Install to
// Compatibility, and it links every guide of docs/.
func TestREADMESections(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var sections []string
	fenced := false
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
		}
		if title, ok := strings.CutPrefix(line, "## "); ok && !fenced {
			sections = append(sections, title)
		}
	}
	want := []string{"Install", "Quick start", "The two commands", "Metrics", "PromQL examples", "Options", "Compatibility"}
	if !slices.Equal(sections, want) {
		t.Errorf("README's sections are %q, want %q", sections, want)
	}
	guides, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(guides) == 0 {
		t.Error("no guides in docs/")
	}
	for _, g := range guides {
		if !strings.Contains(string(readme), "]("+filepath.ToSlash(g)+")") {
			t.Errorf("README does not link %s", g)
		}
	}
}
