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
	reply    rawMessage
}

// rawMessage is what bytesCodec marshals and unmarshals: the encoded message.
type rawMessage struct{ b []byte }

// bytesCodec hands a *rawMessage's bytes to gRPC as the request and copies
// the response into one, so the exporter's encoder, not protobuf
// reflection, produces the wire bytes.
type bytesCodec struct{}

func (bytesCodec) Name() string { return "proto" } // the bytes are protobuf

func (bytesCodec) Marshal(v any) ([]byte, error) {
	m, ok := v.(*rawMessage)
	if !ok {
		return nil, fmt.Errorf("otlp: bytes codec cannot marshal %T", v)
	}
	return m.b, nil
}

func (bytesCodec) Unmarshal(data []byte, v any) error {
	m, ok := v.(*rawMessage)
	if !ok {
		return fmt.Errorf("otlp: bytes codec cannot unmarshal into %T", v)
	}
	m.b = append(m.b[:0], data...) // data is gRPC's and may be reused
	return nil
}

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
	opts := append([]grpc.DialOption{grpc.WithTransportCredentials(creds)}, cfg.DialOptions...)
	conn, err := grpc.NewClient(cfg.Target, opts...)
	if err != nil {
		return nil, fmt.Errorf("otlp: grpc target %q: %w", cfg.Target, err)
	}
	s := &GRPCSender{conn: conn, md: metadata.New(cfg.Headers)}
	s.callOpts = []grpc.CallOption{grpc.ForceCodec(bytesCodec{})}
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
	req := rawMessage{b: body}
	err := s.conn.Invoke(ctx, exportMethod, &req, &s.reply, s.callOpts...)
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
