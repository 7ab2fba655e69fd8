// Package stackpromtest helps tests assert what an application's metrics
// say, mirroring django-prometheus's testutils: take a Snapshot of a
// gatherer, act, then assert a series' value or its change since the
// snapshot. On failure the message lists every series of the family.
//
// Series are named by sample name, as in the exposition: a counter's name
// (…_total), a gauge's name, or a histogram's …_bucket (with an "le" label),
// …_count or …_sum. Labels must equal the series' whole label set, constant
// labels included; "le" matches by value, so "128", "128.0" and "+Inf" work.
package stackpromtest

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Snapshot is a frozen copy of the series a gatherer held, the counterpart
// of django-prometheus's save_registry.
type Snapshot struct {
	g      prometheus.Gatherer
	series map[string][]sample
}

type sample struct {
	labels map[string]string
	value  float64
}

// Take gathers g now and keeps the result. It fails the test if g fails.
func Take(t testing.TB, g prometheus.Gatherer) *Snapshot {
	t.Helper()
	s, err := Gather(g)
	if err != nil {
		t.Fatalf("stackpromtest: gathering: %v", err)
	}
	return s
}

// Gather is Take outside a test: it returns the gatherer's error.
func Gather(g prometheus.Gatherer) (*Snapshot, error) {
	mfs, err := g.Gather()
	if err != nil {
		return nil, err
	}
	s := &Snapshot{g: g, series: map[string][]sample{}}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			s.add(mf, m)
		}
	}
	return s, nil
}

func (s *Snapshot) add(mf *dto.MetricFamily, m *dto.Metric) {
	labels := map[string]string{}
	for _, lp := range m.GetLabel() {
		labels[lp.GetName()] = lp.GetValue()
	}
	name := mf.GetName()
	put := func(name string, l map[string]string, v float64) {
		s.series[name] = append(s.series[name], sample{l, v})
	}
	switch mf.GetType() {
	case dto.MetricType_COUNTER:
		put(name, labels, m.GetCounter().GetValue())
	case dto.MetricType_GAUGE:
		put(name, labels, m.GetGauge().GetValue())
	case dto.MetricType_UNTYPED:
		put(name, labels, m.GetUntyped().GetValue())
	case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM:
		h := m.GetHistogram()
		put(name+"_count", labels, float64(h.GetSampleCount()))
		put(name+"_sum", labels, h.GetSampleSum())
		inf := false
		for _, b := range h.GetBucket() {
			put(name+"_bucket", withLE(labels, b.GetUpperBound()), float64(b.GetCumulativeCount()))
			inf = inf || math.IsInf(b.GetUpperBound(), 1)
		}
		if !inf {
			put(name+"_bucket", withLE(labels, math.Inf(1)), float64(h.GetSampleCount()))
		}
	case dto.MetricType_SUMMARY:
		put(name+"_count", labels, float64(m.GetSummary().GetSampleCount()))
		put(name+"_sum", labels, m.GetSummary().GetSampleSum())
	}
}

func withLE(l map[string]string, le float64) map[string]string {
	out := make(map[string]string, len(l)+1)
	for k, v := range l {
		out[k] = v
	}
	out["le"] = strconv.FormatFloat(le, 'g', -1, 64)
	return out
}

// Value returns the value of the series name with exactly these labels in
// the snapshot, and whether it exists.
func (s *Snapshot) Value(name string, labels prometheus.Labels) (float64, bool) {
	for _, smp := range s.series[name] {
		if match(smp.labels, labels) {
			return smp.value, true
		}
	}
	return 0, false
}

func match(have map[string]string, want prometheus.Labels) bool {
	if len(have) != len(want) {
		return false
	}
	for k, v := range want {
		h, ok := have[k]
		if !ok {
			return false
		}
		if k == "le" {
			hv, err1 := strconv.ParseFloat(h, 64)
			wv, err2 := strconv.ParseFloat(v, 64)
			if err1 != nil || err2 != nil || hv != wv {
				return false
			}
			continue
		}
		if h != v {
			return false
		}
	}
	return true
}

// Series lists every series of name in the snapshot, one per line, sorted,
// as `{a="1",b="2"} 3`.
func (s *Snapshot) Series(name string) string {
	var lines []string
	for _, smp := range s.series[name] {
		lines = append(lines, FormatLabels(smp.labels)+" "+strconv.FormatFloat(smp.value, 'g', -1, 64))
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		return "(no series)"
	}
	return strings.Join(lines, "\n")
}

// FormatLabels renders labels as {a="1",b="2"}, sorted by name.
func FormatLabels(l map[string]string) string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%q", k, l[k])
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// Value gathers g and returns the value of the series name with exactly
// these labels, and whether it exists.
func Value(t testing.TB, g prometheus.Gatherer, name string, labels prometheus.Labels) (float64, bool) {
	t.Helper()
	return Take(t, g).Value(name, labels)
}

// AssertValue fails the test unless the series name with these labels
// exists and equals want.
func AssertValue(t testing.TB, g prometheus.Gatherer, want float64, name string, labels prometheus.Labels) {
	t.Helper()
	now := Take(t, g)
	got, ok := now.Value(name, labels)
	if !ok || got != want {
		t.Errorf("%s%s = %s, want %v; the series of %s are:\n%s",
			name, FormatLabels(labels), show(got, ok), want, name, now.Series(name))
	}
}

// AssertDiff fails the test unless the series name with these labels exists
// now and has changed by exactly want since the snapshot; a series absent
// from the snapshot counts as 0 there.
func (s *Snapshot) AssertDiff(t testing.TB, want float64, name string, labels prometheus.Labels) {
	t.Helper()
	s.AssertCompare(t, func(before, after float64) bool { return after-before == want },
		fmt.Sprintf("change by %v", want), name, labels)
}

// AssertCompare fails the test unless the series exists now and pred(before,
// after) holds, with before 0 when the series was absent from the snapshot.
// what describes pred in the failure message ("at least 200 more").
func (s *Snapshot) AssertCompare(t testing.TB, pred func(before, after float64) bool, what, name string, labels prometheus.Labels) {
	t.Helper()
	now := Take(t, s.g)
	before, _ := s.Value(name, labels)
	after, ok := now.Value(name, labels)
	if !ok || !pred(before, after) {
		t.Errorf("%s%s: want %s, went from %v to %s; the series of %s are:\n%s",
			name, FormatLabels(labels), what, before, show(after, ok), name, now.Series(name))
	}
}

// Diff returns how much the series has changed since the snapshot (0 for a
// series absent in both).
func (s *Snapshot) Diff(t testing.TB, name string, labels prometheus.Labels) float64 {
	t.Helper()
	before, _ := s.Value(name, labels)
	after, _ := Value(t, s.g, name, labels)
	return after - before
}

func show(v float64, ok bool) string {
	if !ok {
		return "absent"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
