package wire

import (
	"encoding/base64"
	"encoding/hex"
	"math"
	"strconv"
	"unicode/utf8"
)

// jsonBuffer appends the OTLP JSON mapping of protobuf fields (the proto3
// JSON mapping with lowerCamelCase names, 64-bit integers as decimal
// strings, enums as integers, and trace and span ids as hex rather than
// base64) to a byte slice reused across exports.
//
// A comma goes before every member or element that does not directly follow
// the '{' or '[' that opened its object or array, so no nesting state is kept.
type jsonBuffer struct {
	b        []byte
	repaired int // strings with invalid UTF-8 repaired in the current request
}

func (j *jsonBuffer) sep() {
	if n := len(j.b); n > 0 && j.b[n-1] != '{' && j.b[n-1] != '[' {
		j.b = append(j.b, ',')
	}
}

// name starts member name; its value follows.
func (j *jsonBuffer) name(name string) {
	j.sep()
	j.b = append(j.b, '"')
	j.b = append(j.b, name...)
	j.b = append(j.b, '"', ':')
}

// object starts an object member (or, with name "", an array element).
func (j *jsonBuffer) object(name string) {
	if name == "" {
		j.sep()
	} else {
		j.name(name)
	}
	j.b = append(j.b, '{')
}

func (j *jsonBuffer) end()      { j.b = append(j.b, '}') }
func (j *jsonBuffer) endArray() { j.b = append(j.b, ']') }

// array starts an array member.
func (j *jsonBuffer) array(name string) {
	j.name(name)
	j.b = append(j.b, '[')
}

// str writes a string member, omitted when empty.
func (j *jsonBuffer) str(name, s string) {
	if s != "" {
		j.strAlways(name, s)
	}
}

func (j *jsonBuffer) strAlways(name, s string) {
	j.name(name)
	j.quote(s)
}

// quote writes s as a JSON string; bytes that are not UTF-8 become U+FFFD.
func (j *jsonBuffer) quote(s string) {
	j.b = append(j.b, '"')
	start, counted := 0, false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			j.b = append(j.b, s[start:i]...)
			switch c {
			case '"', '\\':
				j.b = append(j.b, '\\', c)
			case '\n':
				j.b = append(j.b, '\\', 'n')
			case '\r':
				j.b = append(j.b, '\\', 'r')
			case '\t':
				j.b = append(j.b, '\\', 't')
			default:
				j.b = append(j.b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			if !counted {
				j.repaired++
				counted = true
			}
			j.b = append(j.b, s[start:i]...)
			j.b = append(j.b, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	j.b = append(j.b, s[start:]...)
	j.b = append(j.b, '"')
}

const hexDigits = "0123456789abcdef"

// uint64Str writes a 64-bit unsigned member as a decimal string, omitted
// when zero.
func (j *jsonBuffer) uint64Str(name string, v uint64) {
	if v == 0 {
		return
	}
	j.name(name)
	j.b = append(j.b, '"')
	j.b = strconv.AppendUint(j.b, v, 10)
	j.b = append(j.b, '"')
}

// int64Str writes a 64-bit signed member as a decimal string, even when zero
// (it is only used for oneof members).
func (j *jsonBuffer) int64Str(name string, v int64) {
	j.name(name)
	j.b = append(j.b, '"')
	j.b = strconv.AppendInt(j.b, v, 10)
	j.b = append(j.b, '"')
}

// int32 writes a 32-bit member as a JSON number, omitted when zero.
func (j *jsonBuffer) int32(name string, v int32) {
	if v == 0 {
		return
	}
	j.name(name)
	j.b = strconv.AppendInt(j.b, int64(v), 10)
}

// enum writes an enum member as its integer, omitted when zero.
func (j *jsonBuffer) enum(name string, v uint64) {
	if v == 0 {
		return
	}
	j.name(name)
	j.b = strconv.AppendUint(j.b, v, 10)
}

// boolTrue writes a bool member that is true (false is the default).
func (j *jsonBuffer) boolAlways(name string, v bool) {
	j.name(name)
	j.b = strconv.AppendBool(j.b, v)
}

// double writes a double member, omitted when +0.
func (j *jsonBuffer) double(name string, v float64) {
	if math.Float64bits(v) == 0 {
		return
	}
	j.doubleAlways(name, v)
}

func (j *jsonBuffer) doubleAlways(name string, v float64) {
	j.name(name)
	j.doubleValue(v)
}

// doubleValue writes a JSON number, or the strings the mapping uses for
// NaN and the infinities.
func (j *jsonBuffer) doubleValue(v float64) {
	switch {
	case math.IsNaN(v):
		j.b = append(j.b, `"NaN"`...)
	case math.IsInf(v, 1):
		j.b = append(j.b, `"Infinity"`...)
	case math.IsInf(v, -1):
		j.b = append(j.b, `"-Infinity"`...)
	default:
		j.b = strconv.AppendFloat(j.b, v, 'g', -1, 64)
	}
}

// hexBytes writes bytes as lowercase hex (trace and span ids), omitted when
// empty.
func (j *jsonBuffer) hexBytes(name string, v []byte) {
	if len(v) == 0 {
		return
	}
	j.name(name)
	j.b = append(j.b, '"')
	j.b = hex.AppendEncode(j.b, v)
	j.b = append(j.b, '"')
}

// base64Always writes bytes in standard base64 (AnyValue.bytesValue).
func (j *jsonBuffer) base64Always(name string, v []byte) {
	j.name(name)
	j.b = append(j.b, '"')
	j.b = base64.StdEncoding.AppendEncode(j.b, v)
	j.b = append(j.b, '"')
}

// uint64Strs writes a repeated 64-bit unsigned member, omitted when empty.
func (j *jsonBuffer) uint64Strs(name string, vs []uint64) {
	if len(vs) == 0 {
		return
	}
	j.array(name)
	for i, v := range vs {
		if i > 0 {
			j.b = append(j.b, ',')
		}
		j.b = append(j.b, '"')
		j.b = strconv.AppendUint(j.b, v, 10)
		j.b = append(j.b, '"')
	}
	j.endArray()
}

// doubles writes a repeated double member, omitted when empty.
func (j *jsonBuffer) doubles(name string, vs []float64) {
	if len(vs) == 0 {
		return
	}
	j.array(name)
	for i, v := range vs {
		if i > 0 {
			j.b = append(j.b, ',')
		}
		j.doubleValue(v)
	}
	j.endArray()
}
