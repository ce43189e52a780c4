package prometheus

import (
	"bytes"
	"io"
	"math"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/model"
)

// textFlushSize is how much a textWriter buffers before writing to the
// response.
const textFlushSize = 32 << 10

// helpEscaper and helpQuotedEscaper escape HELP text as expfmt's text and
// OpenMetrics encoders do.
var (
	helpEscaper       = strings.NewReplacer("\\", `\\`, "\n", `\n`)
	helpQuotedEscaper = labelValueEscaper
)

// textWriter writes translated families in the Prometheus text format 0.0.4
// or in OpenMetrics 1.0, producing exactly the bytes expfmt's encoders
// produce for the same families (TestFastWriterMatchesExpfmt). It prints
// each series' cached label block instead of formatting its labels, and
// builds no escaped copy of the families: it only runs when every name is
// legacy-valid, which makes expfmt's escaping a no-op (see fastScrape).
type textWriter struct {
	responseBuffer
	openMetrics bool
}

// responseBuffer is the output side of the fast writers: they append to buf,
// which is written to out whenever it holds textFlushSize bytes; err is the
// first write error, after which nothing more is written.
type responseBuffer struct {
	buf []byte
	out io.Writer
	err error
}

// start begins a response to out.
func (b *responseBuffer) start(out io.Writer) {
	b.out, b.err, b.buf = out, nil, b.buf[:0]
}

// flush writes the buffered bytes.
func (b *responseBuffer) flush() {
	if b.err == nil && len(b.buf) > 0 {
		_, b.err = b.out.Write(b.buf)
	}
	b.buf = b.buf[:0]
}

// finish flushes the response and returns its first write error.
func (b *responseBuffer) finish() error {
	b.flush()
	b.out = nil
	return b.err
}

// flushIfFull flushes once the buffer holds textFlushSize bytes, and
// reports whether writing can go on.
func (b *responseBuffer) flushIfFull() bool {
	if len(b.buf) >= textFlushSize {
		b.flush()
	}
	return b.err == nil
}

// writeFamilies writes every family (and OpenMetrics' final # EOF) to out,
// returning the first write error.
func (w *textWriter) writeFamilies(out io.Writer, families []*family) error {
	w.start(out)
	for _, f := range families {
		w.family(f)
		if w.err != nil {
			break
		}
	}
	if w.openMetrics && w.err == nil {
		w.buf = append(w.buf, "# EOF\n"...)
	}
	return w.finish()
}

// family writes one family's metadata and samples.
func (w *textWriter) family(f *family) {
	mf := f.mf
	name, typ := mf.GetName(), mf.GetType()
	metadataName, typeName := name, ""
	switch typ {
	case dto.MetricType_COUNTER:
		typeName = "counter"
		if w.openMetrics {
			// OpenMetrics names a counter family without its _total
			// suffix, and calls a counter without one unknown.
			if base, ok := strings.CutSuffix(name, "_total"); ok {
				metadataName = base
			} else {
				typeName = "unknown"
			}
		}
	case dto.MetricType_GAUGE:
		typeName = "gauge"
	case dto.MetricType_HISTOGRAM:
		typeName = "histogram"
	case dto.MetricType_SUMMARY:
		typeName = "summary"
	default:
		typeName = "unknown"
		if !w.openMetrics {
			typeName = "untyped"
		}
	}
	if mf.Help != nil {
		w.buf = append(w.buf, "# HELP "...)
		w.buf = append(w.buf, metadataName...)
		w.buf = append(w.buf, ' ')
		w.buf = appendEscaped(w.buf, mf.GetHelp(), w.openMetrics)
		w.buf = append(w.buf, '\n')
	}
	w.buf = append(w.buf, "# TYPE "...)
	w.buf = append(w.buf, metadataName...)
	w.buf = append(w.buf, ' ')
	w.buf = append(w.buf, typeName...)
	w.buf = append(w.buf, '\n')

	for i, m := range mf.Metric {
		labels := f.labels[i].text
		switch typ {
		case dto.MetricType_COUNTER:
			w.sampleFloat(name, "", labels, m.Counter.GetValue(), false, 0)
			if w.openMetrics {
				w.exemplar(m.Counter.Exemplar)
			}
			w.buf = append(w.buf, '\n')
		case dto.MetricType_GAUGE:
			w.sampleFloat(name, "", labels, m.Gauge.GetValue(), false, 0)
			w.buf = append(w.buf, '\n')
		case dto.MetricType_HISTOGRAM:
			w.histogram(name, labels, m.Histogram)
		case dto.MetricType_SUMMARY:
			w.summary(name, labels, m.Summary)
		default:
			w.sampleFloat(name, "", labels, m.Untyped.GetValue(), false, 0)
			w.buf = append(w.buf, '\n')
		}
		if !w.flushIfFull() {
			return
		}
	}
}

func (w *textWriter) histogram(name string, labels []byte, h *dto.Histogram) {
	infSeen := false
	for _, b := range h.Bucket {
		w.sampleCount(name, "_bucket", labels, b.GetCumulativeCount(), model.BucketLabel, b.GetUpperBound())
		if w.openMetrics {
			w.exemplar(b.Exemplar)
		}
		w.buf = append(w.buf, '\n')
		infSeen = infSeen || math.IsInf(b.GetUpperBound(), 1)
	}
	if !infSeen {
		w.sampleCount(name, "_bucket", labels, h.GetSampleCount(), model.BucketLabel, math.Inf(1))
		w.buf = append(w.buf, '\n')
	}
	w.sampleFloat(name, "_sum", labels, h.GetSampleSum(), false, 0)
	w.buf = append(w.buf, '\n')
	w.sampleCount(name, "_count", labels, h.GetSampleCount(), "", 0)
	w.buf = append(w.buf, '\n')
}

func (w *textWriter) summary(name string, labels []byte, s *dto.Summary) {
	for _, q := range s.Quantile {
		w.sampleFloat(name, "", labels, q.GetValue(), true, q.GetQuantile())
		w.buf = append(w.buf, '\n')
	}
	w.sampleFloat(name, "_sum", labels, s.GetSampleSum(), false, 0)
	w.buf = append(w.buf, '\n')
	w.sampleCount(name, "_count", labels, s.GetSampleCount(), "", 0)
	w.buf = append(w.buf, '\n')
}

// sampleFloat writes a sample line with a float value, without its newline
// (an OpenMetrics exemplar may follow). quantile adds a quantile label.
func (w *textWriter) sampleFloat(name, suffix string, labels []byte, v float64, quantile bool, q float64) {
	extra := ""
	if quantile {
		extra = model.QuantileLabel
	}
	w.nameAndLabels(name, suffix, labels, extra, q)
	w.buf = append(w.buf, ' ')
	w.buf = w.appendFloat(w.buf, v)
}

// sampleCount writes a sample line with a count value: an integer in
// OpenMetrics, a float in the text format. extra, when set, is the name of
// a label (le) whose value is extraValue.
func (w *textWriter) sampleCount(name, suffix string, labels []byte, count uint64, extra string, extraValue float64) {
	w.nameAndLabels(name, suffix, labels, extra, extraValue)
	w.buf = append(w.buf, ' ')
	if w.openMetrics || count < maxPlainInteger {
		w.buf = strconv.AppendUint(w.buf, count, 10)
	} else {
		w.buf = appendTextFloat(w.buf, float64(count))
	}
}

func (w *textWriter) nameAndLabels(name, suffix string, labels []byte, extra string, extraValue float64) {
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, suffix...)
	if len(labels) == 0 && extra == "" {
		return
	}
	w.buf = append(w.buf, '{')
	w.buf = append(w.buf, labels...)
	if extra != "" {
		if len(labels) > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = append(w.buf, extra...)
		w.buf = append(w.buf, '=', '"')
		w.buf = w.appendFloat(w.buf, extraValue)
		w.buf = append(w.buf, '"')
	}
	w.buf = append(w.buf, '}')
}

// exemplar writes an OpenMetrics exemplar after a sample.
func (w *textWriter) exemplar(e *dto.Exemplar) {
	if e == nil || len(e.Label) == 0 {
		return
	}
	w.buf = append(w.buf, " # {"...)
	for i, l := range e.Label {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = appendLabel(w.buf, l.GetName(), l.GetValue())
	}
	w.buf = append(w.buf, "} "...)
	w.buf = appendOpenMetricsFloat(w.buf, e.GetValue())
	if e.Timestamp != nil {
		if err := e.Timestamp.CheckValid(); err != nil {
			// expfmt stops the response here; so does the writer.
			if w.err == nil {
				w.err = err
			}
			return
		}
		w.buf = append(w.buf, ' ')
		w.buf = appendOpenMetricsFloat(w.buf, float64(e.Timestamp.AsTime().UnixNano())/1e9)
	}
}

func (w *textWriter) appendFloat(dst []byte, f float64) []byte {
	if w.openMetrics {
		return appendOpenMetricsFloat(dst, f)
	}
	return appendTextFloat(dst, f)
}

// maxPlainInteger bounds the integers strconv's shortest 'g' format prints
// as plain digits: from 1e6 on it switches to an exponent (1e+06).
const maxPlainInteger = 1e6

// isPlainInteger reports whether f is an integer that the 'g' format prints
// as its digits, which strconv.AppendInt then prints faster.
func isPlainInteger(f float64) bool {
	return f > -maxPlainInteger && f < maxPlainInteger && f == math.Trunc(f)
}

// appendTextFloat formats f as the text format does.
func appendTextFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "+Inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-Inf"...)
	case f == 0:
		return append(dst, '0') // also for -0, as expfmt prints it
	case isPlainInteger(f):
		return strconv.AppendInt(dst, int64(f), 10)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

// appendOpenMetricsFloat formats f as OpenMetrics does: like the text
// format, with ".0" added to numbers that would read as integers.
func appendOpenMetricsFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return appendTextFloat(dst, f)
	}
	if f == 0 {
		return append(dst, "0.0"...)
	}
	if isPlainInteger(f) {
		return append(strconv.AppendInt(dst, int64(f), 10), '.', '0')
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'g', -1, 64)
	if !bytes.ContainsAny(dst[start:], "e.") {
		dst = append(dst, '.', '0')
	}
	return dst
}

// appendEscaped appends HELP text escaped for the format.
func appendEscaped(dst []byte, s string, openMetrics bool) []byte {
	if !strings.ContainsAny(s, "\\\n\"") {
		return append(dst, s...)
	}
	if openMetrics {
		return append(dst, helpQuotedEscaper.Replace(s)...)
	}
	return append(dst, helpEscaper.Replace(s)...)
}
