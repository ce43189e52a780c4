package otelconf

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"time"

	conf "go.opentelemetry.io/contrib/otelconf"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"google.golang.org/grpc/credentials"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/internal/otlpenv"
	"github.com/fastmeter/fastmeter/otlp"
)

// pushExporter builds the one exporter a periodic reader's exporter entry
// names: for otlp_http and otlp_grpc fastmeter's native OTLP exporter, or
// the official ones when chosen (WithOfficialOTLPExporter,
// OTEL_GO_FASTMETER_OTLP_EXPORTER=official); for console stdoutmetric. Like
// the official exporters under otelconf, the OTLP exporters still read their
// OTEL_EXPORTER_OTLP_* variables; what the file says comes after and wins.
func (b *builder) pushExporter(e conf.PushMetricExporter, path string) (sdkmetric.Exporter, error) {
	var kinds []string
	if e.Console != nil {
		kinds = append(kinds, "console")
	}
	if e.OTLPHttp != nil {
		kinds = append(kinds, "otlp_http")
	}
	if e.OTLPGrpc != nil {
		kinds = append(kinds, "otlp_grpc")
	}
	if extra, ok := e.AdditionalProperties.(map[string]any); ok {
		for name := range extra {
			return nil, unsupported(child(path, name), "unknown exporter (fastmeter supports console, otlp_http, otlp_grpc)")
		}
	}
	switch len(kinds) {
	case 0:
		return nil, pathErrorf(path, "no exporter configured (one of console, otlp_http, otlp_grpc)")
	case 1:
	default:
		return nil, pathErrorf(path, "more than one exporter configured: %v", kinds)
	}
	switch {
	case e.Console != nil:
		return b.consoleExporter(e.Console, child(path, "console"))
	case e.OTLPHttp != nil:
		return b.otlpHTTPExporter(e.OTLPHttp, child(path, "otlp_http"))
	default:
		return b.otlpGRPCExporter(e.OTLPGrpc, child(path, "otlp_grpc"))
	}
}

func (b *builder) consoleExporter(c *conf.ConsoleMetricExporter, path string) (sdkmetric.Exporter, error) {
	enc := json.NewEncoder(b.consoleWriter)
	enc.SetIndent("", "  ") // as otelconf prints it
	opts := []stdoutmetric.Option{stdoutmetric.WithEncoder(enc)}
	temporality, err := temporalitySelector(c.TemporalityPreference, child(path, "temporality_preference"))
	if err != nil {
		return nil, err
	}
	if temporality != nil {
		opts = append(opts, stdoutmetric.WithTemporalitySelector(temporality))
	}
	aggregation, err := histogramAggregationSelector(c.DefaultHistogramAggregation, child(path, "default_histogram_aggregation"))
	if err != nil {
		return nil, err
	}
	if aggregation != nil {
		opts = append(opts, stdoutmetric.WithAggregationSelector(aggregation))
	}
	exp, err := stdoutmetric.New(opts...)
	if err != nil {
		return nil, &PathError{Path: path, Err: err}
	}
	return exp, nil
}

// otlpExporter is what an otlp_http or otlp_grpc entry asks for, resolved
// from the file, before an exporter is chosen to send it. Unset entries keep
// their zero value, leaving the exporter's default or its
// OTEL_EXPORTER_OTLP_* variable in force.
type otlpExporter struct {
	grpc, json  bool
	host        string // endpoint host:port ("" unset)
	urlPath     string // HTTP
	insecure    bool   // plaintext asked for (http:// or tls.insecure)
	compression string // "gzip", "none" or "" (unset)
	common      otlpCommon
	tls         *tls.Config
}

// otlpHTTPExporter builds an otlp_http entry's exporter.
func (b *builder) otlpHTTPExporter(c *conf.OTLPHttpMetricExporter, path string) (sdkmetric.Exporter, error) {
	var e otlpExporter
	official, err := b.useOfficialOTLP()
	if err != nil {
		return nil, err
	}
	if c.Encoding != nil {
		switch *c.Encoding {
		case conf.OTLPHttpEncodingProtobuf:
		case conf.OTLPHttpEncodingJson:
			if official {
				return nil, unsupported(child(path, "encoding"), "value %q with the official OTLP/HTTP exporter, which "+
					"sends protobuf (fastmeter's native exporter, the default, sends json)", *c.Encoding)
			}
			e.json = true
		default:
			return nil, unsupported(child(path, "encoding"), "value %q (protobuf or json)", *c.Encoding)
		}
	}
	if c.Endpoint != nil {
		u, err := url.ParseRequestURI(*c.Endpoint)
		if err != nil || u.Host == "" {
			return nil, pathErrorf(child(path, "endpoint"), "not a URL such as http://localhost:4318/v1/metrics: %q", *c.Endpoint)
		}
		e.host, e.insecure, e.urlPath = u.Host, u.Scheme == "http", u.Path
	}
	if e.compression, err = compression(c.Compression, child(path, "compression")); err != nil {
		return nil, err
	}
	if e.common, err = otlpSettings(c.Timeout, c.Headers, c.HeadersList, c.TemporalityPreference, c.DefaultHistogramAggregation, path); err != nil {
		return nil, err
	}
	if c.Tls != nil {
		if e.tls, err = tlsConfig(c.Tls.CaFile, c.Tls.CertFile, c.Tls.KeyFile, child(path, "tls")); err != nil {
			return nil, err
		}
	}
	return b.buildOTLP(e, path)
}

// otlpGRPCExporter builds an otlp_grpc entry's exporter.
func (b *builder) otlpGRPCExporter(c *conf.OTLPGrpcMetricExporter, path string) (sdkmetric.Exporter, error) {
	e := otlpExporter{grpc: true}
	e.insecure = c.Tls != nil && c.Tls.Insecure != nil && *c.Tls.Insecure
	if c.Endpoint != nil {
		u, err := url.ParseRequestURI(*c.Endpoint)
		switch {
		case err == nil && u.Host != "":
			e.host = u.Host
			if u.Scheme == "http" {
				e.insecure = true
			} else if u.Scheme == "https" {
				e.insecure = false
			}
		case *c.Endpoint != "":
			// host:port without a scheme, as otelconf accepts it.
			e.host = *c.Endpoint
		default:
			return nil, pathErrorf(child(path, "endpoint"), "empty")
		}
	}
	var err error
	if e.compression, err = compression(c.Compression, child(path, "compression")); err != nil {
		return nil, err
	}
	if e.common, err = otlpSettings(c.Timeout, c.Headers, c.HeadersList, c.TemporalityPreference, c.DefaultHistogramAggregation, path); err != nil {
		return nil, err
	}
	if c.Tls != nil && !e.insecure {
		if e.tls, err = tlsConfig(c.Tls.CaFile, c.Tls.CertFile, c.Tls.KeyFile, child(path, "tls")); err != nil {
			return nil, err
		}
	}
	return b.buildOTLP(e, path)
}

// compression validates an exporter's compression entry.
func compression(c *string, path string) (string, error) {
	if c == nil {
		return "", nil
	}
	if *c != "gzip" && *c != "none" {
		return "", unsupported(path, "value %q (gzip or none)", *c)
	}
	return *c, nil
}

// buildOTLP builds the exporter for e: fastmeter's native one unless the
// official ones were chosen. Either reads its OTEL_EXPORTER_OTLP_*
// variables itself first, as under contrib otelconf; what the file says
// comes after and wins.
func (b *builder) buildOTLP(e otlpExporter, path string) (sdkmetric.Exporter, error) {
	official, err := b.useOfficialOTLP()
	if err != nil {
		return nil, err
	}
	var exp sdkmetric.Exporter
	switch {
	case !official:
		exp, err = nativeOTLP(b.ctx, e)
	case e.grpc:
		exp, err = officialOTLPGRPC(b.ctx, e)
	default:
		exp, err = officialOTLPHTTP(b.ctx, e)
	}
	if err != nil {
		return nil, &PathError{Path: path, Err: err}
	}
	return exp, nil
}

// useOfficialOTLP says whether the OTLP exporters are the official ones:
// WithOfficialOTLPExporter, else OTEL_GO_FASTMETER_OTLP_EXPORTER (read only
// when the file configures an OTLP exporter).
func (b *builder) useOfficialOTLP() (bool, error) {
	if b.officialOTLP {
		return true, nil
	}
	official, err := otlpenv.OfficialFromEnv()
	if err != nil {
		return false, fmt.Errorf("otelconf: %w", err)
	}
	return official, nil
}

// nativeOTLP builds fastmeter's exporter (github.com/fastmeter/fastmeter/otlp).
func nativeOTLP(ctx context.Context, e otlpExporter) (sdkmetric.Exporter, error) {
	opts := []otlp.Option{otlp.WithProtocol(otlp.HTTPProtobuf)}
	switch {
	case e.grpc:
		opts[0] = otlp.WithProtocol(otlp.GRPC)
	case e.json:
		opts[0] = otlp.WithProtocol(otlp.HTTPJSON)
	}
	if e.host != "" {
		opts = append(opts, otlp.WithEndpoint(e.host))
	}
	if e.urlPath != "" {
		opts = append(opts, otlp.WithURLPath(e.urlPath))
	}
	if e.insecure {
		opts = append(opts, otlp.WithInsecure())
	}
	switch e.compression {
	case "gzip":
		opts = append(opts, otlp.WithGzip())
	case "none":
		opts = append(opts, otlp.WithNoCompression())
	}
	opts = append(opts, otlpOptions(e.common, otlp.WithTimeout, otlp.WithHeaders,
		otlp.WithTemporalitySelector, otlp.WithAggregationSelector)...)
	if e.tls != nil {
		opts = append(opts, otlp.WithTLSConfig(e.tls))
	}
	return otlp.New(ctx, opts...)
}

// officialOTLPHTTP builds the official otlpmetrichttp exporter.
func officialOTLPHTTP(ctx context.Context, e otlpExporter) (sdkmetric.Exporter, error) {
	var opts []otlpmetrichttp.Option
	if e.host != "" {
		opts = append(opts, otlpmetrichttp.WithEndpoint(e.host))
	}
	if e.insecure {
		opts = append(opts, otlpmetrichttp.WithInsecure())
	}
	if e.urlPath != "" {
		opts = append(opts, otlpmetrichttp.WithURLPath(e.urlPath))
	}
	switch e.compression {
	case "gzip":
		opts = append(opts, otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression))
	case "none":
		opts = append(opts, otlpmetrichttp.WithCompression(otlpmetrichttp.NoCompression))
	}
	opts = append(opts, otlpOptions(e.common, otlpmetrichttp.WithTimeout, otlpmetrichttp.WithHeaders,
		otlpmetrichttp.WithTemporalitySelector, otlpmetrichttp.WithAggregationSelector)...)
	if e.tls != nil {
		opts = append(opts, otlpmetrichttp.WithTLSClientConfig(e.tls))
	}
	return otlpmetrichttp.New(ctx, opts...)
}

// officialOTLPGRPC builds the official otlpmetricgrpc exporter.
func officialOTLPGRPC(ctx context.Context, e otlpExporter) (sdkmetric.Exporter, error) {
	var opts []otlpmetricgrpc.Option
	if e.host != "" {
		opts = append(opts, otlpmetricgrpc.WithEndpoint(e.host))
	}
	if e.insecure {
		opts = append(opts, otlpmetricgrpc.WithInsecure())
	}
	if e.compression == "gzip" {
		opts = append(opts, otlpmetricgrpc.WithCompressor("gzip"))
	}
	opts = append(opts, otlpOptions(e.common, otlpmetricgrpc.WithTimeout, otlpmetricgrpc.WithHeaders,
		otlpmetricgrpc.WithTemporalitySelector, otlpmetricgrpc.WithAggregationSelector)...)
	if e.tls != nil {
		opts = append(opts, otlpmetricgrpc.WithTLSCredentials(credentials.NewTLS(e.tls)))
	}
	return otlpmetricgrpc.New(ctx, opts...)
}

// otlpCommon are the settings both OTLP exporters share, resolved from the
// file; zero values mean unset (the exporter's default).
type otlpCommon struct {
	timeout     time.Duration
	headers     map[string]string
	temporality sdkmetric.TemporalitySelector
	aggregation sdkmetric.AggregationSelector
}

// otlpSettings resolves the entries both OTLP exporter kinds share. A
// timeout of 0 means the exporter's default, as in otelconf.
func otlpSettings(timeoutMillis *int, headers []conf.NameStringValuePair, headersList *string,
	temporality *conf.ExporterTemporalityPreference, histograms *conf.ExporterDefaultHistogramAggregation, path string,
) (otlpCommon, error) {
	var out otlpCommon
	var err error
	if timeoutMillis != nil {
		out.timeout = time.Duration(*timeoutMillis) * time.Millisecond
	}
	if out.headers, err = exporterHeaders(headers, headersList, path); err != nil {
		return otlpCommon{}, err
	}
	if out.temporality, err = temporalitySelector(temporality, child(path, "temporality_preference")); err != nil {
		return otlpCommon{}, err
	}
	if out.aggregation, err = histogramAggregationSelector(histograms, child(path, "default_histogram_aggregation")); err != nil {
		return otlpCommon{}, err
	}
	return out, nil
}

// otlpOptions turns the shared settings into one exporter package's
// options, given that package's option constructors.
func otlpOptions[O any](c otlpCommon,
	withTimeout func(time.Duration) O,
	withHeaders func(map[string]string) O,
	withTemporality func(sdkmetric.TemporalitySelector) O,
	withAggregation func(sdkmetric.AggregationSelector) O,
) []O {
	var opts []O
	if c.timeout > 0 {
		opts = append(opts, withTimeout(c.timeout))
	}
	if len(c.headers) > 0 {
		opts = append(opts, withHeaders(c.headers))
	}
	if c.temporality != nil {
		opts = append(opts, withTemporality(c.temporality))
	}
	if c.aggregation != nil {
		opts = append(opts, withAggregation(c.aggregation))
	}
	return opts
}

// exporterHeaders merges headers_list ("k=v,k2=v2", percent-encoded as in
// OTEL_EXPORTER_OTLP_HEADERS) with headers, which win on a shared name.
func exporterHeaders(headers []conf.NameStringValuePair, list *string, path string) (map[string]string, error) {
	out := make(map[string]string)
	if list != nil && *list != "" {
		members, err := baggage.Parse(*list)
		if err != nil {
			return nil, pathErrorf(child(path, "headers_list"), "not a list of name=value pairs: %v", err)
		}
		for _, m := range members.Members() {
			out[m.Key()] = m.Value()
		}
	}
	for i, h := range headers {
		if h.Name == "" {
			return nil, pathErrorf(child(index(child(path, "headers"), i), "name"), "empty")
		}
		if h.Value != nil {
			out[h.Name] = *h.Value
		}
	}
	return out, nil
}

// tlsConfig loads the certificate files of an exporter's tls entry; nil if
// it names none.
func tlsConfig(caFile, certFile, keyFile *string, path string) (*tls.Config, error) {
	if caFile == nil && certFile == nil && keyFile == nil {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != nil {
		pem, err := os.ReadFile(*caFile)
		if err != nil {
			return nil, pathErrorf(child(path, "ca_file"), "%v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, pathErrorf(child(path, "ca_file"), "no PEM certificate in %s", *caFile)
		}
		cfg.RootCAs = pool
	}
	if (certFile == nil) != (keyFile == nil) {
		missing := "key_file"
		if certFile == nil {
			missing = "cert_file"
		}
		return nil, pathErrorf(child(path, missing), "required with %s", map[string]string{"key_file": "cert_file", "cert_file": "key_file"}[missing])
	}
	if certFile != nil {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return nil, pathErrorf(child(path, "cert_file"), "%v", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// temporalitySelector maps temporality_preference to fastmeter's selectors
// (the specification's meaning of each preference); nil: unset.
func temporalitySelector(pref *conf.ExporterTemporalityPreference, path string) (sdkmetric.TemporalitySelector, error) {
	if pref == nil {
		return nil, nil
	}
	switch *pref {
	case conf.ExporterTemporalityPreferenceCumulative:
		return sdkmetric.CumulativeTemporalitySelector, nil
	case conf.ExporterTemporalityPreferenceDelta:
		return sdkmetric.DeltaTemporalitySelector, nil
	case conf.ExporterTemporalityPreferenceLowMemory:
		return sdkmetric.LowMemoryTemporalitySelector, nil
	}
	return nil, pathErrorf(path, "unknown value %q (cumulative, delta, low_memory)", *pref)
}

// The exponential histogram the specification prescribes for
// base2_exponential_bucket_histogram when the file gives no sizes.
const (
	defaultExponentialMaxSize  = 160
	defaultExponentialMaxScale = 20
)

// histogramAggregationSelector maps default_histogram_aggregation; nil:
// unset (explicit buckets, the exporter's default).
func histogramAggregationSelector(agg *conf.ExporterDefaultHistogramAggregation, path string) (sdkmetric.AggregationSelector, error) {
	if agg == nil {
		return nil, nil
	}
	switch *agg {
	case conf.ExporterDefaultHistogramAggregationExplicitBucketHistogram:
		return sdkmetric.DefaultAggregationSelector, nil
	case conf.ExporterDefaultHistogramAggregationBase2ExponentialBucketHistogram:
		return func(kind sdkmetric.InstrumentKind) sdkmetric.Aggregation {
			if kind == sdkmetric.InstrumentKindHistogram {
				return sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: defaultExponentialMaxSize, MaxScale: defaultExponentialMaxScale}
			}
			return sdkmetric.DefaultAggregationSelector(kind)
		}, nil
	}
	return nil, pathErrorf(path, "unknown value %q", *agg)
}
