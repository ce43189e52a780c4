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
	req      rawMessage
	reply    rawMessage
}

// rawMessage is what bytesCodec marshals and unmarshals: the encoded message.
type rawMessage struct {
	b   []byte
	out [1]mem.Buffer // the one-buffer slice Marshal hands gRPC, reused
}

// unpooled is the mem.BufferPool of a request's bytes: they are the
// encoder's, so gRPC's release of them returns nothing anywhere. Wrapping
// them with it (mem.NewBuffer) takes a gRPC buffer object from its pool,
// where a mem.SliceBuffer would allocate its interface box every export.
type unpooled struct{}

func (unpooled) Get(n int) *[]byte { b := make([]byte, n); return &b }

func (unpooled) Put(*[]byte) {}

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
	m.out[0] = mem.NewBuffer(&m.b, unpooled{})
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
	err := s.conn.Invoke(ctx, exportMethod, &s.req, &s.reply, s.callOpts...)
	s.req.b, s.req.out[0] = nil, nil // body is the encoder's: do not keep it
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

// Close closes the connection.
func (s *GRPCSender) Close(context.Context) error { return s.conn.Close() }

var _ Sender = (*GRPCSender)(nil)
