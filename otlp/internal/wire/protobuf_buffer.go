package wire

import (
	"math"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// protoBuffer appends protobuf fields to a byte slice reused across exports.
//
// Nested messages are length-prefixed. Rather than sizing every message in a
// first pass, open reserves one byte for the length and close writes it once
// the body is known; a body of 128 bytes or more needs a longer varint, and
// close shifts the body right to make room. Most leaf messages (attributes,
// data points) fit in one byte; the few large ones (a metric with thousands
// of points) are shifted once each, a single memmove.
type protoBuffer struct {
	b        []byte
	cache    attrCache // data points' encoded attribute sets (attr_cache.go)
	repaired int       // strings with invalid UTF-8 repaired in the current request

	// The histogram bounds last encoded in this request (protobuf.go, bounds).
	lastBounds    *float64
	lastBoundsLen int
	boundsBytes   []byte

	// The body lengths of the metrics of this request and of the previous
	// one, in order: the guess of a metric's length width (protobuf.go, metric).
	metricLens, prevMetricLens []int
}

// open starts a length-delimited field and returns the offset close needs;
// it reserves one byte for the length.
func (p *protoBuffer) open(num protowire.Number) int { return p.openReserving(num, 1) }

// openReserving starts a length-delimited field reserving width bytes for
// the length: 2 for messages that usually reach 128 bytes (histogram data
// points), so close need not shift them.
func (p *protoBuffer) openReserving(num protowire.Number, width int) int {
	p.b = protowire.AppendTag(p.b, num, protowire.BytesType)
	at := len(p.b)
	p.b = append(p.b, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)[:at+width]
	return at<<4 | width // the offset and the reserved width in one int
}

// close ends the field opened at mark by writing its body's length there,
// moving the body when the length's varint is not the width reserved.
func (p *protoBuffer) close(mark int) {
	at, reserved := mark>>4, mark&0xf
	n := len(p.b) - at - reserved
	if reserved == 1 && n < 0x80 {
		p.b[at] = byte(n)
		return
	}
	width := protowire.SizeVarint(uint64(n))
	if width != reserved {
		if width > reserved {
			p.b = append(p.b, make([]byte, width-reserved)...) // no allocation when capacity allows
		}
		copy(p.b[at+width:], p.b[at+reserved:at+reserved+n])
		p.b = p.b[:at+width+n]
	}
	protowire.AppendVarint(p.b[at:at], uint64(n))
}

// str writes a string field, omitted when empty (proto3 default).
func (p *protoBuffer) str(num protowire.Number, s string) {
	if s == "" {
		return
	}
	p.strAlways(num, s)
}

// strAlways writes a string field even when empty (a oneof member).
// Protobuf strings must be UTF-8 (receivers reject the whole request
// otherwise), so invalid bytes are written as U+FFFD, as the JSON encoder
// writes them, and counted in repaired.
func (p *protoBuffer) strAlways(num protowire.Number, s string) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
		p.repaired++
	}
	p.b = protowire.AppendTag(p.b, num, protowire.BytesType)
	p.b = protowire.AppendString(p.b, s)
}

// bytes writes a bytes field, omitted when empty.
func (p *protoBuffer) bytes(num protowire.Number, v []byte) {
	if len(v) == 0 {
		return
	}
	p.bytesAlways(num, v)
}

// bytesAlways writes a bytes field even when empty (a oneof member).
func (p *protoBuffer) bytesAlways(num protowire.Number, v []byte) {
	p.b = protowire.AppendTag(p.b, num, protowire.BytesType)
	p.b = protowire.AppendBytes(p.b, v)
}

// varint writes a varint field, omitted when zero.
func (p *protoBuffer) varint(num protowire.Number, v uint64) {
	if v == 0 {
		return
	}
	p.varintAlways(num, v)
}

// varintAlways writes a varint field even when zero (a oneof member).
func (p *protoBuffer) varintAlways(num protowire.Number, v uint64) {
	p.b = protowire.AppendTag(p.b, num, protowire.VarintType)
	p.b = protowire.AppendVarint(p.b, v)
}

// sint32 writes a zigzag-encoded sint32 field, omitted when zero.
func (p *protoBuffer) sint32(num protowire.Number, v int32) {
	p.varint(num, protowire.EncodeZigZag(int64(v)))
}

// fixed64 writes a fixed64 field, omitted when zero.
func (p *protoBuffer) fixed64(num protowire.Number, v uint64) {
	if v == 0 {
		return
	}
	p.fixed64Always(num, v)
}

// fixed64Always writes a fixed64 field even when zero (a oneof member or a
// proto3 optional field, whose presence matters).
func (p *protoBuffer) fixed64Always(num protowire.Number, v uint64) {
	p.b = protowire.AppendTag(p.b, num, protowire.Fixed64Type)
	p.b = protowire.AppendFixed64(p.b, v)
}

// double writes a double field, omitted when +0 (proto3 default; -0 is kept,
// as the official marshaller keeps it).
func (p *protoBuffer) double(num protowire.Number, v float64) {
	p.fixed64(num, math.Float64bits(v))
}

// doubleAlways writes a double field even when zero.
func (p *protoBuffer) doubleAlways(num protowire.Number, v float64) {
	p.fixed64Always(num, math.Float64bits(v))
}

// packedFixed64 writes a packed repeated fixed64 field, omitted when empty.
func (p *protoBuffer) packedFixed64(num protowire.Number, vs []uint64) {
	if len(vs) == 0 {
		return
	}
	p.b = protowire.AppendTag(p.b, num, protowire.BytesType)
	p.b = protowire.AppendVarint(p.b, uint64(8*len(vs)))
	for _, v := range vs {
		p.b = protowire.AppendFixed64(p.b, v)
	}
}

// packedDouble writes a packed repeated double field, omitted when empty.
func (p *protoBuffer) packedDouble(num protowire.Number, vs []float64) {
	if len(vs) == 0 {
		return
	}
	p.b = protowire.AppendTag(p.b, num, protowire.BytesType)
	p.b = protowire.AppendVarint(p.b, uint64(8*len(vs)))
	for _, v := range vs {
		p.b = protowire.AppendFixed64(p.b, math.Float64bits(v))
	}
}

// packedVarint writes a packed repeated uint64 field, omitted when empty.
func (p *protoBuffer) packedVarint(num protowire.Number, vs []uint64) {
	if len(vs) == 0 {
		return
	}
	size := 0
	for _, v := range vs {
		size += protowire.SizeVarint(v)
	}
	p.b = protowire.AppendTag(p.b, num, protowire.BytesType)
	p.b = protowire.AppendVarint(p.b, uint64(size))
	for _, v := range vs {
		p.b = protowire.AppendVarint(p.b, v)
	}
}

// protoNum is a protobuf field number.
type protoNum = protowire.Number
