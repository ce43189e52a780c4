package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/internal/realcomponent"
	"github.com/fastmeter/fastmeter/metricz"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
)

// chromiumPath finds Debian's chromium (installed by
// scripts/install-chromium.sh). Without it the browser test fails in CI and
// is skipped elsewhere.
func chromiumPath(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("CHROMIUM_PATH"), "/usr/bin/chromium", "/usr/bin/chromium-browser"}
	for _, p := range candidates {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	msg := "headless Chromium not found (looked for $CHROMIUM_PATH, /usr/bin/chromium); run scripts/install-chromium.sh"
	realcomponent.Missing(t, msg) // fails under CI=true
	return ""
}

// startWorkload drives a small web-server-like set of instruments until ctx
// ends. Latencies grow with time so that percentiles visibly move.
func startWorkload(ctx context.Context, mp *sdkmetric.MeterProvider) *sync.WaitGroup {
	meter := mp.Meter("demo/http.server", metric.WithInstrumentationVersion("0.1.0"))
	requests, _ := meter.Int64Counter("http.server.request.count", metric.WithUnit("{request}"),
		metric.WithDescription("HTTP requests served, by route and status"))
	active, _ := meter.Int64UpDownCounter("http.server.active_requests", metric.WithUnit("{request}"),
		metric.WithDescription("Requests being served right now"))
	duration, _ := meter.Float64Histogram("http.server.request.duration", metric.WithUnit("s"),
		metric.WithDescription("Time to serve a request"),
		metric.WithExplicitBucketBoundaries(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5))
	size, _ := meter.Int64Histogram("http.server.response.body.size", metric.WithUnit("By"),
		metric.WithDescription("Size of response bodies"))
	sent, _ := meter.Int64Counter("http.server.bytes_sent", metric.WithUnit("By"),
		metric.WithDescription("Bytes written to clients"))
	load, _ := meter.Float64Gauge("demo.client.target_rate", metric.WithUnit("{request}/s"),
		metric.WithDescription("Request rate the load generator aims for"))

	runtimeMeter := mp.Meter("demo/runtime")
	_, _ = runtimeMeter.Int64ObservableGauge("go.goroutine.count", metric.WithUnit("{goroutine}"),
		metric.WithDescription("Live goroutines"),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			o.Observe(int64(runtime.NumGoroutine()))
			return nil
		}))
	_, _ = runtimeMeter.Int64ObservableUpDownCounter("go.memory.used", metric.WithUnit("By"),
		metric.WithDescription("Heap memory in use"),
		metric.WithInt64Callback(func(_ context.Context, o metric.Int64Observer) error {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			o.Observe(int64(ms.HeapAlloc))
			return nil
		}))

	// A series whose attribute value is markup: it must show as text.
	probe, _ := mp.Meter("zz/security").Int64Counter("xss.probe")
	probe.Add(ctx, 1, metric.WithAttributes(attribute.String("payload", `<script>window.__metriczXSS=1</script><img src=x onerror="window.__metriczXSS=2">`)))
	many, _ := mp.Meter("zz/security").Int64Counter("zz.many.series")
	for i := range 60 {
		many.Add(ctx, 1, metric.WithAttributes(attribute.Int("i", i)))
	}

	routes := []string{"/api/cart", "/api/checkout", "/api/search"}
	start := time.Now()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(7, 11))
		var prevInFlight int64
		ticker := time.NewTicker(20 * time.Millisecond)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
			}
			elapsed := time.Since(start).Seconds()
			load.Record(ctx, 200+50*math.Sin(elapsed/3))
			sent.Add(ctx, 30<<10) // 30 KiB per 20 ms tick: about 1.5 MiB/s
			inFlight := int64(rng.IntN(6))
			active.Add(ctx, inFlight-prevInFlight)
			prevInFlight = inFlight
			for range 5 {
				route := routes[rng.IntN(len(routes))]
				status := 200
				if rng.IntN(20) == 0 {
					status = 500
				}
				attrs := metric.WithAttributes(attribute.String("http.route", route),
					attribute.String("http.request.method", "GET"), attribute.Int("http.response.status_code", status))
				requests.Add(ctx, 1, attrs)
				median := 0.02 * (1 + elapsed/4)
				duration.Record(ctx, median*math.Exp(rng.NormFloat64()*0.6), metric.WithAttributes(attribute.String("http.route", route)))
				size.Record(ctx, int64(500+rng.ExpFloat64()*3000))
			}
		}
	}()
	return &wg
}

var (
	numberText = regexp.MustCompile(`\d`)
	binaryRate = regexp.MustCompile(`^[\d.,]+ (KiB|MiB)/s$`)
	plainRate  = regexp.MustCompile(`^[\d.,]+ /s$`)
	// byteRate and durationRate: the units a rate of By and of s counters
	// may be shown in.
	byteRate     = regexp.MustCompile(`^[\d.,]+ (B|KiB|MiB|GiB)/s$`)
	durationRate = regexp.MustCompile(`^[\d.,]+ (µs|ms|s)/s$`)
)

// checkSparklineStartsAtLeft checks that the first sparkline matching
// selector starts its line at x = 0, that is at the first sample, even when
// the history is not full yet.
func checkSparklineStartsAtLeft(t *testing.T, ctx context.Context, selector string) {
	t.Helper()
	var d string
	waitFor(t, ctx, "a sparkline with two points", func() bool {
		d = readAttr(t, ctx, selector, "d")
		return strings.Count(d, "L") >= 1
	})
	if !strings.HasPrefix(d, "M0.0 ") {
		t.Errorf("sparkline %s starts at %.20q, want the first sample at x=0", selector, d)
	}
}

// readAttr returns an attribute of the first element matching selector.
func readAttr(t *testing.T, ctx context.Context, selector, attr string) string {
	t.Helper()
	js := `(() => { const e = document.querySelector(` + jsString(selector) + `); return e ? (e.getAttribute(` + jsString(attr) + `) || '') : ''; })()`
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("reading %s of %s: %v", attr, selector, err)
	}
	return v
}

// TestBrowserRendersLiveData loads the page in headless Chromium and checks
// on the rendered DOM that instruments, values and percentiles appear and
// then change without a reload, that markup in attribute values stays
// text, that pause, expand and filter work, and that the page loads nothing
// from elsewhere. It takes a screenshot to a temporary file;
// TestDemoPageInBrowser takes the one README.md shows.
func TestBrowserRendersLiveData(t *testing.T) {
	chromium := chromiumPath(t)
	// Self-observability on: the page's own provider becomes the global
	// one below, and receives the SDK's metrics about itself.
	t.Setenv("OTEL_GO_X_OBSERVABILITY", "true")

	const history = 40
	h := metricz.New(metricz.WithInterval(250*time.Millisecond), metricz.WithHistory(history))
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(h),
		sdkmetric.WithResource(resource.NewSchemaless(attribute.String("service.name", "checkout"), attribute.String("service.version", "1.4.2"))),
		sdkmetric.WithView(
			sdkmetric.NewView(sdkmetric.Instrument{Name: "http.server.request.duration"}, sdkmetric.Stream{}),
			sdkmetric.NewView(sdkmetric.Instrument{Name: "http.server.request.duration"}, sdkmetric.Stream{
				Name:        "http.server.request.duration.exponential",
				Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20},
			}),
		),
	)
	otel.SetMeterProvider(mp)
	observeSelf(t)
	workCtx, stopWork := context.WithCancel(context.Background())
	work := startWorkload(workCtx, mp)
	t.Cleanup(func() {
		stopWork()
		work.Wait()
		_ = mp.Shutdown(context.Background())
	})

	mux := http.NewServeMux()
	mux.Handle("/debug/metricz", h)
	srv := httptest.NewServer(mux) // listens on 127.0.0.1
	t.Cleanup(srv.Close)

	ctx, browser := startBrowser(t, chromium)

	const (
		counterValue = `[data-instrument="http.server.request.count"] .value`
		counterRate  = `[data-instrument="http.server.request.count"] .rate`
		histP50      = `[data-instrument="http.server.request.duration"] .p50`
		histP99      = `[data-instrument="http.server.request.duration"] .p99`
		expP99       = `[data-instrument="http.server.request.duration.exponential"] .p99`
		bars         = `[data-instrument="http.server.request.duration"] svg.buckets rect`
	)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/debug/metricz"),
		chromedp.WaitVisible(chromedp.CSS(histP99)),
		chromedp.WaitVisible(chromedp.CSS(expP99)),
	); err != nil {
		t.Fatalf("loading the page: %v", err)
	}

	// Wait for a collection with data in every percentile cell.
	var first map[string]string
	waitFor(t, ctx, "percentiles to be estimated", func() bool {
		first = readTexts(t, ctx, counterValue, histP50, histP99, expP99)
		for _, v := range first {
			if !numberText.MatchString(v) {
				return false
			}
		}
		return true
	})
	t.Logf("first reading: %q", first)

	// Rates are in the instrument's unit (issue 17): bytes as KiB/s or
	// MiB/s, not a raw number of bytes per second.
	const bytesRate = `[data-instrument="http.server.bytes_sent"] .rate`
	waitFor(t, ctx, "a rate for the byte counter", func() bool {
		return numberText.MatchString(readTexts(t, ctx, bytesRate)[bytesRate])
	})
	if rate := readTexts(t, ctx, bytesRate)[bytesRate]; !binaryRate.MatchString(rate) {
		t.Errorf("byte counter rate %q, want KiB/s or MiB/s", rate)
	}
	if rate := readTexts(t, ctx, counterRate)[counterRate]; !plainRate.MatchString(rate) {
		t.Errorf("{request} counter rate %q, want a plain number per second", rate)
	}
	// While the history fills, a sparkline spans the whole width from its
	// first sample instead of being a stub at the right edge.
	checkSparklineStartsAtLeft(t, ctx, `[data-instrument="http.server.request.count"] svg.spark path.line`)

	nBars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+bars+`').length`))
	if err != nil || nBars < 3 {
		t.Errorf("histogram bucket bars: %d (%v)", nBars, err)
	}

	// Live refresh: the values change without a navigation.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__notReloaded = true`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the counter and the p99 to change", func() bool {
		now := readTexts(t, ctx, counterValue, histP99)
		return now[counterValue] != first[counterValue] && now[histP99] != first[histP99] && numberText.MatchString(now[histP99])
	})
	notReloaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__notReloaded === true`))
	if err != nil || !notReloaded {
		t.Errorf("the page reloaded instead of updating in place (%v)", err)
	}

	// The markup in an attribute value is shown as text and never ran. The
	// page redraws every interval, so DOM reads are single script
	// evaluations: a node looked up by a first call could be gone by a
	// second one.
	probeText := readTexts(t, ctx, `[data-instrument="xss.probe"] .attr`)[`[data-instrument="xss.probe"] .attr`]
	xss, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.__metriczXSS !== undefined`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(probeText, "<script>window.__metriczXSS=1</script>") || xss {
		t.Errorf("attribute markup: shown as %q, executed: %v", probeText, xss)
	}

	// The SDK's metrics about itself have a section of their own, after
	// the application's scopes, and only they are in it.
	checkSelfObservabilitySection(t, ctx)

	// The page states the memory cap.
	if limits := readTexts(t, ctx, `#limits`)[`#limits`]; !strings.Contains(limits, "Memory cap: at most 2,000 series × 40 points") {
		t.Errorf("the page must state its memory cap: %q", limits)
	}

	// The screenshot code path, tested here; README's picture is taken from
	// the demo by TestDemoPageInBrowser.
	takeScreenshot(t, ctx, filepath.Join(t.TempDir(), "metricz.png"))

	// Pause stops the redraws (and makes the nodes below stable for the
	// clicks): the counter keeps counting on the server, not on the page.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#pause`))); err != nil {
		t.Fatal(err)
	}
	pausedAt := readTexts(t, ctx, counterValue)[counterValue]
	for since := collections(t, srv.URL); collections(t, srv.URL) < since+4; {
		time.Sleep(100 * time.Millisecond)
	}
	if now := readTexts(t, ctx, counterValue)[counterValue]; now != pausedAt {
		t.Errorf("the paused page redrew: %q then %q", pausedAt, now)
	}

	// Big instruments show their first rows until asked for all.
	const manyRows = `[data-instrument="zz.many.series"] tr`
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+manyRows+`').length`)); err != nil || n != 50 {
		t.Errorf("rows before expanding: %d (%v); want 50", n, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-instrument="zz.many.series"] button.more`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "all 60 rows after expanding", func() bool {
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+manyRows+`').length`))
		return err == nil && n == 60
	})

	// The filter box narrows the page.
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#filter`), "runtime")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the filter to hide non-matching instruments", func() bool {
		// The application's instruments (the self-observability section
		// lists series of every stream, "demo/runtime"'s too).
		shown, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll('#scopes > section.scope [data-instrument]')).map(e => e.dataset.instrument)`))
		if err != nil {
			t.Fatal(err)
		}
		return len(shown) == 2 && strings.Join(shown, ",") == "go.goroutine.count,go.memory.used"
	})

	// Everything came from the test server: no CDN, no remote asset, no
	// blocked load, no script error.
	problems, jsonFetches := browser.problems(srv.URL)
	for _, p := range problems {
		t.Error(p)
	}
	if jsonFetches < 2 {
		t.Errorf("the page fetched its JSON %d times; live refresh fetches it every interval", jsonFetches)
	}
	// And the watch would have seen a remote asset: ask for one (to a
	// documentation address, which the page's CSP blocks anyway).
	const canary = "http://192.0.2.1/canary.png"
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
		`(() => { const i = new Image(); i.src = '`+canary+`'; document.body.append(i); return true; })()`)); err != nil {
		t.Fatal(err)
	}
	var seen []string
	waitFor(t, ctx, "the browser watch to notice a remote asset", func() bool {
		seen, _ = browser.problems(srv.URL)
		return strings.Contains(strings.Join(seen, "\n"), "192.0.2.1")
	})
	t.Logf("the watch noticed the canary: %q", seen)
}

// startBrowser starts headless Chromium, with a 90 s budget for the test,
// and watches what the pages it loads do.
func startBrowser(t *testing.T, chromium string) (context.Context, *browserEvents) {
	t.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1360, 1000),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancelCtx := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancelCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	browser, err := watchBrowser(ctx)
	if err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}

	return ctx, browser
}

// browserEvents records what the page did that the DOM does not show: the
// requests it sent, the scripts errors it raised and the browser's console
// log (where Content-Security-Policy violations are reported).
type browserEvents struct {
	mu         sync.Mutex
	requests   []string
	exceptions []string
	logs       []string
}

func watchBrowser(ctx context.Context) (*browserEvents, error) {
	ev := &browserEvents{}
	err := chromedp.Listen(ctx, func(e any) {
		ev.mu.Lock()
		defer ev.mu.Unlock()
		switch e := e.(type) {
		case *network.EventRequestWillBeSent:
			ev.requests = append(ev.requests, e.Request.URL)
		case *cdpruntime.EventExceptionThrown:
			d := e.ExceptionDetails
			text := fmt.Sprintf("%s at %d:%d", d.Text, d.LineNumber+1, d.ColumnNumber+1)
			if d.Exception != nil {
				text += ": " + d.Exception.Description
			}
			ev.exceptions = append(ev.exceptions, text)
		case *cdplog.EventEntryAdded:
			ev.logs = append(ev.logs, string(e.Entry.Level)+" "+string(e.Entry.Source)+": "+e.Entry.Text)
		}
	})
	return ev, err
}

// problems lists the requests outside origin, the script errors and the
// Content-Security-Policy violations seen so far, and how many times the
// page fetched its JSON.
func (ev *browserEvents) problems(origin string) (problems []string, jsonFetches int) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	for _, u := range ev.requests {
		switch {
		case !strings.HasPrefix(u, origin+"/"):
			problems = append(problems, "request outside "+origin+": "+u)
		case strings.Contains(u, "format=json"):
			jsonFetches++
		}
	}
	for _, e := range ev.exceptions {
		problems = append(problems, "script error: "+e)
	}
	for _, l := range ev.logs {
		if strings.Contains(l, "Content Security Policy") || strings.HasPrefix(l, "error javascript") {
			problems = append(problems, "browser log: "+l)
		}
	}
	return problems, jsonFetches
}

// distinctColors counts the distinct colours of img, sampling a grid of
// step×step pixels.
func distinctColors(img image.Image, step int) int {
	seen := map[color.Color]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += step {
		for x := b.Min.X; x < b.Max.X; x += step {
			seen[img.At(x, y)] = true
		}
	}
	return len(seen)
}

// collections returns how many collections the handler served at base has
// applied, as its JSON snapshot reports them. The test reads the count from
// the server, not from the page, so it works while the page is paused; its
// requests do not come from the browser, so the browser watch never sees them.
func collections(t *testing.T, base string) uint64 {
	t.Helper()
	resp, err := http.Get(base + "/debug/metricz?format=json")
	if err != nil {
		t.Fatalf("reading the JSON snapshot: %v", err)
	}
	defer resp.Body.Close()
	var snap struct {
		Collections uint64 `json:"collections"`
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("reading the JSON snapshot: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil {
		t.Fatalf("decoding the JSON snapshot: %v", err)
	}
	return snap.Collections
}

// readTexts returns the text of the first element matching each selector.
func readTexts(t *testing.T, ctx context.Context, selectors ...string) map[string]string {
	t.Helper()
	out := make(map[string]string, len(selectors))
	for _, sel := range selectors {
		js := `(() => { const e = document.querySelector(` + jsString(sel) + `); return e ? e.textContent : ''; })()`
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("reading %s: %v", sel, err)
		}
		out[sel] = text
	}
	return out
}

func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// waitFor polls cond every 100ms until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Screenshot size: tall enough to show the histograms too.
const shotW, shotH = 1360, 1700

// takeScreenshot saves a shotW×shotH PNG of the page to path, checking it
// is a picture and not a blank page.
func takeScreenshot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(shotW, shotH)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond) // one more page refresh at the new size
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if img, err := png.Decode(bytes.NewReader(shot)); err != nil || img.Bounds().Dx() != shotW || img.Bounds().Dy() != shotH {
		t.Errorf("screenshot is not a %dx%d PNG: %v", shotW, shotH, err)
	} else if colors := distinctColors(img, 64); colors < 8 {
		t.Errorf("screenshot looks blank: %d distinct colours", colors)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot saved to %s (%d bytes)", path, len(shot))
}

// observeSelf makes a reader that reports to the global provider (the
// page's) and collects it once, with one invalid measurement, so the
// self-observability section has the official reader metric and
// fastmeter's counters to show.
func observeSelf(t *testing.T) {
	t.Helper()
	r := sdkmetric.NewManualReader()
	other := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r))
	t.Cleanup(func() { _ = other.Shutdown(context.Background()) })
	c, _ := other.Meter("other").Int64Counter("other.count")
	c.Add(context.Background(), -1) // dropped as invalid, and counted
	if err := r.Collect(context.Background(), &metricdata.ResourceMetrics{}); err != nil {
		t.Fatal(err)
	}
}

// checkSelfObservabilitySection checks the rendered self-observability
// section: its title, the official reader metric and fastmeter's counters
// in it, placed after every application scope, with no application
// instrument inside.
func checkSelfObservabilitySection(t *testing.T, ctx context.Context) {
	t.Helper()
	var got struct {
		Title       string   `json:"title"`
		Instruments []string `json:"instruments"`
		Last        bool     `json:"last"`
		AppInside   bool     `json:"appInside"`
	}
	waitFor(t, ctx, "the self-observability section", func() bool {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
			const sec = document.getElementById('self-observability');
			if (!sec) return '{}';
			return JSON.stringify({
				title: sec.querySelector('h2').textContent,
				instruments: Array.from(sec.querySelectorAll('[data-instrument]')).map(e => e.dataset.instrument),
				last: sec === document.getElementById('scopes').lastElementChild,
				appInside: !!sec.querySelector('[data-instrument="http.server.request.count"]'),
			});
		})()`))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(v), &got); err != nil {
			t.Fatal(err)
		}
		return slices.Contains(got.Instruments, "otel.sdk.metric_reader.collection.duration") &&
			slices.Contains(got.Instruments, "fastmeter.measurement.invalid") &&
			slices.Contains(got.Instruments, "fastmeter.metric_reader.stream.series")
	})
	if got.Title != "Self-observability" || !got.Last || got.AppInside {
		t.Errorf("self-observability section: %+v", got)
	}
}
