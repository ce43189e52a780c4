package otlp_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/otlp"
)

// A fastmeter MeterProvider exporting through the native OTLP exporter; a
// local server stands in for the Collector.
func Example() {
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fmt.Println(r.Method, r.URL.Path, r.Header.Get("Content-Type"), len(body) > 0)
	}))
	defer receiver.Close()

	ctx := context.Background()
	exp, err := otlp.New(ctx,
		otlp.WithEndpointURL(receiver.URL+"/v1/metrics"), // http: no TLS
		otlp.WithGzip(),
	)
	if err != nil {
		panic(err)
	}
	mp := fastmeter.NewMeterProvider(fastmeter.WithReader(fastmeter.NewPeriodicReader(exp)))
	counter, _ := mp.Meter("example").Int64Counter("requests")
	counter.Add(ctx, 1)
	_ = mp.Shutdown(ctx) // the periodic reader exports once more on shutdown
	// Output: POST /v1/metrics application/x-protobuf true
}
