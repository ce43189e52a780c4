package main

import (
	"fmt"
	"image/color"

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

// chartBars are the headline comparisons the chart shows.
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

// chartColors per library, colour-blind friendly (Okabe-Ito).
var chartColors = map[string]color.Color{
	libFastmeter:  color.RGBA{0, 114, 178, 255},
	libOfficial:   color.RGBA{230, 159, 0, 255},
	libPrometheus: color.RGBA{0, 158, 115, 255},
}

// writeChart draws, for each headline comparison, every library's speed-up
// over the official SDK (official/library, higher is better; official = 1)
// as horizontal grouped bars, and saves it to file (format from the extension).
func writeChart(rs *results, file string) error {
	p := plot.New()
	p.Title.Text = "Speed-up over the official OTel Go SDK v1.47 (higher is better; official = 1)"
	p.X.Label.Text = "official ÷ library (ns/op, or B/series for memory)"
	// Bottom right: the memory and export rows there have the shortest bars.
	p.Legend.Top = false
	p.Legend.YOffs = vg.Points(4)

	libs := []string{libFastmeter, libOfficial, libPrometheus}
	labels := make([]string, len(chartBars))
	// The plot's first row is drawn at the bottom; reverse so the chart reads
	// top-down in chartBars order.
	for i, bar := range chartBars {
		labels[len(chartBars)-1-i] = bar.Label
	}
	const barWidth = 7
	drawn := 0
	for li, lib := range libs {
		values := make(plotter.Values, len(chartBars))
		measured := false
		for i, bar := range chartBars {
			v, ok1 := rs.value(bar.Workload, lib, bar.Case, bar.Unit)
			of, ok2 := rs.value(bar.Workload, libOfficial, bar.Case, bar.Unit)
			if ok1 && ok2 && v > 0 {
				values[len(chartBars)-1-i] = of / v
				measured = true
			}
		}
		if !measured {
			continue
		}
		bars, err := plotter.NewBarChart(values, vg.Points(barWidth))
		if err != nil {
			return err
		}
		bars.Horizontal = true
		bars.LineStyle.Width = 0
		bars.Color = chartColors[lib]
		// fastmeter on top of each group, then official, then client_golang.
		bars.Offset = vg.Points(float64(barWidth) * (1 - float64(li)))
		p.Add(bars)
		p.Legend.Add(lib, bars)
		drawn++
	}
	if drawn == 0 {
		return fmt.Errorf("nothing to chart")
	}
	p.NominalY(labels...)
	p.Y.Min, p.Y.Max = -0.7, float64(len(chartBars))-0.3 // room for the outer bars
	p.Add(plotter.NewGrid())
	return p.Save(24*vg.Centimeter, 20*vg.Centimeter, file)
}
