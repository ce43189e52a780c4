package aggregate

import (
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
)

// normalForms remembers, for one series table, the normalised form of the
// sets that needed normalising (duplicate map keys, invalid UTF-8): such a
// set is never stored in the table, so every measurement with it misses the
// lock-free lookup, and without the memo it would be normalised again each
// time — a scan, a repair and a new attribute.Set, about 1.6 µs and four
// allocations. With it a repeated bad set costs a lookup here and a second
// probe of the table, and is normalised once.
//
// Sets that need no normalising are not remembered, so the memo holds only
// bad input. It is bounded (a stream fed ever new bad sets stops
// remembering them and normalises each again) and cleared when the table
// compacts, so on a reclaiming stream it follows the active sets.
type normalForms struct {
	forms sync.Map // attribute.Distinct of the raw set -> *normalForm
	count atomic.Int64
	limit int64
}

type normalForm struct {
	set   attribute.Set
	fixes fixes
}

// defaultNormalFormsLimit bounds the memo of a table without a cardinality
// limit: the specification's default limit.
const defaultNormalFormsLimit = 2000

func newNormalForms(cardinalityLimit int) normalForms {
	limit := int64(cardinalityLimit)
	if limit <= 0 {
		limit = defaultNormalFormsLimit
	}
	return normalForms{limit: limit}
}

// of returns set's normalised form and what normalising fixed, or no fixes
// when set is already normal (then the returned set is meaningless).
// Distinct is an exact key: two raw sets share an entry only when their
// attributes are identical.
func (n *normalForms) of(set *attribute.Set) (attribute.Set, fixes) {
	key := set.Equivalent()
	if v, ok := n.forms.Load(key); ok {
		nf := v.(*normalForm)
		return nf.set, nf.fixes
	}
	norm, f := normalizedSet(set)
	if f != 0 && n.count.Add(1) <= n.limit {
		n.forms.Store(key, &normalForm{set: norm, fixes: f})
	}
	return norm, f
}

// clear forgets every remembered set.
func (n *normalForms) clear() {
	n.forms.Clear()
	n.count.Store(0)
}
