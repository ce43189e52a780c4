module github.com/fastmeter/fastmeter/metricz/internal/browsertest

go 1.26.0

// The fastmeter modules this one uses, from this checkout (a fresh clone
// builds with GOWORK=off too; go.work at the root lists every module).
replace (
	github.com/fastmeter/fastmeter => ../../..
	github.com/fastmeter/fastmeter/metricz => ../..
)

require (
	github.com/chromedp/cdproto v0.159.0
	github.com/chromedp/chromedp v0.23.0
	github.com/fastmeter/fastmeter v0.0.0-00010101000000-000000000000
	github.com/fastmeter/fastmeter/metricz v0.0.0-00010101000000-000000000000
	go.opentelemetry.io/otel v1.47.0
	go.opentelemetry.io/otel/metric v1.47.0
	go.opentelemetry.io/otel/sdk v1.47.0
	go.opentelemetry.io/otel/sdk/metric v1.47.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/go-logr/logr v1.4.4 // indirect
	github.com/go-logr/stdr v1.2.2 // indirect
	github.com/google/uuid v1.6.0 // indirect
	go.opentelemetry.io/auto/sdk v1.2.1 // indirect
	go.opentelemetry.io/otel/log v1.47.0 // indirect
	go.opentelemetry.io/otel/metric/x v0.69.0 // indirect
	go.opentelemetry.io/otel/trace v1.47.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
