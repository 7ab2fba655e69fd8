package doctest_test

import (
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/scanner"
	"go/token"
	"go/types"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode"
)

// root is the repository root, from this package's directory.
const root = "../.."

// corePath is the core module's path; the public packages are its own,
// those of the adapters/<name> modules and of the public command module
// cmd/stackprom-ops (its library, opsgen), outside any internal directory.
const corePath = "github.com/stackprom/stackprom"

// thirdParty names the packages a fragment may use without importing them,
// by the name it uses; the check imports them for it, so that their types
// carry through to stackprom's calls. Each must be in the test module's
// build list. Names that fragments also use for variables (mux, for a
// ServeMux) are left out: a fragment imports gorilla/mux itself.
var thirdParty = map[string]string{
	"context":    "context",
	"driver":     "database/sql/driver",
	"embed":      "embed",
	"errors":     "errors",
	"fmt":        "fmt",
	"fs":         "io/fs",
	"http":       "net/http",
	"iter":       "iter",
	"log":        "log",
	"sql":        "database/sql",
	"testing":    "testing",
	"time":       "time",
	"prometheus": "github.com/prometheus/client_golang/prometheus",
	"chi":        "github.com/go-chi/chi/v5",
	"gin":        "github.com/gin-gonic/gin",
	"echo":       "github.com/labstack/echo/v4",
	"pgx":        "github.com/jackc/pgx/v5",
	"pgxpool":    "github.com/jackc/pgx/v5/pgxpool",
	"stdlib":     "github.com/jackc/pgx/v5/stdlib",
	"mysql":      "github.com/go-sql-driver/mysql",
	"sqlite":     "modernc.org/sqlite",
	"redis":      "github.com/redis/go-redis/v9",
	"memcache":   "github.com/bradfitz/gomemcache/memcache",
	"otter":      "github.com/maypok86/otter/v2",
	"goose":      "github.com/pressly/goose/v3",
	"iofs":       "github.com/golang-migrate/migrate/v4/source/iofs",
	"gorm":       "gorm.io/gorm",
	"bun":        "github.com/uptrace/bun",
}

// api is what the checks know of the packages: the public stackprom
// packages by name, and the compiler's export data of them, of the
// third-party packages above and of every dependency.
type api struct {
	public map[string]string // package name → import path
	paths  map[string]bool   // import paths of public packages
	export map[string]string // import path → export data file
}

var (
	apiOnce sync.Once
	apiVal  *api
	apiErr  error
)

func loadAPI(t *testing.T) *api {
	t.Helper()
	apiOnce.Do(func() { apiVal, apiErr = listAPI() })
	if apiErr != nil {
		t.Fatal(apiErr)
	}
	return apiVal
}

func listAPI() (*api, error) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}\t{{.Name}}\t{{with .Module}}{{.Path}}{{end}}", corePath+"/...").Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s/...: %v", corePath, stderr(err))
	}
	a := &api{public: map[string]string{}, paths: map[string]bool{}, export: map[string]string{}}
	var pkgs []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("go list: unexpected line %q", line)
		}
		path, name, mod := f[0], f[1], f[2]
		public := mod == corePath || strings.HasPrefix(mod, corePath+"/adapters/") || mod == corePath+"/cmd/stackprom-ops"
		if !public || name == "main" || slices.Contains(strings.Split(path, "/"), "internal") {
			continue
		}
		if other, dup := a.public[name]; dup {
			return nil, fmt.Errorf("two public packages named %s: %s and %s", name, other, path)
		}
		a.public[name] = path
		a.paths[path] = true
		pkgs = append(pkgs, path)
	}
	for _, path := range thirdParty {
		pkgs = append(pkgs, path)
	}
	out, err = exec.Command("go", append([]string{"list", "-e", "-deps", "-export", "-f", "{{.ImportPath}}\t{{.Export}}"}, pkgs...)...).Output()
	if err != nil {
		return nil, fmt.Errorf("go list -export: %v", stderr(err))
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		path, file, _ := strings.Cut(line, "\t")
		if file != "" {
			a.export[path] = file
		}
	}
	for _, path := range pkgs {
		if a.export[path] == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
	}
	return a, nil
}

func stderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return err.Error() + ": " + string(ee.Stderr)
	}
	return err.Error()
}

func (a *api) importer(fset *token.FileSet) types.Importer {
	return importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := a.export[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(file)
	})
}

// docs returns the Markdown files the checks read, by path relative to the
// repository root.
func docs(t *testing.T) map[string]string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatal("no docs/*.md")
	}
	texts := map[string]string{}
	for _, name := range append([]string{filepath.Join(root, "README.md")}, names...) {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, name)
		texts[filepath.ToSlash(rel)] = string(b)
	}
	return texts
}

// block is one ```go block of a Markdown file.
type block struct {
	file string
	line int // of the block's first line of code
	code []string
}

func goBlocks(file, text string) []block {
	var blocks []block
	var cur *block
	for i, line := range strings.Split(text, "\n") {
		switch {
		case cur == nil && strings.TrimSpace(line) == "```go":
			cur = &block{file: file, line: i + 2}
		case cur != nil && strings.TrimSpace(line) == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.code = append(cur.code, line)
		}
	}
	return blocks
}

// source is a block made into a Go file, with the Markdown line of each of
// its lines (0 for lines the check added).
type source struct {
	text  string
	lines []int
	whole bool // the block is a whole file, with its package clause
}

func (s *source) add(line string, md int) {
	s.text += line + "\n"
	s.lines = append(s.lines, md)
}

// assemble makes a file of a block: a block with a package clause is a
// file as it stands; else its imports go to the file's import section,
// declarations of functions and types (and //go:embed variables) to the top
// level, and every other line into the body of a function, so that a block
// may be a list of statements, of declarations, or both. extra are imports
// to add.
func assemble(b block, extra []string) *source {
	s := &source{}
	for _, line := range b.code {
		if strings.HasPrefix(line, "package ") {
			s.whole = true
			for i, line := range b.code {
				s.add(line, b.line+i)
			}
			return s
		}
	}
	var imports, decls, body source
	for i := 0; i < len(b.code); i++ {
		line, md := b.code[i], b.line+i
		switch {
		case line == "import (":
			for ; i < len(b.code); i++ {
				imports.add(b.code[i], b.line+i)
				if b.code[i] == ")" {
					break
				}
			}
		case strings.HasPrefix(line, "import "):
			imports.add(line, md)
		case strings.HasPrefix(line, "//go:embed ") && i+1 < len(b.code):
			decls.add(line, md)
			i++
			decls.add(b.code[i], b.line+i)
		case strings.HasPrefix(line, "func "), strings.HasPrefix(line, "type "):
			depth := 0
			for ; i < len(b.code); i++ {
				decls.add(b.code[i], b.line+i)
				depth += strings.Count(b.code[i], "{") - strings.Count(b.code[i], "}")
				if depth <= 0 {
					break
				}
			}
		default:
			body.add(line, md)
		}
	}
	s.add("package doc", 0)
	for _, path := range extra {
		s.add(fmt.Sprintf("import %q", path), 0)
	}
	for _, part := range []source{imports, decls} {
		s.text += part.text
		s.lines = append(s.lines, part.lines...)
	}
	s.add("func _() {", 0)
	s.text += body.text
	s.lines = append(s.lines, body.lines...)
	s.add("}", 0)
	return s
}

// where is the Markdown position of a position in the assembled file.
func (s *source) where(b block, p token.Position) string {
	if p.Line >= 1 && p.Line <= len(s.lines) && s.lines[p.Line-1] != 0 {
		return fmt.Sprintf("%s:%d", b.file, s.lines[p.Line-1])
	}
	return fmt.Sprintf("%s:%d (block)", b.file, b.line)
}

// missingImports lists the import paths of the packages f uses by a name it
// neither imports nor declares, among the public and thirdParty ones.
func (a *api) missingImports(f *ast.File) []string {
	have := map[string]bool{}
	for _, spec := range f.Imports {
		path := strings.Trim(spec.Path.Value, `"`)
		switch {
		case spec.Name != nil:
			have[spec.Name.Name] = true
		default:
			for name, p := range a.public {
				if p == path {
					have[name] = true
				}
			}
			for name, p := range thirdParty {
				if p == path {
					have[name] = true
				}
			}
			have[filepath.Base(path)] = true
		}
	}
	declared := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Obj != nil {
			declared[id.Name] = true
		}
		return true
	})
	var paths []string
	seen := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		id, ok := sel.X.(*ast.Ident)
		if !ok || have[id.Name] || declared[id.Name] || seen[id.Name] {
			return true
		}
		path := a.public[id.Name]
		if path == "" {
			path = thirdParty[id.Name]
		}
		if path != "" {
			seen[id.Name] = true
			paths = append(paths, path)
		}
		return true
	})
	slices.Sort(paths)
	return paths
}

// TestGoBlocks parses every ```go block of README.md and docs/*.md and
// type-checks it against the packages' export data: a name taken from a
// stackprom package must exist there, and a field or method selected on a
// value of a stackprom type must exist on that type; calls of stackprom
// functions must fit their signatures. Fragments use variables they do not
// declare; what cannot be typed for that is not checked. A block that is a
// whole file (package clause) must type-check entirely.
func TestGoBlocks(t *testing.T) {
	a := loadAPI(t)
	texts := docs(t)
	n := 0
	for _, file := range slices.Sorted(maps.Keys(texts)) {
		for _, b := range goBlocks(file, texts[file]) {
			n++
			checkBlock(t, a, b)
		}
	}
	if n < 20 {
		t.Errorf("found %d go blocks, want the README's and the guides' (at least 20)", n)
	}
}

// relevant reports whether a type error in a fragment is about the use of
// a stackprom package: a call or assignment that does not fit what one of
// its functions takes or returns, or an option of the wrong kind.
func (a *api) relevant(msg string) bool {
	mentions := false
	for name := range a.public {
		if strings.Contains(msg, name+".") {
			mentions = true
			break
		}
	}
	if !mentions {
		return false
	}
	// Missing names and methods are reported by checkBlock itself.
	for _, kind := range []string{"argument", "cannot use", "does not implement", "returns", "assignment mismatch", "not a type"} {
		if strings.Contains(msg, kind) {
			return true
		}
	}
	return false
}

func checkBlock(t *testing.T, a *api, b block) {
	t.Helper()
	fset := token.NewFileSet()
	s := assemble(b, nil)
	// Object resolution (mode 0) tells missingImports what the block declares.
	f, err := parser.ParseFile(fset, b.file, s.text, 0)
	if err != nil {
		var list scanner.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				t.Errorf("%s: does not parse: %s", s.where(b, e.Pos), e.Msg)
			}
			return
		}
		t.Errorf("%s: does not parse: %v", s.where(b, token.Position{}), err)
		return
	}
	if !s.whole {
		if extra := a.missingImports(f); len(extra) > 0 {
			s = assemble(b, extra)
			fset = token.NewFileSet()
			if f, err = parser.ParseFile(fset, b.file, s.text, 0); err != nil {
				t.Fatalf("%s: adding imports %v broke the parse: %v", s.where(b, token.Position{}), extra, err)
			}
		}
	}
	var typeErrs []types.Error
	conf := types.Config{
		Importer: a.importer(fset),
		Error:    func(err error) { typeErrs = append(typeErrs, err.(types.Error)) },
	}
	info := &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
	conf.Check("doc", fset, []*ast.File{f}, info)
	for _, e := range typeErrs {
		if s.whole || a.relevant(e.Msg) {
			t.Errorf("%s: %s", s.where(b, fset.Position(e.Pos)), e.Msg)
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		pos := s.where(b, fset.Position(sel.Sel.Pos()))
		if id, ok := sel.X.(*ast.Ident); ok {
			if pn, ok := info.Uses[id].(*types.PkgName); ok {
				pkg := pn.Imported()
				if a.paths[pkg.Path()] {
					if obj := pkg.Scope().Lookup(sel.Sel.Name); obj == nil || !obj.Exported() {
						t.Errorf("%s: %s.%s: no such exported name in %s", pos, id.Name, sel.Sel.Name, pkg.Path())
					}
				}
				return true
			}
		}
		tv, ok := info.Types[sel.X]
		if !ok || tv.Type == nil {
			return true
		}
		typ := tv.Type
		if p, ok := typ.(*types.Pointer); ok {
			typ = p.Elem()
		}
		named, ok := typ.(*types.Named)
		if !ok || named.Obj().Pkg() == nil || !a.paths[named.Obj().Pkg().Path()] {
			return true
		}
		if _, ok := info.Selections[sel]; !ok {
			t.Errorf("%s: %s has no field or method %s", pos, types.TypeString(tv.Type, (*types.Package).Name), sel.Sel.Name)
		}
		return true
	})
}

// TestOptionsDocumented checks that every exported With… function of every
// public stackprom package is named in README.md or docs/*.md: qualified
// (pgxmetrics.WithX) or, when no other package has a function of that name,
// by its name alone, as the Options tables name the shared options.
func TestOptionsDocumented(t *testing.T) {
	a := loadAPI(t)
	var all strings.Builder
	for _, text := range docs(t) {
		all.WriteString(text)
	}
	text := all.String()
	fset := token.NewFileSet()
	imp := a.importer(fset)
	owners := map[string][]string{} // With… name → package names
	for _, name := range slices.Sorted(maps.Keys(a.public)) {
		pkg, err := imp.Import(a.public[name])
		if err != nil {
			t.Fatal(err)
		}
		for _, fn := range pkg.Scope().Names() {
			if _, ok := pkg.Scope().Lookup(fn).(*types.Func); ok && strings.HasPrefix(fn, "With") && token.IsExported(fn) {
				owners[fn] = append(owners[fn], name)
			}
		}
	}
	if len(owners) < 30 {
		t.Fatalf("found %d With… functions; the lookup is broken", len(owners))
	}
	for _, fn := range slices.Sorted(maps.Keys(owners)) {
		alone := regexp.MustCompile(`\b` + fn + `\b`).MatchString(text)
		for _, pkg := range owners[fn] {
			if strings.Contains(text, pkg+"."+fn) || (len(owners[fn]) == 1 && alone) {
				continue
			}
			t.Errorf("%s.%s is not documented in README.md or docs/*.md", pkg, fn)
		}
	}
}

// notYet are files the documents link to that another change adds.
var notYet = map[string]bool{"CONTRIBUTING.md": true}

// TestLinks checks the relative links of README.md and docs/*.md: the file
// exists, and a #fragment names a heading of it (GitHub's anchors).
func TestLinks(t *testing.T) {
	texts := docs(t)
	anchors := map[string]map[string]bool{}
	for file, text := range texts {
		anchors[file] = headingAnchors(text)
	}
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	for _, file := range slices.Sorted(maps.Keys(texts)) {
		for i, line := range strings.Split(texts[file], "\n") {
			for _, m := range link.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
					continue
				}
				path, frag, _ := strings.Cut(target, "#")
				dest := file
				if path != "" {
					dest = filepath.ToSlash(filepath.Join(filepath.Dir(file), path))
					if notYet[dest] {
						continue
					}
					if _, err := os.Stat(filepath.Join(root, dest)); err != nil {
						t.Errorf("%s:%d: link to %s: %v", file, i+1, target, err)
						continue
					}
				}
				if frag == "" {
					continue
				}
				if a, ok := anchors[dest]; !ok {
					t.Errorf("%s:%d: link to %s: anchors of %s are not checked", file, i+1, target, dest)
				} else if !a[frag] {
					t.Errorf("%s:%d: link to %s: no heading with anchor #%s in %s", file, i+1, target, frag, dest)
				}
			}
		}
	}
}

// headingAnchors returns the anchors GitHub gives the headings of a
// Markdown text: lower case, spaces as hyphens, other punctuation dropped,
// a -1, -2, … suffix on repeats. Fenced code is not searched.
func headingAnchors(text string) map[string]bool {
	anchors := map[string]bool{}
	seen := map[string]int{}
	fenced := false
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "```") {
			fenced = !fenced
			continue
		}
		if fenced || !strings.HasPrefix(line, "#") {
			continue
		}
		title := strings.TrimSpace(strings.TrimLeft(line, "#"))
		var b strings.Builder
		for _, r := range strings.ToLower(title) {
			switch {
			case r == ' ':
				b.WriteRune('-')
			case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
				b.WriteRune(r)
			}
		}
		a := b.String()
		if n := seen[a]; n > 0 {
			anchors[fmt.Sprintf("%s-%d", a, n)] = true
		} else {
			anchors[a] = true
		}
		seen[a]++
	}
	return anchors
}

// TestQualifiedNames checks every pkg.Name that README.md and docs/*.md
// write anywhere (prose, tables, code) with pkg a public stackprom package:
// Name must be exported by it, so that a renamed function does not live on
// in the text. "pkg.With…" stands for a family of names and is not checked.
func TestQualifiedNames(t *testing.T) {
	a := loadAPI(t)
	texts := docs(t)
	names := slices.Sorted(maps.Keys(a.public))
	ref := regexp.MustCompile(`\b(` + strings.Join(names, "|") + `)\.([A-Z][A-Za-z0-9_]*)(…)?`)
	imp := a.importer(token.NewFileSet())
	for _, file := range slices.Sorted(maps.Keys(texts)) {
		for i, line := range strings.Split(texts[file], "\n") {
			for _, m := range ref.FindAllStringSubmatch(line, -1) {
				if m[3] != "" {
					continue
				}
				pkg, err := imp.Import(a.public[m[1]])
				if err != nil {
					t.Fatal(err)
				}
				if obj := pkg.Scope().Lookup(m[2]); obj == nil || !obj.Exported() {
					t.Errorf("%s:%d: %s.%s: no such exported name in %s", file, i+1, m[1], m[2], pkg.Path())
				}
			}
		}
	}
}
