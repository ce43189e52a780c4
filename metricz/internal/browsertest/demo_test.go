package browsertest

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDemoPageInBrowser builds and runs the demo a user runs (go run
// ./cmd/fastmeter-demo), opens its live page in headless Chromium and checks
// what issue 17 asked for on real data: rates in the instrument's unit
// (go.memory.allocated in B/s, KiB/s or MiB/s; process.cpu.time as a
// duration per second), sparklines that span the width while the history
// fills, no script error and nothing loaded from elsewhere. It takes the
// screenshot README.md shows: set METRICZ_SCREENSHOT=$PWD/docs/metricz.png
// (from the repository root) to keep it.
func TestDemoPageInBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	demoDir, err := filepath.Abs(filepath.Join("..", "..", "..", "cmd", "fastmeter-demo"))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "fastmeter-demo")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = demoDir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the demo: %v\n%s", err, out)
	}
	demo := exec.Command(bin, "-addr", "127.0.0.1:0", "-summary", "0")
	demo.Env = os.Environ()
	for _, kv := range os.Environ() { // a plain run: no exporter, the SDK on
		if strings.HasPrefix(kv, "OTEL_") {
			name, _, _ := strings.Cut(kv, "=")
			demo.Env = append(demo.Env, name+"=")
		}
	}
	stdout, err := demo.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	demo.Stderr = os.Stderr
	if err := demo.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = demo.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = demo.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = demo.Process.Kill()
			<-done
		}
	})
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "fastmeter demo listening on "); ok {
				listening <- u
			}
		}
	}()
	var base string
	select {
	case base = <-listening:
	case <-time.After(60 * time.Second):
		t.Fatal("the demo did not start listening")
	}

	ctx, browser := startBrowser(t, chromium)
	const (
		allocRate = `[data-instrument="go.memory.allocated"] .rate`
		cpuRate   = `[data-instrument="process.cpu.time"] .rate`
		p99       = `[data-instrument="http.server.request.duration"] .p99`
	)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/debug/metricz"), chromedp.WaitVisible(chromedp.CSS(p99))); err != nil {
		t.Fatalf("loading the demo's page: %v", err)
	}
	waitFor(t, ctx, "rates and percentiles", func() bool {
		texts := readTexts(t, ctx, allocRate, cpuRate, p99)
		return numberText.MatchString(texts[allocRate]) && numberText.MatchString(texts[cpuRate]) && numberText.MatchString(texts[p99])
	})
	texts := readTexts(t, ctx, allocRate, cpuRate)
	if !byteRate.MatchString(texts[allocRate]) {
		t.Errorf("go.memory.allocated rate %q, want B/s, KiB/s or MiB/s", texts[allocRate])
	}
	if !durationRate.MatchString(texts[cpuRate]) {
		t.Errorf("process.cpu.time rate %q, want a duration per second (µs/s, ms/s or s/s)", texts[cpuRate])
	}
	checkSparklineStartsAtLeft(t, ctx, `[data-instrument="http.server.request.count"] svg.spark path.line`)

	shotPath := os.Getenv("METRICZ_SCREENSHOT")
	if shotPath != "" {
		// Sparklines with some history make a better picture.
		waitFor(t, ctx, "30 collections", func() bool { return collections(t, base) >= 30 })
	} else {
		shotPath = filepath.Join(t.TempDir(), "metricz.png")
	}
	takeScreenshot(t, ctx, shotPath)

	problems, _ := browser.problems(base)
	for _, p := range problems {
		t.Error(p)
	}
}
