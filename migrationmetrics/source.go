package migrationmetrics

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
)

// Status is the migration status of one database at one moment.
type Status struct {
	// Applied is the number of migrations the database records as applied,
	// django-prometheus's applied gauge.
	Applied int
	// Unapplied is the number of migrations the binary knows that are not
	// applied, django-prometheus's unapplied gauge.
	Unapplied int
	// Version is the version of the last applied migration, 0 when none is.
	Version int64
	// Dirty is true while the database records a migration that failed
	// half-way (golang-migrate's dirty flag). Tools without such a state
	// report false.
	Dirty bool
}

// Source reads the migration status of one database. Status should honour
// ctx's deadline; a Collector stops waiting at the deadline anyway.
type Source interface {
	Status(ctx context.Context) (Status, error)
}

// SourceFunc adapts a function to a Source.
type SourceFunc func(ctx context.Context) (Status, error)

// Status calls f.
func (f SourceFunc) Status(ctx context.Context) (Status, error) { return f(ctx) }

// Compare is the status of a database that records the set of applied
// migrations (goose, Django, most tools): Applied counts every recorded
// version, known or not, as Django does; Unapplied counts the known
// versions not recorded; Version is the highest recorded one.
func Compare(known, applied []int64) Status {
	set := make(map[int64]struct{}, len(applied))
	var st Status
	for _, v := range applied {
		if _, dup := set[v]; dup {
			continue
		}
		set[v] = struct{}{}
		st.Applied++
		st.Version = max(st.Version, v)
	}
	seen := make(map[int64]struct{}, len(known))
	for _, v := range known {
		if _, dup := seen[v]; dup {
			continue
		}
		seen[v] = struct{}{}
		if _, ok := set[v]; !ok {
			st.Unapplied++
		}
	}
	return st
}

// CompareVersion is the status of a database that records only its current
// version and a dirty flag (golang-migrate): the known versions up to it
// are applied, the others are not. A dirty version is the migration that
// failed, so it counts as unapplied. A version of 0 or less means none is
// applied.
func CompareVersion(known []int64, version int64, dirty bool) Status {
	st := Status{Dirty: dirty && version > 0, Version: max(version, 0)}
	seen := make(map[int64]struct{}, len(known))
	for _, v := range known {
		if _, dup := seen[v]; dup {
			continue
		}
		seen[v] = struct{}{}
		if v < version || (v == version && !st.Dirty) {
			st.Applied++
		} else {
			st.Unapplied++
		}
	}
	return st
}

// Versions lists the versions of the migration files at the top of fsys,
// sorted and without repeats: the digits that start names such as
// 1_create_dogs.up.sql (golang-migrate) or 00001_create_dogs.sql (goose),
// up to the first underscore. Other files are ignored. Use fs.Sub for a
// subdirectory of an embed.FS.
func Versions(fsys fs.FS) ([]int64, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("migrationmetrics: listing migrations: %w", err)
	}
	var out []int64
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		v, ok, err := parseVersion(e.Name())
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// parseVersion reads the version of a migration file name: the ASCII
// digits that start it, up to an underscore. ok is false for a name that
// is not a migration's; err reports digits too many for an int64.
func parseVersion(name string) (v int64, ok bool, err error) {
	i := 0
	for i < len(name) && name[i] >= '0' && name[i] <= '9' {
		i++
	}
	if i == 0 || i == len(name) || name[i] != '_' {
		return 0, false, nil
	}
	v, err = strconv.ParseInt(name[:i], 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("migrationmetrics: migration %q: version out of range", name)
	}
	return v, true, nil
}
