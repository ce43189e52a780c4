package otlp_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fastmeter/fastmeter/otlp"
	"github.com/fastmeter/fastmeter/otlp/internal/fixture"
)

// forwardProxy is a real HTTP forward proxy on 127.0.0.1: it forwards
// absolute-URI requests (plain http) and tunnels CONNECT (https, gRPC). The
// exporter is pointed at names that exist only in the proxy's table (routes:
// host:port → the local receiver's address), so a request that arrives
// went through the proxy.
type forwardProxy struct {
	*httptest.Server
	routes map[string]string
	mu     sync.Mutex
	seen   []string // "GET host:port" / "CONNECT host:port"
}

func newForwardProxy(t *testing.T, routes map[string]string) *forwardProxy {
	t.Helper()
	p := &forwardProxy{routes: routes}
	direct := &http.Transport{} // the proxy itself dials directly
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.seen = append(p.seen, r.Method+" "+r.Host)
		p.mu.Unlock()
		to, ok := p.routes[r.Host]
		if !ok {
			http.Error(w, "no route to "+r.Host, http.StatusBadGateway)
			return
		}
		if r.Method == http.MethodConnect {
			upstream, err := net.Dial("tcp", to)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			client, buf, err := http.NewResponseController(w).Hijack()
			if err != nil {
				_ = upstream.Close()
				return
			}
			// Written raw: through the ResponseWriter the 200 would
			// announce a chunked body, which a tunnel does not have.
			if _, err := client.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
				_ = upstream.Close()
				_ = client.Close()
				return
			}
			go func() {
				_, _ = io.Copy(upstream, buf)
				_ = upstream.Close()
			}()
			_, _ = io.Copy(client, upstream)
			_ = client.Close()
			return
		}
		out := r.Clone(r.Context())
		out.RequestURI, out.URL.Host = "", to
		resp, err := direct.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *forwardProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.seen...)
}

// proxyChildEnv marks the child process of TestProxyFromEnvironment.
const proxyChildEnv = "FASTMETER_OTLP_PROXY_CHILD"

// The exporter honours HTTPS_PROXY/HTTP_PROXY/NO_PROXY as the official ones
// do: its HTTP transport is net/http's with http.ProxyFromEnvironment, and
// grpc-go's default resolver tunnels through HTTPS_PROXY with CONNECT.
// net/http reads the proxy variables once per process, so each case runs
// the export in a child process (this test binary) with its environment.
func TestProxyFromEnvironment(t *testing.T) {
	if os.Getenv(proxyChildEnv) != "" {
		exportFromEnvironment(t)
		return
	}
	httpRecv := newHTTPReceiver(t, nil)
	tlsRecv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(tlsRecv.Close)
	caFile := writeCertificate(t, tlsRecv.Certificate())
	grpcRecv := newGRPCReceiver(t, nil)
	proxy := newForwardProxy(t, map[string]string{
		"collector.test:4318": strings.TrimPrefix(httpRecv.URL, "http://"),
		// httptest's certificate is valid for example.com.
		"example.com:4318":    strings.TrimPrefix(tlsRecv.URL, "https://"),
		"collector.test:4317": grpcRecv.addr,
	})

	tests := []struct {
		name      string
		env       map[string]string
		wantProxy string // the proxy's log entry; "" means the proxy must not be used
	}{
		{"http via HTTP_PROXY", map[string]string{
			"HTTP_PROXY":                  proxy.URL,
			"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector.test:4318",
		}, "POST collector.test:4318"},
		{"https via HTTPS_PROXY (CONNECT)", map[string]string{
			"HTTPS_PROXY":                    proxy.URL,
			"OTEL_EXPORTER_OTLP_ENDPOINT":    "https://example.com:4318",
			"OTEL_EXPORTER_OTLP_CERTIFICATE": caFile,
		}, "CONNECT example.com:4318"},
		{"grpc via HTTPS_PROXY (CONNECT)", map[string]string{
			"HTTPS_PROXY":                 proxy.URL,
			"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
			"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector.test:4317",
		}, "CONNECT collector.test:4317"},
		{"NO_PROXY bypasses it", map[string]string{
			"HTTP_PROXY":                  proxy.URL,
			"NO_PROXY":                    "collector.test",
			"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector.test:4318",
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(proxy.requests())
			cmd := exec.Command(os.Args[0], "-test.run=^TestProxyFromEnvironment$", "-test.count=1")
			cmd.Env = append(childEnv(), proxyChildEnv+"=1")
			for k, v := range tt.env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			out, err := cmd.CombinedOutput()
			seen := proxy.requests()[before:]
			if tt.wantProxy == "" {
				// collector.test resolves nowhere: without the proxy the
				// export fails, and the proxy saw nothing.
				if err == nil || len(seen) != 0 {
					t.Fatalf("NO_PROXY ignored: child error %v, proxy saw %v\n%s", err, seen, out)
				}
				return
			}
			if err != nil {
				t.Fatalf("export through the proxy failed: %v (proxy saw %v)\n%s", err, seen, out)
			}
			if len(seen) == 0 || seen[0] != tt.wantProxy {
				t.Errorf("proxy saw %v, want %q first", seen, tt.wantProxy)
			}
		})
	}
	if n := len(httpRecv.got()); n != 1 {
		t.Errorf("the plain HTTP receiver got %d requests, want 1 (through the proxy)", n)
	}
	if reqs, _ := grpcRecv.got(); len(reqs) != 1 {
		t.Errorf("the gRPC receiver got %d requests, want 1", len(reqs))
	}
}

// childEnv is this process's environment without OTEL_* and proxy
// variables, so that only what a case sets applies.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		upper := strings.ToUpper(name)
		if strings.HasPrefix(upper, "OTEL_") || strings.HasSuffix(upper, "_PROXY") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// exportFromEnvironment is the child: one export with an exporter
// configured by the environment alone.
func exportFromEnvironment(t *testing.T) {
	exp, err := otlp.New(context.Background(), otlp.WithRetry(otlp.RetryConfig{}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rm := fixture.Counters(1)
	if err := exp.Export(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	if err := exp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}
