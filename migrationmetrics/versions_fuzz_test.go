package migrationmetrics

import (
	"io/fs"
	"slices"
	"strings"
	"testing"
)

// fitsInt64 reports whether a string of decimal digits is at most the
// largest int64, comparing it as text.
func fitsInt64(digits string) bool {
	const maxInt64 = "9223372036854775807"
	d := strings.TrimLeft(digits, "0")
	return len(d) < len(maxInt64) || len(d) == len(maxInt64) && d <= maxInt64
}

// FuzzVersions checks the parser of migration file names against a
// reference (the name cut at its first underscore, the digits compared as
// text with the largest int64), and
// Versions over a directory holding a file of that name, and one holding a
// directory of that name, which is ignored. The seeds run in every go test:
//
//	go test -run '^$' -fuzz FuzzVersions -fuzztime 60s ./migrationmetrics
func FuzzVersions(f *testing.F) {
	for _, seed := range []string{
		"1_create_dogs.up.sql", "1_create_dogs.down.sql", "00001_create_dogs.sql", "20240101120000_init.sql",
		"9223372036854775807_max.sql", "9223372036854775808_past_max.sql", "00000000000000000000009223372036854775807_x",
		"99999999999999999999999999_x.sql", "0_zero.sql", "1_", "_1.sql", "1", "12", "1.sql", "1-x.sql", "+1_x.sql",
		"-1_x.sql", " 1_x.sql", "١_arabic_digit.sql", "1\x00_x", "1__x", "README.md", ".1_x", "\xff_x", "1_\xff",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		v, ok, err := parseVersion(name)

		digits, _, found := strings.Cut(name, "_")
		switch {
		case !found || digits == "" || strings.Trim(digits, "0123456789") != "":
			if ok || err != nil {
				t.Fatalf("parseVersion(%q) = %d, %v, %v; want not a migration", name, v, ok, err)
			}
		case !fitsInt64(digits):
			if ok || err == nil || !strings.Contains(err.Error(), "version out of range") {
				t.Fatalf("parseVersion(%q) = %d, %v, %v; want out of range", name, v, ok, err)
			}
		default:
			var want int64
			for _, d := range digits {
				want = want*10 + int64(d-'0')
			}
			if !ok || err != nil || v != want {
				t.Fatalf("parseVersion(%q) = %d, %v, %v; want %d", name, v, ok, err, want)
			}
		}

		// Versions over a directory holding that one file; then over one
		// holding a subdirectory of that name, which is ignored.
		got, verr := Versions(oneEntry{name, false})
		switch {
		case err != nil:
			if verr == nil || verr.Error() != err.Error() {
				t.Fatalf("Versions with %q: %v, %v; want parseVersion's error %v", name, got, verr, err)
			}
		case ok:
			if verr != nil || !slices.Equal(got, []int64{v}) {
				t.Fatalf("Versions with %q: %v, %v; want [%d]", name, got, verr, v)
			}
		default:
			if verr != nil || len(got) != 0 {
				t.Fatalf("Versions with %q: %v, %v; want none", name, got, verr)
			}
		}
		if dirs, derr := Versions(oneEntry{name, true}); derr != nil || len(dirs) != 0 {
			t.Fatalf("Versions with a directory %q: %v, %v; want none", name, dirs, derr)
		}
	})
}

// oneEntry is a directory that lists one entry, a file or a directory of
// any name, as cheap to read as a directory can be, so that the fuzzer
// spends its time on the names.
type oneEntry struct {
	name string
	dir  bool
}

func (oneEntry) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}

func (d oneEntry) ReadDir(name string) ([]fs.DirEntry, error) {
	if name != "." {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: fs.ErrNotExist}
	}
	return []fs.DirEntry{d}, nil
}

func (d oneEntry) Name() string { return d.name }
func (d oneEntry) IsDir() bool  { return d.dir }
func (d oneEntry) Type() fs.FileMode {
	if d.dir {
		return fs.ModeDir
	}
	return 0
}
func (oneEntry) Info() (fs.FileInfo, error) { return nil, fs.ErrNotExist }
