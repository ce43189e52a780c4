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
	"sync"
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
	respBuf bytes.Buffer

	// lease counts the bodies the transport still reads; body is the one
	// Send hands it (reused while no earlier body is outstanding), sending
	// the bytes GetBody rewinds to, and getBody the GetBody of every request.
	lease    *lease
	body     *leasedBody
	sending  []byte
	getBody  func() (io.ReadCloser, error)
	retained bool
}

// leasedBody is a request body that gives its lease back when the
// transport closes it (net/http does when it is done with it, even on
// errors). Closing waits for a Read in progress, and later Reads fail: the
// HTTP/2 transport closes a body to abort its writer, which may be reading
// it at that moment.
type leasedBody struct {
	mu     sync.Mutex
	r      bytes.Reader
	lease  *lease
	closed bool
}

func (b *leasedBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, errBodyClosed
	}
	return b.r.Read(p)
}

func (b *leasedBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		b.lease.give()
	}
	return nil
}

var errBodyClosed = errors.New("otlp: request body read after close")

// lend returns a body reading s.sending under s.lease, taken.
func (s *HTTPSender) lend(reuse *leasedBody) *leasedBody {
	b := reuse
	if b == nil {
		b = new(leasedBody)
	}
	b.r.Reset(s.sending)
	b.lease = s.lease
	b.closed = false
	s.lease.take()
	return b
}

// NewHTTPSender returns a sender for cfg.
func NewHTTPSender(cfg HTTPConfig) (*HTTPSender, error) {
	if !strings.HasPrefix(cfg.URL, "http://") && !strings.HasPrefix(cfg.URL, "https://") {
		return nil, fmt.Errorf("otlp: endpoint URL %q: want an http:// or https:// URL", cfg.URL)
	}
	s := &HTTPSender{cfg: cfg, client: cfg.Client, header: http.Header{}, lease: newLease()}
	s.body = new(leasedBody)
	// net/http calls GetBody (before Do returns) to send the request again
	// on a new connection: each such body is lent under the same lease.
	s.getBody = func() (io.ReadCloser, error) { return s.lend(nil), nil }
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

// endLease waits until the transport closed every body of this Send, or
// ctx ends. Then the lease is given up: its late bodies cannot touch the
// next one, and neither the caller's bytes nor the gzip buffer are reused.
func (s *HTTPSender) endLease(ctx context.Context) {
	if s.lease.wait(ctx) {
		return
	}
	s.lease, s.body, s.retained = newLease(), new(leasedBody), true
	s.gz.out = bytes.Buffer{}
}

// BodyRetained reports whether a body given to Send since the last call may
// still be read by the transport, and forgets it.
func (s *HTTPSender) BodyRetained() bool {
	r := s.retained
	s.retained = false
	return r
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
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL, nil)
	if err != nil {
		return PartialSuccess{}, fmt.Errorf("otlp: %w", err)
	}
	if len(body) > 0 {
		s.sending = body
		req.Body, req.GetBody = s.lend(s.body), s.getBody
		req.ContentLength = int64(len(body))
	}
	req.Header = s.header // read-only for the transport
	// After the response is closed (deferred later, so run first): on
	// HTTP/2 closing it is what ends a request the receiver answered early.
	defer s.endLease(ctx)
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
