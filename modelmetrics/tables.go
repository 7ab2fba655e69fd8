package modelmetrics

import (
	"fmt"
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/stackprom/stackprom/internal/config"
)

// Tables derives model operations from executed SQL statements: an INSERT
// into, UPDATE of or DELETE from a listed table counts for that table's
// model, by the rows the statement affected. Hand it to sqlmetrics with
// sqlmetrics.WithModels, or call CountResult or Count from a driver hook of
// your own (a pgx tracer has the command tag's rows affected).
//
// The classification of each distinct statement text is cached (see
// WithMaxStatements), so a statement that was seen before costs one map
// lookup and no allocation. A statement of at most 512 bytes is cached
// under its text, a longer one under a 128-bit digest of its text (two
// 64-bit hashes with seeds drawn when Tables is built) and its length, so
// that the cache holds at most WithMaxStatements × 512 bytes of text (half
// a MiB by default), whatever the length of the statements an application
// builds. Only listed tables become label values, through their model's
// name; a statement on any other table, or one the classifier is unsure of
// (see Lookup), counts nothing. Statements run through Query, such as
// INSERT … RETURNING, are not seen by sqlmetrics's Exec path and count
// nothing there; pgxmetrics's tracer counts them from pgx's command tags.
// Tables is safe for concurrent use; a nil *Tables counts
// nothing.
type Tables struct {
	byName map[string][]tableEntry // by lower-case table name

	max     int // cached statements; -1: none
	maxText int // the longest statement cached under its text: maxTextKey, less in tests
	seeds   [2]maphash.Seed
	// The cache: statements of at most maxText bytes by their text,
	// longer ones by their digest. Each map is copied on each write to it,
	// so readers take no lock; writers hold mu.
	texts   atomic.Pointer[map[string]*Statement]
	digests atomic.Pointer[map[digest]*Statement]
	mu      sync.Mutex
}

// maxTextKey is the length in bytes past which a statement is cached under
// a digest of its text rather than the text itself. A digest costs a pass
// over the text for each seed, as a map lookup by text costs one to hash
// it and one to compare it, so the cost is the same for statements that
// long, and keeping their text costs far more memory.
const maxTextKey = 512

// digest stands for a long statement: its length and two independent
// 64-bit hashes of its text. Two statements share one only by a collision
// of both seeded hashes, which no one who does not know the seeds can aim
// for, and which happens by chance with a probability below 2^-100 for a
// thousand statements.
type digest struct {
	n      int
	h1, h2 uint64
}

func (t *Tables) digestOf(q string) digest {
	return digest{len(q), maphash.String(t.seeds[0], q), maphash.String(t.seeds[1], q)}
}

type tableEntry struct {
	schema string        // lower case; "" matches any or none
	st     *[3]Statement // insert, update, delete: built once, so lookups do not allocate
}

// Statement is what Lookup found in a statement.
type Statement struct {
	// Op is Insert, Update or Delete; 0 when the statement counts nothing.
	Op Op
	// Table is the listed table the statement writes to, as it was given
	// to Tables.
	Table string
	// Model is that table's model; nil when the statement counts nothing.
	Model *Model
}

var nothing = &Statement{}

// Tables lists the tables whose writes count as model operations, mapping
// each table to its model's name: {"demo_dog": "dog", "demo_lawn": "lawn"}.
// It declares each model (see Model). Table names are compared without
// regard to ASCII case, quoted or not; a table listed with its schema
// ("public.dogs") counts only statements that name that schema, one listed
// without ("dogs") counts statements that name it with any schema or none.
// It returns an error for an empty or malformed table or model name.
func (m *Metrics) Tables(tables map[string]string) (*Tables, error) {
	t := &Tables{
		byName:  make(map[string][]tableEntry, len(tables)),
		max:     m.cfg.Model.MaxStatements,
		maxText: maxTextKey,
		seeds:   [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
	}
	if t.max == 0 {
		t.max = config.DefaultMaxStatements
	}
	for table, model := range tables {
		schema, name := "", table
		if i := strings.LastIndexByte(table, '.'); i >= 0 {
			schema, name = table[:i], table[i+1:]
		}
		if name == "" || strings.ContainsAny(table, " \t\r\n\"`[]") || !utf8.ValidString(table) ||
			strings.Contains(schema, ".") || (schema == "" && strings.Contains(table, ".")) {
			return nil, fmt.Errorf("modelmetrics: Tables: malformed table name %q", table)
		}
		if model == "" {
			return nil, fmt.Errorf("modelmetrics: Tables: empty model name for table %q", table)
		}
		lower := strings.ToLower(name)
		mod := m.Model(model)
		t.byName[lower] = append(t.byName[lower], tableEntry{
			schema: strings.ToLower(schema),
			st:     &[3]Statement{{Insert, table, mod}, {Update, table, mod}, {Delete, table, mod}},
		})
	}
	return t, nil
}

// MustTables is Tables that panics on an error, for package-level variables.
func (m *Metrics) MustTables(tables map[string]string) *Tables {
	t, err := m.Tables(tables)
	if err != nil {
		panic(err)
	}
	return t
}

// Lookup classifies query: which listed table it writes to, and how. The
// classifier reads the statement's verb and target table through comments,
// quoted identifiers ("t", `t`, [t]), schema qualification, WITH … before
// the verb and any letter case. It counts nothing, rather than guess, for
// several statements in one text, MySQL's executable /*! */ and # comments,
// backslashes inside literals (MySQL and PostgreSQL read them differently),
// multi-table UPDATE and DELETE, REPLACE and INSERT OR REPLACE, and upserts
// whose rows affected mix inserts and updates (ON DUPLICATE KEY UPDATE,
// ON CONFLICT … DO UPDATE; ON CONFLICT DO NOTHING counts as inserts). It
// does not allocate, except to cache a statement it sees for the first
// time.
func (t *Tables) Lookup(query string) Statement {
	if t == nil {
		return Statement{}
	}
	if len(query) <= t.maxText {
		if c := t.texts.Load(); c != nil {
			if st, ok := (*c)[query]; ok {
				return *st
			}
		}
	}
	return *t.slow(query)
}

// slow is Lookup for a statement not cached under its text: one cached
// under its digest, or one to classify (and to cache, unless the cache is
// off or full).
func (t *Tables) slow(query string) *Statement {
	var d digest // zero: query is cached under its text
	if len(query) > t.maxText {
		if t.max <= 0 {
			return t.lookup(query)
		}
		d = t.digestOf(query)
		if c := t.digests.Load(); c != nil {
			if st, ok := (*c)[d]; ok {
				return st
			}
		}
	}
	st := t.lookup(query)
	if t.max > 0 && !t.full() {
		t.store(query, d, st)
	}
	return st
}

// cached is the number of statements the cache holds.
func (t *Tables) cached() int {
	n := 0
	if c := t.texts.Load(); c != nil {
		n += len(*c)
	}
	if c := t.digests.Load(); c != nil {
		n += len(*c)
	}
	return n
}

// full reports whether the cache holds max statements: then a statement
// seen for the first time takes no lock.
func (t *Tables) full() bool { return t.cached() >= t.max }

func (t *Tables) lookup(query string) *Statement {
	tg := classify(query)
	if tg.op == 0 {
		return nothing
	}
	var entries []tableEntry
	var ok bool
	var buf [128]byte
	if b, folded := lowerASCII(buf[:0], tg.name); folded {
		entries, ok = t.byName[string(b)] // no allocation: a map index
	} else {
		entries, ok = t.byName[tg.name]
	}
	if !ok {
		return nothing
	}
	var unqualified *tableEntry
	for i := range entries {
		e := &entries[i]
		switch {
		case e.schema == "":
			unqualified = e
		case tg.schema != "" && strings.EqualFold(e.schema, tg.schema):
			return &e.st[tg.op-Insert]
		}
	}
	if unqualified == nil {
		return nothing
	}
	return &unqualified.st[tg.op-Insert]
}

// lowerASCII appends s in lower case to buf and reports true, when s has
// an upper-case ASCII letter; else it returns false and s is its own lower
// case.
func lowerASCII(buf []byte, s string) ([]byte, bool) {
	upper := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			upper = true
			break
		}
	}
	if !upper {
		return buf, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf, true
}

// store caches st for query, under its text or, when d is a digest (of a
// long query), under d, copying the map it adds to (at most max entries in
// all, so the copies are bounded too).
func (t *Tables) store(query string, d digest, st *Statement) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.full() {
		return
	}
	if d.n > 0 {
		add(&t.digests, d, st)
	} else {
		add(&t.texts, strings.Clone(query), st) // never retain a caller's larger buffer
	}
}

// add caches st under k in the map p points to, unless it holds k: it
// stores a copy of the map with k added, so that readers take no lock.
func add[K comparable](p *atomic.Pointer[map[K]*Statement], k K, st *Statement) {
	var old map[K]*Statement
	if m := p.Load(); m != nil {
		old = *m
	}
	if _, ok := old[k]; ok {
		return
	}
	m := make(map[K]*Statement, len(old)+1)
	for k, v := range old {
		m[k] = v
	}
	m[k] = st
	p.Store(&m)
}

// Count counts rows affected by query for its model, if query writes to a
// listed table.
func (t *Tables) Count(query string, rows int64) {
	if st := t.Lookup(query); st.Model != nil {
		st.Model.Add(st.Op, rows)
	}
}

// CountResult is Count with the rows affected read from res (a
// database/sql Result or a driver.Result), which it asks only when query
// writes to a listed table. A nil res, or one that fails to report rows
// affected, counts nothing.
func (t *Tables) CountResult(query string, res interface{ RowsAffected() (int64, error) }) {
	st := t.Lookup(query)
	if st.Model == nil || res == nil {
		return
	}
	if n, err := res.RowsAffected(); err == nil {
		st.Model.Add(st.Op, n)
	}
}

var _ config.StatementCounter = (*Tables)(nil)
