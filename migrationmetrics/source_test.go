package migrationmetrics_test

import (
	"slices"
	"testing"
	"testing/fstest"

	"github.com/stackprom/stackprom/migrationmetrics"
)

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		known, applied []int64
		want           migrationmetrics.Status
	}{
		{nil, nil, migrationmetrics.Status{}},
		{[]int64{1, 2, 3}, []int64{1, 2}, migrationmetrics.Status{Applied: 2, Unapplied: 1, Version: 2}},
		{[]int64{1, 2, 3}, []int64{3, 1, 2, 2}, migrationmetrics.Status{Applied: 3, Version: 3}},
		{[]int64{1, 2}, []int64{1, 2, 7}, migrationmetrics.Status{Applied: 3, Version: 7}}, // applied elsewhere
		{[]int64{1, 1, 2}, []int64{2}, migrationmetrics.Status{Applied: 1, Unapplied: 1, Version: 2}},
	} {
		if got := migrationmetrics.Compare(tc.known, tc.applied); got != tc.want {
			t.Errorf("Compare(%v, %v) = %+v, want %+v", tc.known, tc.applied, got, tc.want)
		}
	}
}

func TestCompareVersion(t *testing.T) {
	known := []int64{1, 2, 3}
	for _, tc := range []struct {
		version int64
		dirty   bool
		want    migrationmetrics.Status
	}{
		{-1, false, migrationmetrics.Status{Unapplied: 3}}, // golang-migrate's nil version
		{0, false, migrationmetrics.Status{Unapplied: 3}},
		{2, false, migrationmetrics.Status{Applied: 2, Unapplied: 1, Version: 2}},
		{3, false, migrationmetrics.Status{Applied: 3, Version: 3}},
		{3, true, migrationmetrics.Status{Applied: 2, Unapplied: 1, Version: 3, Dirty: true}},
		{9, false, migrationmetrics.Status{Applied: 3, Version: 9}},
	} {
		if got := migrationmetrics.CompareVersion(known, tc.version, tc.dirty); got != tc.want {
			t.Errorf("CompareVersion(%d, %v) = %+v, want %+v", tc.version, tc.dirty, got, tc.want)
		}
	}
}

func TestVersions(t *testing.T) {
	fsys := fstest.MapFS{
		"1_create_dogs.up.sql":    {},
		"1_create_dogs.down.sql":  {},
		"00002_create_lawns.sql":  {},
		"20240101120000_index.go": {},
		"README.md":               {},
		"3.sql":                   {},
		"_4_x.sql":                {},
		"5_dir/x.sql":             {},
	}
	got, err := migrationmetrics.Versions(fsys)
	if err != nil || !slices.Equal(got, []int64{1, 2, 20240101120000}) {
		t.Errorf("Versions = %v, %v", got, err)
	}
	if _, err := migrationmetrics.Versions(fstest.MapFS{"99999999999999999999_x.sql": {}}); err == nil {
		t.Error("no error for a version out of range")
	}
	if _, err := migrationmetrics.Versions(fstest.MapFS{"a": {Data: []byte("x")}}); err != nil {
		t.Error(err)
	}
}
