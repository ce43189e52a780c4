package otlp_test

import (
	"reflect"
	"testing"

	"github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/otlp"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func TestSelectors(t *testing.T) {
	def := newExporter(t)
	if got := def.Temporality(fastmeter.InstrumentKindCounter); got != metricdata.CumulativeTemporality {
		t.Errorf("default temporality %v", got)
	}
	if got, want := def.Aggregation(fastmeter.InstrumentKindHistogram), fastmeter.DefaultAggregationSelector(fastmeter.InstrumentKindHistogram); !reflect.DeepEqual(got, want) {
		t.Errorf("default aggregation %v, want %v", got, want)
	}
	exp := newExporter(t,
		otlp.WithTemporalitySelector(func(fastmeter.InstrumentKind) metricdata.Temporality { return metricdata.DeltaTemporality }),
		otlp.WithAggregationSelector(func(fastmeter.InstrumentKind) fastmeter.Aggregation { return fastmeter.AggregationDrop{} }))
	if got := exp.Temporality(fastmeter.InstrumentKindCounter); got != metricdata.DeltaTemporality {
		t.Errorf("temporality %v", got)
	}
	if _, ok := exp.Aggregation(fastmeter.InstrumentKindCounter).(fastmeter.AggregationDrop); !ok {
		t.Errorf("aggregation %T", exp.Aggregation(fastmeter.InstrumentKindCounter))
	}
}
