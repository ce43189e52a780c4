package benchmarks

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/mem"
)

// receiverEnv, set to 1, makes the test binary the OTLP receivers of
// BenchmarkOTLPExport instead of running tests (TestMain).
const receiverEnv = "FASTMETER_BENCH_OTLP_RECEIVER"

// receivedPath is the receiver process's HTTP path that answers the
// request bytes received so far.
const receivedPath = "/received"

func TestMain(m *testing.M) {
	if os.Getenv(receiverEnv) == "1" {
		os.Exit(serveOTLPReceivers())
	}
	os.Exit(m.Run())
}

// discardMessage and discardCodec let the local gRPC receiver take requests
// without decoding or copying them, as the HTTP receiver does: the benchmark
// measures the exporting side.
type discardMessage struct{ n int }

type discardCodec struct{}

func (discardCodec) Name() string { return "proto" }

func (discardCodec) Marshal(any) (mem.BufferSlice, error) { return nil, nil } // an empty response

func (discardCodec) Unmarshal(data mem.BufferSlice, v any) error {
	if m, ok := v.(*discardMessage); ok {
		m.n = data.Len()
	}
	return nil
}

// serveOTLPReceivers is the receiver process: an OTLP/HTTP and an OTLP/gRPC
// receiver that read and discard requests, counting their bytes. It prints
// "<http URL> <grpc address>" and serves until its stdin closes (the
// benchmark ended, or died).
func serveOTLPReceivers() int {
	var received atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/metrics", func(w http.ResponseWriter, r *http.Request) {
		n, _ := io.Copy(io.Discard, r.Body)
		received.Add(n)
		w.Header().Set("Content-Type", "application/x-protobuf")
	})
	mux.HandleFunc(receivedPath, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, strconv.FormatInt(received.Load(), 10))
	})
	httpLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	go func() { _ = http.Serve(httpLis, mux) }() //nolint:gosec // a local benchmark receiver
	grpcLis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	grpcSrv := grpc.NewServer(grpc.ForceServerCodecV2(discardCodec{}), grpc.UnknownServiceHandler(func(_ any, stream grpc.ServerStream) error {
		var m discardMessage
		if err := stream.RecvMsg(&m); err != nil {
			return err
		}
		received.Add(int64(m.n))
		return stream.SendMsg(&m)
	}))
	go func() { _ = grpcSrv.Serve(grpcLis) }()
	fmt.Printf("http://%s %s\n", httpLis.Addr(), grpcLis.Addr())
	_, _ = io.Copy(io.Discard, os.Stdin)
	grpcSrv.Stop()
	return 0
}

// otlpReceivers starts the OTLP receivers in a child process (this test
// binary, see serveOTLPReceivers), so that the benchmark's allocs/op and GC
// are the exporting side's alone: an in-process gRPC receiver allocates ~90
// times per request itself, which would be counted in either library's
// allocations per export. Both libraries send to the same receivers.
// received returns the request bytes the receivers have counted so far.
func otlpReceivers(b *testing.B) (httpURL, grpcAddr string, received func() int64) {
	b.Helper()
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), receiverEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addrs := strings.Fields(line)
	if err != nil || len(addrs) != 2 {
		b.Fatalf("the receiver process did not start: %q, %v", line, err)
	}
	base := addrs[0]
	received = func() int64 {
		resp, err := http.Get(base + receivedPath) //nolint:noctx // a local benchmark receiver
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		n, err := strconv.ParseInt(string(body), 10, 64)
		if err != nil {
			b.Fatalf("receiver count %q: %v", body, err)
		}
		return n
	}
	return base + "/v1/metrics", addrs[1], received
}
