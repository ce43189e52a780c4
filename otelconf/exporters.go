package otelconf

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
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
)

// pushExporter builds the one exporter a periodic reader's exporter entry
// names: the official OTLP exporters and stdoutmetric, which plug into
// fastmeter's PeriodicReader unchanged. Like the official exporters under
// otelconf, they still read their OTEL_EXPORTER_OTLP_* variables; what the
// file says comes after and wins.
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

func (b *builder) otlpHTTPExporter(c *conf.OTLPHttpMetricExporter, path string) (sdkmetric.Exporter, error) {
	var opts []otlpmetrichttp.Option
	if c.Encoding != nil && *c.Encoding != conf.OTLPHttpEncodingProtobuf {
		return nil, unsupported(child(path, "encoding"), "value %q (the official OTLP/HTTP exporter sends protobuf)", *c.Encoding)
	}
	if c.Endpoint != nil {
		u, err := url.ParseRequestURI(*c.Endpoint)
		if err != nil || u.Host == "" {
			return nil, pathErrorf(child(path, "endpoint"), "not a URL such as http://localhost:4318/v1/metrics: %q", *c.Endpoint)
		}
		opts = append(opts, otlpmetrichttp.WithEndpoint(u.Host))
		if u.Scheme == "http" {
			opts = append(opts, otlpmetrichttp.WithInsecure())
		}
		if u.Path != "" {
			opts = append(opts, otlpmetrichttp.WithURLPath(u.Path))
		}
	}
	if c.Compression != nil {
		switch *c.Compression {
		case "gzip":
			opts = append(opts, otlpmetrichttp.WithCompression(otlpmetrichttp.GzipCompression))
		case "none":
			opts = append(opts, otlpmetrichttp.WithCompression(otlpmetrichttp.NoCompression))
		default:
			return nil, unsupported(child(path, "compression"), "value %q (gzip or none)", *c.Compression)
		}
	}
	common, err := otlpSettings(c.Timeout, c.Headers, c.HeadersList, c.TemporalityPreference, c.DefaultHistogramAggregation, path)
	if err != nil {
		return nil, err
	}
	opts = append(opts, otlpOptions(common, otlpmetrichttp.WithTimeout, otlpmetrichttp.WithHeaders,
		otlpmetrichttp.WithTemporalitySelector, otlpmetrichttp.WithAggregationSelector)...)
	if c.Tls != nil {
		cfg, err := tlsConfig(c.Tls.CaFile, c.Tls.CertFile, c.Tls.KeyFile, child(path, "tls"))
		if err != nil {
			return nil, err
		}
		if cfg != nil {
			opts = append(opts, otlpmetrichttp.WithTLSClientConfig(cfg))
		}
	}
	exp, err := otlpmetrichttp.New(b.ctx, opts...)
	if err != nil {
		return nil, &PathError{Path: path, Err: err}
	}
	return exp, nil
}

func (b *builder) otlpGRPCExporter(c *conf.OTLPGrpcMetricExporter, path string) (sdkmetric.Exporter, error) {
	var opts []otlpmetricgrpc.Option
	insecure := c.Tls != nil && c.Tls.Insecure != nil && *c.Tls.Insecure
	if c.Endpoint != nil {
		u, err := url.ParseRequestURI(*c.Endpoint)
		switch {
		case err == nil && u.Host != "":
			opts = append(opts, otlpmetricgrpc.WithEndpoint(u.Host))
			if u.Scheme == "http" {
				insecure = true
			} else if u.Scheme == "https" {
				insecure = false
			}
		case *c.Endpoint != "":
			// host:port without a scheme, as otelconf accepts it.
			opts = append(opts, otlpmetricgrpc.WithEndpoint(*c.Endpoint))
		default:
			return nil, pathErrorf(child(path, "endpoint"), "empty")
		}
	}
	if insecure {
		opts = append(opts, otlpmetricgrpc.WithInsecure())
	}
	if c.Compression != nil {
		switch *c.Compression {
		case "gzip":
			opts = append(opts, otlpmetricgrpc.WithCompressor("gzip"))
		case "none":
		default:
			return nil, unsupported(child(path, "compression"), "value %q (gzip or none)", *c.Compression)
		}
	}
	common, err := otlpSettings(c.Timeout, c.Headers, c.HeadersList, c.TemporalityPreference, c.DefaultHistogramAggregation, path)
	if err != nil {
		return nil, err
	}
	opts = append(opts, otlpOptions(common, otlpmetricgrpc.WithTimeout, otlpmetricgrpc.WithHeaders,
		otlpmetricgrpc.WithTemporalitySelector, otlpmetricgrpc.WithAggregationSelector)...)
	if c.Tls != nil && !insecure {
		cfg, err := tlsConfig(c.Tls.CaFile, c.Tls.CertFile, c.Tls.KeyFile, child(path, "tls"))
		if err != nil {
			return nil, err
		}
		if cfg != nil {
			opts = append(opts, otlpmetricgrpc.WithTLSCredentials(credentials.NewTLS(cfg)))
		}
	}
	exp, err := otlpmetricgrpc.New(b.ctx, opts...)
	if err != nil {
		return nil, &PathError{Path: path, Err: err}
	}
	return exp, nil
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
