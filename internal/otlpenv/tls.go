package otlpenv

import (
	"crypto/tls"
	"crypto/x509"
	"os"
)

// readTLS reads the CA and client key pair variables, general then
// METRICS_ (which wins). It returns nil when none is set.
func readTLS() (*tls.Config, []*Error) {
	var tc *tls.Config
	var errs []*Error
	config := func() *tls.Config {
		if tc == nil {
			tc = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		return tc
	}
	for _, infix := range []string{"", "METRICS_"} {
		caName := Prefix + infix + "CERTIFICATE"
		if path, ok := Lookup(caName); ok {
			pool, err := readCertificate(caName, path)
			if err != nil {
				errs = append(errs, err)
			} else {
				config().RootCAs = pool
			}
		}
		certName, keyName := Prefix+infix+"CLIENT_CERTIFICATE", Prefix+infix+"CLIENT_KEY"
		cert, certOK := Lookup(certName)
		key, keyOK := Lookup(keyName)
		if certOK || keyOK {
			pair, err := readClientCertificate(certName, cert, keyName, key)
			if err != nil {
				errs = append(errs, err)
			} else {
				config().Certificates = []tls.Certificate{pair}
			}
		}
	}
	return tc, errs
}

// readCertificate requires a readable PEM file holding at least one
// certificate, the trust root for the collector's certificate.
func readCertificate(name, path string) (*x509.CertPool, *Error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Name: name, Value: path, Reason: "cannot read the file: " + err.Error()}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, &Error{Name: name, Value: path, Reason: "the file holds no PEM certificate"}
	}
	return pool, nil
}

// readClientCertificate requires both halves of the client key pair: the
// official exporters silently ignore one without the other.
func readClientCertificate(certName, certPath, keyName, keyPath string) (tls.Certificate, *Error) {
	switch {
	case certPath == "":
		return tls.Certificate{}, &Error{Name: certName, Value: "", Reason: keyName + " is set but this is not; set both or neither"}
	case keyPath == "":
		return tls.Certificate{}, &Error{Name: keyName, Value: "", Reason: certName + " is set but this is not; set both or neither"}
	}
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return tls.Certificate{}, &Error{Name: certName, Value: certPath, Reason: "cannot read the file: " + err.Error()}
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return tls.Certificate{}, &Error{Name: keyName, Value: keyPath, Reason: "cannot read the file: " + err.Error()}
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return tls.Certificate{}, &Error{Name: certName, Value: certPath, Reason: "not a valid key pair with " + keyName + ": " + err.Error()}
	}
	return pair, nil
}
