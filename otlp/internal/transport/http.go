package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// HTTPConfig configures an HTTP sender.
type HTTPConfig struct {
	// URL is the full endpoint, e.g. http://localhost:4318/v1/metrics.
	URL string
	// JSON sends Content-Type application/json (the body must be OTLP/JSON);
	// otherwise application/x-protobuf.
	JSON bool
	// Gzip compresses the body (Content-Encoding: gzip).
	Gzip bool
	// Headers are added to every request.
	Headers map[string]string
	// TLS configures https endpoints; nil uses Go's defaults.
	TLS *tls.Config
	// Client, if set, is used as is (TLS is then ignored).
	Client *http.Client
}

// HTTPSender posts requests to an OTLP/HTTP endpoint. Not safe for
// concurrent Sends (the exporter serialises them).
type HTTPSender struct {
	cfg     HTTPConfig
	client  *http.Client
	header  http.Header
	gz      compressor
	reader  bytes.Reader
	respBuf bytes.Buffer
}

// NewHTTPSender returns a sender for cfg.
func NewHTTPSender(cfg HTTPConfig) (*HTTPSender, error) {
	if !strings.HasPrefix(cfg.URL, "http://") && !strings.HasPrefix(cfg.URL, "https://") {
		return nil, fmt.Errorf("otlp: endpoint URL %q: want an http:// or https:// URL", cfg.URL)
	}
	s := &HTTPSender{cfg: cfg, client: cfg.Client, header: http.Header{}}
	if s.client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		if cfg.TLS != nil {
			tr.TLSClientConfig = cfg.TLS.Clone()
		}
		s.client = &http.Client{Transport: tr}
	}
	for k, v := range cfg.Headers {
		s.header.Set(k, v)
	}
	if cfg.JSON {
		s.header.Set("Content-Type", "application/json")
	} else {
		s.header.Set("Content-Type", "application/x-protobuf")
	}
	if cfg.Gzip {
		s.header.Set("Content-Encoding", "gzip")
	}
	return s, nil
}

// Send posts body and classifies the response as the OTLP/HTTP
// specification does.
func (s *HTTPSender) Send(ctx context.Context, body []byte) (PartialSuccess, error) {
	if s.cfg.Gzip {
		var err error
		if body, err = s.gz.compress(body); err != nil {
			return PartialSuccess{}, fmt.Errorf("otlp: gzip: %w", err)
		}
	}
	s.reader.Reset(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL, &s.reader)
	if err != nil {
		return PartialSuccess{}, fmt.Errorf("otlp: %w", err)
	}
	req.ContentLength = int64(len(body))
	req.Header = s.header // read-only for the transport
	resp, err := s.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return PartialSuccess{}, fmt.Errorf("otlp: export: %w", err)
		}
		var certErr *tls.CertificateVerificationError
		if errors.As(err, &certErr) {
			return PartialSuccess{}, fmt.Errorf("otlp: export: %w", err) // retrying cannot fix it
		}
		// A connection failure: the receiver may be restarting.
		return PartialSuccess{}, &RetryableError{Err: fmt.Errorf("otlp: export: %w", err)}
	}
	defer resp.Body.Close()
	s.respBuf.Reset()
	_, readErr := s.respBuf.ReadFrom(io.LimitReader(resp.Body, 1<<20))
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		if readErr != nil {
			return PartialSuccess{}, nil // delivered; the response is informational
		}
		if s.cfg.JSON || strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			return partialFromJSON(s.respBuf.Bytes())
		}
		return partialFromProto(s.respBuf.Bytes())
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusBadGateway,
		resp.StatusCode == http.StatusServiceUnavailable, resp.StatusCode == http.StatusGatewayTimeout:
		return PartialSuccess{}, &RetryableError{
			Err:   statusError(resp.Status, s.respBuf.Bytes()),
			After: retryAfter(resp.Header.Get("Retry-After"), time.Now()),
		}
	default:
		return PartialSuccess{}, statusError(resp.Status, s.respBuf.Bytes())
	}
}

// retryAfter parses a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now))
	}
	return 0
}

// Close releases idle connections.
func (s *HTTPSender) Close(context.Context) error {
	s.client.CloseIdleConnections()
	return nil
}

var _ Sender = (*HTTPSender)(nil)
