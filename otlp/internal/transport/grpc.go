package transport

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// exportMethod is the OTLP metrics service's one RPC.
const exportMethod = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"

// GRPCConfig configures a gRPC sender.
type GRPCConfig struct {
	// Target is the gRPC target, e.g. localhost:4317.
	Target string
	// Insecure sends without TLS; otherwise TLS (nil: Go's defaults).
	Insecure bool
	TLS      *tls.Config
	// Gzip compresses requests with grpc's gzip compressor.
	Gzip bool
	// Headers are sent as request metadata.
	Headers map[string]string
	// DialOptions are appended to the sender's own (tests, custom dialers).
	DialOptions []grpc.DialOption
}

// GRPCSender calls MetricsService/Export with bytes already encoded, through
// a codec that passes them through untouched.
type GRPCSender struct {
	conn     *grpc.ClientConn
	md       metadata.MD
	callOpts []grpc.CallOption
	req      *rawMessage // replaced, not reused, when gRPC keeps it (Send)
	reply    rawMessage
	retained bool
}

// rawMessage is what bytesCodec marshals and unmarshals: the encoded message.
type rawMessage struct {
	b     []byte
	out   [1]mem.Buffer // the one-buffer slice Marshal hands gRPC, reused
	lease *lease        // of the request's b, nil for a response
}

// leasePool is the mem.BufferPool of a request's bytes: they are the
// encoder's, so gRPC's release of them (when its writer is done with the
// last reference, which may be after Invoke returns) only ends the lease.
// Wrapping them with it (mem.NewBuffer) takes a gRPC buffer object from its
// pool, where a mem.SliceBuffer would allocate its interface box every
// export.
type leasePool struct{ lease *lease }

func (leasePool) Get(n int) *[]byte { b := make([]byte, n); return &b }

func (p leasePool) Put(*[]byte) { p.lease.give() }

// bytesCodec hands a *rawMessage's bytes to gRPC as the request, as one
// buffer gRPC writes as is (no copy, no marshalling), and copies the
// response into one, so the exporter's encoder, not protobuf reflection,
// produces the wire bytes.
type bytesCodec struct{}

// Name is empty, so that requests carry Content-Type application/grpc,
// which means protobuf, as the official exporter's do; a name would make it
// application/grpc+<name>, a string gRPC builds on every call.
func (bytesCodec) Name() string { return "" }

func (bytesCodec) Marshal(v any) (mem.BufferSlice, error) {
	m, ok := v.(*rawMessage)
	if !ok {
		return nil, fmt.Errorf("otlp: bytes codec cannot marshal %T", v)
	}
	if mem.IsBelowBufferPoolingThreshold(cap(m.b)) {
		// gRPC would keep such bytes as they are, telling nobody when it is
		// done with them: a copy this small costs less than the doubt.
		m.out[0] = mem.SliceBuffer(append([]byte(nil), m.b...))
		return m.out[:], nil
	}
	m.lease.take()
	m.out[0] = mem.NewBuffer(&m.b, leasePool{m.lease})
	return m.out[:], nil
}

func (bytesCodec) Unmarshal(data mem.BufferSlice, v any) error {
	m, ok := v.(*rawMessage)
	if !ok {
		return fmt.Errorf("otlp: bytes codec cannot unmarshal into %T", v)
	}
	m.b = m.b[:0]
	for _, buf := range data { // gRPC's buffers, freed after Unmarshal
		m.b = append(m.b, buf.ReadOnlyData()...)
	}
	return nil
}

const (
	// writeBufferSize is the gRPC connection's write buffer (gRPC's
	// default is 32 KiB).
	writeBufferSize = 1 << 20
	// receiveWindow is gRPC's default initial window, set explicitly.
	receiveWindow = 64 << 10
)

// NewGRPCSender returns a sender for cfg; it connects lazily.
func NewGRPCSender(cfg GRPCConfig) (*GRPCSender, error) {
	creds := insecure.NewCredentials()
	if !cfg.Insecure {
		tc := cfg.TLS
		if tc == nil {
			tc = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		creds = credentials.NewTLS(tc)
	}
	opts := append([]grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		// A request is megabytes written at once: a write buffer that holds
		// a good part of it means fewer, larger writes, and gives the
		// receiver's flow control (its bandwidth-delay estimate) large
		// samples, so its window grows fast and it sends few PING and
		// WINDOW_UPDATE frames, each of which costs gRPC allocations here.
		grpc.WithWriteBufferSize(writeBufferSize),
		// Responses are a few bytes: fixed receive windows turn off the
		// client's own bandwidth-delay PINGs.
		grpc.WithInitialWindowSize(receiveWindow),
		grpc.WithInitialConnWindowSize(receiveWindow),
	}, cfg.DialOptions...)
	conn, err := grpc.NewClient(cfg.Target, opts...)
	if err != nil {
		return nil, fmt.Errorf("otlp: grpc target %q: %w", cfg.Target, err)
	}
	s := &GRPCSender{conn: conn, md: metadata.New(cfg.Headers)}
	s.req = &rawMessage{lease: newLease()}
	s.callOpts = []grpc.CallOption{grpc.ForceCodecV2(bytesCodec{})}
	if cfg.Gzip {
		s.callOpts = append(s.callOpts, grpc.UseCompressor(gzip.Name))
	}
	return s, nil
}

// Send calls Export with body and classifies the status as the OTLP/gRPC
// specification does.
func (s *GRPCSender) Send(ctx context.Context, body []byte) (PartialSuccess, error) {
	if len(s.md) > 0 {
		ctx = metadata.NewOutgoingContext(ctx, s.md)
	}
	s.req.b = body
	err := s.conn.Invoke(ctx, exportMethod, s.req, &s.reply, s.callOpts...)
	if s.req.lease.wait(ctx) {
		// gRPC is done with the one-buffer slice (it frees its elements
		// until then) and with body, which is the encoder's: keep neither.
		s.req.b, s.req.out[0] = nil, nil
	} else {
		// gRPC's writer still holds both: leave this message to it, and
		// the exporter stops reusing the bytes.
		s.req, s.retained = &rawMessage{lease: newLease()}, true
	}
	if err == nil {
		return partialFromProto(s.reply.b)
	}
	st, ok := status.FromError(err)
	if !ok {
		return PartialSuccess{}, fmt.Errorf("otlp: export: %w", err)
	}
	wrapped := fmt.Errorf("otlp: export: %w", err)
	delay, hasRetryInfo := retryInfo(st)
	switch st.Code() {
	case codes.Canceled, codes.DeadlineExceeded, codes.Aborted, codes.OutOfRange,
		codes.Unavailable, codes.DataLoss:
		if ctx.Err() != nil {
			return PartialSuccess{}, wrapped // our own deadline or cancellation
		}
		return PartialSuccess{}, &RetryableError{Err: wrapped, After: delay}
	case codes.ResourceExhausted:
		// Retryable only when the server says it can recover (RetryInfo).
		if hasRetryInfo {
			return PartialSuccess{}, &RetryableError{Err: wrapped, After: delay}
		}
	}
	return PartialSuccess{}, wrapped
}

// retryInfo is the delay of a google.rpc.RetryInfo detail, if st has one.
func retryInfo(st *status.Status) (delay time.Duration, ok bool) {
	for _, d := range st.Details() {
		if ri, isRI := d.(*errdetails.RetryInfo); isRI {
			return ri.GetRetryDelay().AsDuration(), true
		}
	}
	return 0, false
}

// BodyRetained reports whether a body given to Send since the last call may
// still be read by gRPC, and forgets it.
func (s *GRPCSender) BodyRetained() bool {
	r := s.retained
	s.retained = false
	return r
}

// Close closes the connection.
func (s *GRPCSender) Close(context.Context) error { return s.conn.Close() }

var _ Sender = (*GRPCSender)(nil)
