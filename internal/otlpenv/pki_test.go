package otlpenv

import (
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// pki is the standard library's test certificate (httptest's) and its key,
// in PEM files: a trust root and a client key pair alike.
type pki struct{ caFile, certFile, keyFile string }

func newPKI(t *testing.T) pki {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.NotFoundHandler())
	srv.StartTLS()
	srv.Close()
	pair := srv.TLS.Certificates[0]
	keyDER, err := x509.MarshalPKCS8PrivateKey(pair.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, block *pem.Block) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cert := write("cert.pem", &pem.Block{Type: "CERTIFICATE", Bytes: pair.Certificate[0]})
	return pki{caFile: cert, certFile: cert, keyFile: write("key.pem", &pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})}
}
