package benchmarks

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/embedded"
)

// libMinimal names the reference counter below in benchmark names.
const libMinimal = "minimal"

// minimalCounter is not a library: it is the least work any collision-safe
// SDK must do for an attributed Counter.Add on an existing series, written
// as directly as Go allows, to put a floor under the per-call target on the
// machine at hand. It implements metric.Int64Counter, so the benchmark loop
// and the interface call are exactly those of the SDKs, and per Add it does
// only this: read the set out of the single option, probe one slot by the
// hash the API stored in the set, confirm the hit by storage identity or one
// byte comparison of the attribute arrays (the comparison collision safety
// requires), and add atomically. No validation, no exemplar decision, no
// probe chain, no cardinality limit, no collection: it cannot be used for
// anything else, and the report shows it only next to the cases it
// measures (precomputed-set and per-call-sdk-share, serial).
//
// It reads attribute.Set and the option through their memory layout, as
// fastmeter does after verifying it; newMinimalCounter refuses to run when
// the layout is not the one it expects.
type minimalCounter struct {
	embedded.Int64Counter
	slots [minimalSlots]atomic.Pointer[minimalSeries]
	mu    sync.Mutex // inserts (warm-up only)
}

const minimalSlots = 64 // a power of two

// minimalSeries is one series: its set's hash and attribute array, and the count.
type minimalSeries struct {
	hash  uint64
	typ   unsafe.Pointer // the array's type word
	data  unsafe.Pointer // the array
	size  int            // the array's size in bytes
	count atomic.Int64
}

// setWords is attribute.Set's layout: its hash, then its array as an interface.
type setWords struct {
	hash uint64
	typ  unsafe.Pointer
	data unsafe.Pointer
}

// optionWords is a non-empty interface value: the option's itab and data
// pointer, whose first field is the attribute.Set.
type optionWords struct {
	itab unsafe.Pointer
	data unsafe.Pointer
}

func newMinimalCounter() (*minimalCounter, error) {
	probe := attribute.NewSet(attribute.String("a", "b"))
	var opt metric.AddOption = metric.WithAttributeSet(probe)
	w := (*optionWords)(unsafe.Pointer(&opt))
	if reflect.TypeFor[attribute.Set]().Size() != unsafe.Sizeof(setWords{}) ||
		(*setWords)(w.data).hash != (*setWords)(unsafe.Pointer(&probe)).hash {
		return nil, errNotAvailable
	}
	return &minimalCounter{}, nil
}

// Add counts v into the series of the single option's set.
func (c *minimalCounter) Add(_ context.Context, v int64, opts ...metric.AddOption) {
	set := (*setWords)((*optionWords)(unsafe.Pointer(&opts[0])).data)
	s := c.slots[set.hash&(minimalSlots-1)].Load()
	if s == nil || s.hash != set.hash || s.typ != set.typ ||
		(s.data != set.data && unsafe.String((*byte)(s.data), s.size) != unsafe.String((*byte)(set.data), s.size)) {
		c.insert(set, v)
		return
	}
	s.count.Add(v)
}

// insert creates the set's series (the warm-up's first Add).
func (c *minimalCounter) insert(set *setWords, v int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	slot := &c.slots[set.hash&(minimalSlots-1)]
	if slot.Load() != nil {
		panic("minimalCounter holds one series per slot: only for the single-set workloads")
	}
	array := *(*any)(unsafe.Pointer(&set.typ))
	s := &minimalSeries{hash: set.hash, typ: set.typ, data: set.data, size: int(reflect.TypeOf(array).Size())}
	s.count.Add(v)
	slot.Store(s)
}

// Enabled is always true.
func (c *minimalCounter) Enabled(context.Context) bool { return true }

// minimalCounterCases are the cases the reference counter runs.
var minimalCounterCases = []attrCase{precomputedSet, perCallSDKShare}
