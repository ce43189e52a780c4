package main

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// chartBar is one group of bars: a workload case every library ran.
type chartBar struct {
	Label    string
	Workload string
	Case     string
	Unit     string // lower is better
}

// chartBars are the headline comparisons the chart shows, top to bottom. The
// bound case is not among them: the official SDK has no Bind to compare with.
var chartBars = []chartBar{
	{"Counter.Add no attrs", "CounterAdd", "no-attrs/serial", "ns/op"},
	{"Counter.Add precomputed set", "CounterAdd", "precomputed-set/serial", "ns/op"},
	{"Counter.Add precomputed set, 2 goroutines", "CounterAdd", "precomputed-set/parallel", "ns/op"},
	{"Counter.Add WithAttributes per call", "CounterAdd", "per-call-attrs/serial", "ns/op"},
	{"Counter.Add 1000 sets rotating", "CounterAdd", "rotating-1000-sets/serial", "ns/op"},
	{"Histogram.Record precomputed set", "HistogramRecord", "precomputed-set/serial", "ns/op"},
	{"Exp. histogram Record precomputed set", "ExpHistogramRecord", "precomputed-set/serial", "ns/op"},
	{"Gauge.Record precomputed set", "GaugeRecord", "precomputed-set/serial", "ns/op"},
	{"Collect 1000 counter series", "Collect", "counter/cumulative/1000-series", "ns/op"},
	{"Collect 1000 histogram series", "Collect", "histogram/cumulative/1000-series", "ns/op"},
	{"Memory per counter series", "MemoryPerSeries", "counter/10000-series", "B/series"},
	{"Memory per histogram series", "MemoryPerSeries", "histogram/10000-series", "B/series"},
	{"OTLP export 10 000 series", "Export", "counter/10000-series", "ns/op"},
}

// chartLibraries are drawn against the official SDK, the baseline.
var chartLibraries = []string{libFastmeter, libPrometheus}

// chartColors per library, colour-blind friendly (Okabe-Ito).
var chartColors = map[string]color.Color{
	libFastmeter:  color.RGBA{0, 114, 178, 255},
	libPrometheus: color.RGBA{0, 158, 115, 255},
}

// writeChart draws each library's speed-up over the official SDK (official ÷
// library, of ns/op or B/series) as horizontal grouped bars on a log scale
// centred on the official SDK: bars to the right are faster, to the left
// slower. It saves to file; the format follows the extension (.svg, .png).
//
// The bars plot log10(speed-up) on a linear axis with "×" tick labels,
// because gonum's log scale cannot draw bars that start at zero.
func writeChart(rs *results, file string) error {
	p := plot.New()
	p.Title.Text = "Speed-up over the official OTel Go SDK v1.47 (log scale; right of 1× is faster)"
	p.X.Label.Text = "official ÷ library (ns/op; B/series for memory)"
	p.Legend.Top = false
	p.Legend.Left = false
	p.Legend.YOffs = vg.Points(4)

	n := len(chartBars)
	labels := make([]string, n)
	// The first category is drawn at the bottom: reverse so the chart reads
	// top-down in chartBars order.
	row := func(i int) int { return n - 1 - i }
	for i, bar := range chartBars {
		labels[row(i)] = bar.Label
	}
	const barWidth = 8
	lo, hi := 0.0, 0.0
	drawn := 0
	for li, lib := range chartLibraries {
		values := make(plotter.Values, n)
		var marks plotter.XYLabels
		for i, bar := range chartBars {
			v, ok1 := rs.value(bar.Workload, lib, bar.Case, bar.Unit)
			of, ok2 := rs.value(bar.Workload, libOfficial, bar.Case, bar.Unit)
			if !ok1 || !ok2 || v <= 0 || of <= 0 {
				continue
			}
			speedup := of / v
			values[row(i)] = math.Log10(speedup)
			lo, hi = math.Min(lo, values[row(i)]), math.Max(hi, values[row(i)])
			marks.XYs = append(marks.XYs, plotter.XY{X: math.Max(values[row(i)], 0), Y: float64(row(i))})
			marks.Labels = append(marks.Labels, speedupLabel(speedup))
		}
		if len(marks.Labels) == 0 {
			continue
		}
		bars, err := plotter.NewBarChart(values, vg.Points(barWidth))
		if err != nil {
			return err
		}
		bars.Horizontal = true
		bars.LineStyle.Width = 0
		bars.Color = chartColors[lib]
		// fastmeter above client_golang within each group.
		offset := vg.Points(float64(barWidth) * (0.5 - float64(li)))
		bars.Offset = offset
		p.Add(bars)
		p.Legend.Add(lib, bars)

		text, err := plotter.NewLabels(marks)
		if err != nil {
			return err
		}
		for i := range text.TextStyle {
			text.TextStyle[i].Font.Size = vg.Points(7)
			text.TextStyle[i].YAlign = -0.5
		}
		text.Offset = vg.Point{X: vg.Points(3), Y: offset}
		p.Add(text)
		drawn++
	}
	if drawn == 0 {
		return fmt.Errorf("nothing to chart")
	}
	baseline, err := plotter.NewLine(plotter.XYs{{X: 0, Y: -0.7}, {X: 0, Y: float64(n) - 0.3}})
	if err != nil {
		return err
	}
	baseline.Color = color.RGBA{230, 159, 0, 255}
	baseline.Width = vg.Points(1.5)
	p.Add(baseline)
	p.Legend.Add("official (1×)", baseline)

	p.NominalY(labels...)
	p.Y.Min, p.Y.Max = -0.7, float64(n)-0.3 // room for the outer bars
	p.X.Min, p.X.Max = math.Floor(lo*2)/2-0.25, math.Ceil(hi*2)/2+0.5
	p.X.Tick.Marker = speedupTicks{}
	p.Add(plotter.NewGrid())
	return p.Save(26*vg.Centimeter, 22*vg.Centimeter, file)
}

// speedupLabel formats a speed-up for the end of its bar.
func speedupLabel(s float64) string {
	if s < 10 {
		return strconv.FormatFloat(s, 'f', 1, 64) + "×"
	}
	return strconv.FormatFloat(s, 'f', 0, 64) + "×"
}

// speedupTicks labels a log10 axis with the speed-ups 1-2-5 per decade.
type speedupTicks struct{}

func (speedupTicks) Ticks(min, max float64) []plot.Tick {
	var ticks []plot.Tick
	for decade := math.Floor(min); decade <= math.Ceil(max); decade++ {
		for _, m := range []float64{1, 2, 5} {
			v := decade + math.Log10(m)
			if v < min || v > max {
				continue
			}
			label := strconv.FormatFloat(m*math.Pow(10, decade), 'f', -1, 64) + "×"
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
	}
	return ticks
}
