package autoconfig

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"

	sdkmetric "github.com/fastmeter/fastmeter"
	"github.com/fastmeter/fastmeter/internal/otlpenv"
	"github.com/fastmeter/fastmeter/internal/testenv"
)

// cleanEnv unsets every OTEL_* variable for the test, so that the machine's
// environment cannot change a result, and sets the export interval to an
// hour so that exports happen only when a test flushes.
func cleanEnv(t *testing.T) {
	t.Helper()
	testenv.CleanEnv(t)
	t.Setenv(envExportInterval, "3600000")
}

// errorLog collects what reaches otel.Handle during a test.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) Handle(err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
}

// text returns every reported error, one per line.
func (l *errorLog) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, e := range l.errs {
		b.WriteString(e.Error())
		b.WriteByte('\n')
	}
	return b.String()
}

// waitFor polls until the log contains substr, failing after a hang guard.
func (l *errorLog) waitFor(t *testing.T, substr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(l.text(), substr) {
		if time.Now().After(deadline) {
			t.Fatalf("otel.Handle never received %q; got:\n%s", substr, l.text())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// captureErrors routes otel.Handle to a fresh log for the test.
func captureErrors(t *testing.T) *errorLog {
	t.Helper()
	log := &errorLog{}
	prev := otel.GetErrorHandler()
	otel.SetErrorHandler(log)
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
	return log
}

// newProvider calls NewMeterProvider and shuts the provider down at the end
// of the test.
func newProvider(t *testing.T, opts ...Option) *sdkmetric.MeterProvider {
	t.Helper()
	mp, err := NewMeterProvider(context.Background(), opts...)
	if err != nil {
		t.Fatalf("NewMeterProvider: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = mp.Shutdown(ctx)
	})
	return mp
}

// recordAndFlush adds 5 to a counter called name and forces an export.
func recordAndFlush(t *testing.T, mp *sdkmetric.MeterProvider, name string) {
	t.Helper()
	counter, err := mp.Meter("autoconfig-test").Int64Counter(name)
	if err != nil {
		t.Fatal(err)
	}
	counter.Add(context.Background(), 5)
	flush(t, mp)
}

// flush forces an export and fails the test if it fails.
func flush(t *testing.T, mp *sdkmetric.MeterProvider) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := mp.ForceFlush(ctx); err != nil {
		t.Fatalf("ForceFlush: %v", err)
	}
}

// testPKI is a certificate authority with a server certificate for
// 127.0.0.1 and a client certificate, written as PEM files.
type testPKI struct {
	caFile, serverCertFile, serverKeyFile, clientCertFile, clientKeyFile string
	serverCert                                                           tls.Certificate
	pool                                                                 *x509.CertPool
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "autoconfig test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	p := &testPKI{pool: x509.NewCertPool()}
	p.pool.AddCert(caCert)
	p.caFile = writePEM(t, dir, "ca.pem", "CERTIFICATE", caDER)

	leaf := func(name string, serial int64, usage x509.ExtKeyUsage) (certFile, keyFile string, pair tls.Certificate) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: name},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		certFile = writePEM(t, dir, name+".pem", "CERTIFICATE", der)
		keyFile = writePEM(t, dir, name+"-key.pem", "EC PRIVATE KEY", keyDER)
		pair, err = tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		return certFile, keyFile, pair
	}
	p.serverCertFile, p.serverKeyFile, p.serverCert = leaf("server", 2, x509.ExtKeyUsageServerAuth)
	p.clientCertFile, p.clientKeyFile, _ = leaf("client", 3, x509.ExtKeyUsageClientAuth)
	return p
}

// serverTLS returns the server side configuration; mutual requires a
// client certificate signed by the CA.
func (p *testPKI) serverTLS(mutual bool) *tls.Config {
	c := &tls.Config{Certificates: []tls.Certificate{p.serverCert}, MinVersion: tls.VersionTLS12}
	if mutual {
		c.ClientAuth = tls.RequireAndVerifyClientCert
		c.ClientCAs = p.pool
	}
	return c
}

func writePEM(t *testing.T, dir, name, kind string, der []byte) string {
	t.Helper()
	var b bytes.Buffer
	if err := pem.Encode(&b, &pem.Block{Type: kind, Bytes: der}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// alwaysOn is exemplar.AlwaysOnFilter, named for the option tests.
var alwaysOn = exemplar.AlwaysOnFilter

// shutdownBy shuts mp down with a deadline d away and fails the test if
// Shutdown is still running long after it (a hang guard, not a timing
// assertion). It returns Shutdown's error.
func shutdownBy(t *testing.T, mp *sdkmetric.MeterProvider, d time.Duration) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- mp.Shutdown(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(d + 15*time.Second):
		t.Fatalf("Shutdown did not return 15 s after its %v deadline", d)
		return nil
	}
}

// flushWithoutDeadline calls ForceFlush with a context that has no
// deadline, so that only the reader's export timeout can bound it, and
// fails the test if it is still running after a hang guard. It returns
// its error.
func flushWithoutDeadline(t *testing.T, mp *sdkmetric.MeterProvider) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- mp.ForceFlush(context.Background()) }()
	select {
	case err := <-done:
		return err
	case <-time.After(20 * time.Second):
		t.Fatal("ForceFlush without deadline still running after 20 s: the export timeout was not applied")
		return nil
	}
}

// exponentialHistogramSelector is what
// base2_exponential_bucket_histogram selects.
var exponentialHistogramSelector = otlpenv.ExponentialHistogramSelector
