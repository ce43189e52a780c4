package fastmeter

import (
	"reflect"

	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// exportInBatches passes rm to export in one call, or, when maxPoints > 0,
// in as many sequential calls as needed so that none carries more than
// maxPoints data points. A metric with more points than that is split
// across calls.
func exportInBatches(rm *metricdata.ResourceMetrics, maxPoints int, export func(*metricdata.ResourceMetrics) error) error {
	if maxPoints <= 0 || countPoints(rm) <= maxPoints {
		return export(rm)
	}
	batch := metricdata.ResourceMetrics{Resource: rm.Resource}
	room := maxPoints
	flush := func() error {
		if len(batch.ScopeMetrics) == 0 {
			return nil
		}
		err := export(&batch)
		batch.ScopeMetrics = nil
		room = maxPoints
		return err
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			for rest := m; ; {
				part, remaining, ok := splitMetric(rest, room)
				if ok {
					appendMetric(&batch, sm, part)
					room -= pointCount(part.Data)
				}
				if !remaining.hasPoints {
					break
				}
				if err := flush(); err != nil {
					return err
				}
				rest = remaining.metric
			}
			if room == 0 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

type remainder struct {
	metric    metricdata.Metrics
	hasPoints bool
}

// appendMetric adds m to the batch under scope sm, reusing the last scope
// entry when it is the same scope.
func appendMetric(batch *metricdata.ResourceMetrics, sm metricdata.ScopeMetrics, m metricdata.Metrics) {
	n := len(batch.ScopeMetrics)
	if n == 0 || batch.ScopeMetrics[n-1].Scope != sm.Scope {
		batch.ScopeMetrics = append(batch.ScopeMetrics, metricdata.ScopeMetrics{Scope: sm.Scope})
		n++
	}
	batch.ScopeMetrics[n-1].Metrics = append(batch.ScopeMetrics[n-1].Metrics, m)
}

func countPoints(rm *metricdata.ResourceMetrics) int {
	n := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			n += pointCount(m.Data)
		}
	}
	return n
}

// pointCount is the number of data points in an aggregation. Every
// metricdata aggregation keeps them in a DataPoints slice; batching is off the
// hot path, so reflection keeps this to one rule instead of a case per type.
func pointCount(a metricdata.Aggregation) int {
	if pts, ok := dataPoints(a); ok {
		return pts.Len()
	}
	return 1
}

func dataPoints(a metricdata.Aggregation) (reflect.Value, bool) {
	v := reflect.ValueOf(a)
	if !v.IsValid() || v.Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	pts := v.FieldByName("DataPoints")
	return pts, pts.IsValid() && pts.Kind() == reflect.Slice
}

// splitMetric returns the first room points of m (ok=false when room is 0)
// and the rest.
func splitMetric(m metricdata.Metrics, room int) (metricdata.Metrics, remainder, bool) {
	if room <= 0 {
		return metricdata.Metrics{}, remainder{metric: m, hasPoints: pointCount(m.Data) > 0}, false
	}
	total := pointCount(m.Data)
	if total <= room {
		return m, remainder{}, true
	}
	head, tail := m, m
	head.Data, tail.Data = splitData(m.Data, room)
	return head, remainder{metric: tail, hasPoints: true}, true
}

// splitData returns copies of a holding its first k data points and the rest.
func splitData(a metricdata.Aggregation, k int) (metricdata.Aggregation, metricdata.Aggregation) {
	pts, ok := dataPoints(a)
	if !ok {
		return a, nil
	}
	head := reflect.New(reflect.TypeOf(a)).Elem()
	head.Set(reflect.ValueOf(a))
	tail := reflect.New(reflect.TypeOf(a)).Elem()
	tail.Set(reflect.ValueOf(a))
	head.FieldByName("DataPoints").Set(pts.Slice3(0, k, k))
	tail.FieldByName("DataPoints").Set(pts.Slice(k, pts.Len()))
	return head.Interface().(metricdata.Aggregation), tail.Interface().(metricdata.Aggregation)
}
