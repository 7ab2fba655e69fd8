package modelmetrics

import "strings"

// target is what classify reads from a statement: the operation and the
// table it writes to. Its strings are substrings of the statement.
type target struct {
	op     Op // 0: the statement counts nothing
	schema string
	name   string
}

// classify reads the verb and target table of one SQL statement. It
// understands comments, quoted identifiers ("t", `t`, [t]), schema
// qualification, WITH … before the verb and any letter case. Whatever it is
// unsure of yields the zero target: several statements in one text, MySQL's
// executable comments and "#" comments, backslashes in literals (MySQL and
// PostgreSQL read them differently), unterminated literals, multi-table
// UPDATE and DELETE, REPLACE and INSERT OR REPLACE, and upserts whose rows
// affected mix inserts and updates (ON DUPLICATE KEY UPDATE, ON CONFLICT …
// DO UPDATE). It never allocates.
func classify(q string) target {
	l := lexer{s: q}
	tk := l.next()
	if tk.is("WITH") {
		tk = l.skipWith()
	}
	var t target
	switch {
	case tk.is("INSERT"):
		t, tk = l.insert()
	case tk.is("UPDATE"):
		t, tk = l.update()
	case tk.is("DELETE"):
		t, tk = l.delete()
	}
	if t.op == 0 || !l.rest(tk, t.op == Insert) {
		return target{}
	}
	return t
}

func (l *lexer) insert() (target, token) {
	tk := l.next()
	if tk.is("OR") { // SQLite conflict clause
		tk = l.next()
		if tk.kind != tWord || tk.is("REPLACE") {
			return target{}, tk
		}
		tk = l.next()
	}
	for tk.is("LOW_PRIORITY") || tk.is("DELAYED") || tk.is("HIGH_PRIORITY") || tk.is("IGNORE") {
		tk = l.next()
	}
	if tk.is("INTO") { // optional in MySQL
		tk = l.next()
	}
	t, tk := l.table(tk)
	t.op = Insert
	return t, tk
}

func (l *lexer) update() (target, token) {
	tk := l.next()
	if tk.is("OR") {
		tk = l.next()
		if tk.kind != tWord || tk.is("REPLACE") {
			return target{}, tk
		}
		tk = l.next()
	}
	for tk.is("LOW_PRIORITY") || tk.is("IGNORE") || tk.is("ONLY") {
		tk = l.next()
	}
	t, tk := l.table(tk)
	if tk.punct('*') {
		tk = l.next()
	}
	if !tk.is("SET") {
		tk = l.alias(tk)
		if !tk.is("SET") { // UPDATE a JOIN b …, UPDATE a, b …
			return target{}, tk
		}
	}
	t.op = Update
	return t, l.next()
}

func (l *lexer) delete() (target, token) {
	tk := l.next()
	for tk.is("LOW_PRIORITY") || tk.is("QUICK") || tk.is("IGNORE") {
		tk = l.next()
	}
	if !tk.is("FROM") { // DELETE a, b FROM …
		return target{}, tk
	}
	tk = l.next()
	if tk.is("ONLY") {
		tk = l.next()
	}
	t, tk := l.table(tk)
	if tk.punct('*') {
		tk = l.next()
	}
	if !deleteFollows(tk) {
		tk = l.alias(tk)
		if !deleteFollows(tk) { // DELETE FROM a, b USING …
			return target{}, tk
		}
	}
	t.op = Delete
	return t, tk
}

func deleteFollows(tk token) bool {
	return tk.kind == tEOF || tk.punct(';') || tk.is("WHERE") || tk.is("USING") ||
		tk.is("RETURNING") || tk.is("ORDER") || tk.is("LIMIT")
}

// alias skips "[AS] name" and returns the token after it.
func (l *lexer) alias(tk token) token {
	if tk.is("AS") {
		tk = l.next()
	}
	if tk.kind == tWord || tk.kind == tIdent {
		return l.next()
	}
	return token{kind: tBad}
}

// table reads a table name of up to three parts from tk on, and returns
// the token after it. A name it cannot read leaves the target empty.
func (l *lexer) table(tk token) (target, token) {
	var t target
	for part := 0; ; part++ {
		name, ok := l.ident(tk)
		if !ok || part == 3 {
			return target{}, token{kind: tBad}
		}
		t.schema, t.name = t.name, name
		tk = l.next()
		if !tk.punct('.') {
			return t, tk
		}
		tk = l.next()
	}
}

// ident returns the identifier tk starts: a word, a quoted identifier, or
// a bracketed one ([name], SQLite's and SQL Server's quoting).
func (l *lexer) ident(tk token) (string, bool) {
	switch {
	case tk.kind == tWord, tk.kind == tIdent:
		return tk.text, tk.text != ""
	case tk.punct('['):
		end := strings.IndexByte(l.s[l.i:], ']')
		if end <= 0 {
			l.bad = true
			return "", false
		}
		name := l.s[l.i : l.i+end]
		l.i += end + 1
		return name, true
	}
	return "", false
}

// skipWith skips the common table expressions after WITH and returns the
// token after them: the statement's verb.
func (l *lexer) skipWith() token {
	tk := l.next()
	if tk.is("RECURSIVE") {
		tk = l.next()
	}
	for {
		if tk.kind != tWord && tk.kind != tIdent {
			return token{kind: tBad}
		}
		tk = l.next()
		if tk.punct('(') { // column list
			l.skipParens()
			tk = l.next()
		}
		if !tk.is("AS") {
			return token{kind: tBad}
		}
		tk = l.next()
		if tk.is("NOT") {
			tk = l.next()
		}
		if tk.is("MATERIALIZED") {
			tk = l.next()
		}
		if !tk.punct('(') {
			return token{kind: tBad}
		}
		l.skipParens()
		tk = l.next()
		if !tk.punct(',') {
			return tk
		}
		tk = l.next()
	}
}

// skipParens skips to the parenthesis that closes one just read.
func (l *lexer) skipParens() {
	for depth := 1; depth > 0; {
		tk := l.next()
		switch {
		case tk.kind == tEOF || tk.kind == tBad:
			l.bad = true
			return
		case tk.punct('('):
			depth++
		case tk.punct(')'):
			depth--
		}
	}
}

// rest reads the statement from tk to its end and reports whether the
// statement is one the classification holds for: a single statement, and
// for an INSERT, no clause that turns some of its rows into updates.
func (l *lexer) rest(tk token, insert bool) bool {
	onConflict := false
	for {
		switch {
		case tk.kind == tBad || l.bad:
			return false
		case tk.kind == tEOF:
			return true
		case tk.punct(';'):
			if l.next().kind != tEOF {
				return false
			}
			return !l.bad
		case insert && tk.is("ON"):
			tk = l.next()
			if tk.is("DUPLICATE") {
				return false
			}
			if tk.is("CONFLICT") {
				onConflict = true
			}
			continue
		case insert && onConflict && tk.is("DO"):
			tk = l.next()
			if tk.is("UPDATE") {
				return false
			}
			continue
		}
		tk = l.next()
	}
}

// The lexer: just enough SQL to find words outside literals and comments.

type kind uint8

const (
	tEOF    kind = iota
	tWord        // unquoted identifier or keyword
	tIdent       // quoted identifier; text is what is inside the quotes
	tString      // string literal
	tNumber      // numeric literal
	tPunct       // one byte of punctuation, or a placeholder
	tBad         // something the lexer is unsure of
)

type token struct {
	kind kind
	text string
}

// is reports whether tk is the keyword kw (upper case), in any case.
func (tk token) is(kw string) bool {
	return tk.kind == tWord && len(tk.text) == len(kw) && strings.EqualFold(tk.text, kw)
}

func (tk token) punct(c byte) bool {
	return tk.kind == tPunct && len(tk.text) == 1 && tk.text[0] == c
}

type lexer struct {
	s   string
	i   int
	bad bool // once set, every token is tBad
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isWordStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isWordByte(c byte) bool {
	return isWordStart(c) || c >= '0' && c <= '9' || c == '$'
}

func (l *lexer) fail() token {
	l.bad = true
	return token{kind: tBad}
}

func (l *lexer) next() token {
	if l.bad {
		return token{kind: tBad}
	}
	s := l.s
	for l.i < len(s) {
		c := s[l.i]
		switch {
		case isSpace(c):
			l.i++
		case c == '-' && l.i+1 < len(s) && s[l.i+1] == '-':
			// MySQL needs a space after "--"; without one the readings differ.
			if l.i+2 < len(s) && !isSpace(s[l.i+2]) {
				return l.fail()
			}
			if end := strings.IndexByte(s[l.i:], '\n'); end >= 0 {
				l.i += end + 1
			} else {
				l.i = len(s)
			}
		case c == '/' && l.i+1 < len(s) && s[l.i+1] == '*':
			body := s[l.i+2:]
			end := strings.Index(body, "*/")
			// MySQL runs /*! … */; PostgreSQL nests comments, MySQL does not.
			if end < 0 || strings.HasPrefix(body, "!") || strings.Contains(body[:end], "/*") {
				return l.fail()
			}
			l.i += 2 + end + 2
		case c == '#':
			return l.fail() // a comment in MySQL, an operator in PostgreSQL
		default:
			return l.token()
		}
	}
	return token{kind: tEOF}
}

func (l *lexer) token() token {
	s, start := l.s, l.i
	c := s[start]
	switch {
	case c == '\'':
		return l.quoted('\'', tString)
	case c == '"':
		return l.quoted('"', tIdent)
	case c == '`':
		return l.quoted('`', tIdent)
	case c == '$' && start+1 < len(s) && s[start+1] >= '0' && s[start+1] <= '9':
		l.i++
		for l.i < len(s) && s[l.i] >= '0' && s[l.i] <= '9' {
			l.i++
		}
		return token{kind: tPunct, text: s[start:l.i]}
	case c == '$':
		return l.dollar()
	case isWordStart(c):
		for l.i < len(s) && isWordByte(s[l.i]) {
			l.i++
		}
		return token{kind: tWord, text: s[start:l.i]}
	case c >= '0' && c <= '9':
		for l.i < len(s) && (isWordByte(s[l.i]) || s[l.i] == '.') {
			l.i++
		}
		return token{kind: tNumber, text: s[start:l.i]}
	}
	l.i++
	return token{kind: tPunct, text: s[start:l.i]}
}

// quoted reads a literal or identifier quoted by q, where a doubled quote
// stands for the quote itself. A backslash inside makes the lexer unsure:
// MySQL reads it as an escape, PostgreSQL and SQLite do not. An identifier
// with a doubled quote has an empty text, so that it matches no table.
func (l *lexer) quoted(q byte, k kind) token {
	s := l.s
	start := l.i + 1
	doubled := false
	for j := start; j < len(s); j++ {
		switch s[j] {
		case '\\':
			return l.fail()
		case q:
			if j+1 < len(s) && s[j+1] == q {
				doubled = true
				j++
				continue
			}
			l.i = j + 1
			if doubled {
				return token{kind: k}
			}
			return token{kind: k, text: s[start:j]}
		}
	}
	return l.fail()
}

// dollar reads PostgreSQL's $tag$ … $tag$ literal, or a lone "$".
func (l *lexer) dollar() token {
	s, start := l.s, l.i
	j := start + 1
	for j < len(s) && s[j] != '$' {
		if !isWordByte(s[j]) || s[j] == '$' {
			l.i++
			return token{kind: tPunct, text: s[start:l.i]}
		}
		j++
	}
	if j >= len(s) {
		l.i++
		return token{kind: tPunct, text: s[start:l.i]}
	}
	tag := s[start : j+1]
	end := strings.Index(s[j+1:], tag)
	if end < 0 {
		return l.fail()
	}
	l.i = j + 1 + end + len(tag)
	return token{kind: tString}
}
