package autoconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// The official OTLP exporters read these variables themselves, but they
// react to a bad value by logging through the global logger (which prints
// nothing for some of them by default) and ignoring it, or by quietly
// picking something else (any compression other than "gzip" means none).
// autoconfig checks them first so that every bad value becomes an error
// naming the variable. The METRICS_ form of each takes precedence in the
// exporter; both are checked because the exporter parses both.
const otlpPrefix = "OTEL_EXPORTER_OTLP_"

// otlpEnv is what the validation learnt that autoconfig itself needs.
type otlpEnv struct {
	// transportChosen is true when an endpoint, INSECURE or a certificate
	// is set: the user chose the transport security, so autoconfig must
	// not apply its default.
	transportChosen bool
	// gzip is true when the effective compression (METRICS_COMPRESSION,
	// else COMPRESSION) is gzip in any case. The exporters compare the
	// value with "gzip" case-sensitively and take anything else as none,
	// so autoconfig, whose keywords are case-insensitive, then passes gzip
	// to the exporter as an option instead of letting "GZIP" silently mean
	// no compression. (none needs no option: the exporters read it right.)
	gzip bool
}

// checkOTLPEnv validates every OTEL_EXPORTER_OTLP_* variable the exporter
// for protocol reads. warn receives the documented fallbacks.
func checkOTLPEnv(protocol otlpProtocol, warn func(error)) (otlpEnv, error) {
	var env otlpEnv
	var errs []error
	for _, setting := range []string{"", "METRICS_"} {
		name := func(s string) string { return otlpPrefix + setting + s }

		if v, ok := lookupEnv(name("ENDPOINT")); ok {
			env.transportChosen = true
			errs = append(errs, checkEndpoint(name("ENDPOINT"), v, protocol))
		}
		if v, ok := lookupEnv(name("HEADERS")); ok {
			errs = append(errs, checkHeaders(name("HEADERS"), v, protocol))
		}
		if v, ok := lookupEnum(name("COMPRESSION")); ok {
			if v != "gzip" && v != "none" {
				errs = append(errs, &EnvError{Name: name("COMPRESSION"), Value: rawEnv(name("COMPRESSION")),
					Reason: "accepted: gzip, none"})
			}
			// The METRICS_ form comes second and so wins.
			env.gzip = v == "gzip"
		}
		if _, ok := lookupEnv(name("TIMEOUT")); ok {
			_, err := positiveMillis(name("TIMEOUT"), 0)
			errs = append(errs, err)
		}
		if _, ok := lookupEnv(name("INSECURE")); ok {
			env.transportChosen = true
			envBool(name("INSECURE"), warn)
		}
		if v, ok := lookupEnv(name("CERTIFICATE")); ok {
			env.transportChosen = true
			errs = append(errs, checkCertificate(name("CERTIFICATE"), v))
		}
		certName, keyName := name("CLIENT_CERTIFICATE"), name("CLIENT_KEY")
		cert, certOK := lookupEnv(certName)
		key, keyOK := lookupEnv(keyName)
		if certOK || keyOK {
			env.transportChosen = true
			errs = append(errs, checkClientCertificate(certName, cert, keyName, key))
		}
	}
	return env, errors.Join(errs...)
}

// checkEndpoint requires a URL the exporter will use as the user meant it.
//
// OTLP/HTTP needs http:// or https://: without a scheme the Go exporter
// would end up with no host at all. For gRPC the specification also allows
// host:port without a scheme (TLS unless OTEL_EXPORTER_OTLP_INSECURE=true),
// and the Go exporter passes gRPC targets (unix:, unix-abstract:, dns:)
// through; but the Go exporter parses host:port as a URL, which
// works for a name ("collector:4317") and fails for an IP address
// ("10.0.0.1:4317", then silently replaced by localhost), so the latter is
// an error suggesting the http:// form.
func checkEndpoint(name, raw string, protocol otlpProtocol) error {
	u, err := url.Parse(raw)
	if err != nil {
		hint := ""
		if protocol == protocolGRPC {
			hint = "; for host:port write http://host:port (plaintext) or https://host:port (TLS)"
		}
		return &EnvError{Name: name, Value: raw, Reason: "not a URL: " + err.Error() + hint}
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == "http" || scheme == "https":
		if u.Host == "" {
			return &EnvError{Name: name, Value: raw, Reason: "the URL has no host"}
		}
		if port := u.Port(); port != "" && !isPort(port) {
			return &EnvError{Name: name, Value: raw, Reason: "the port is not a number in 1-65535"}
		}
		return nil
	case protocol == protocolGRPC && (scheme == "unix" || scheme == "unix-abstract" || scheme == "dns"):
		return nil // gRPC name syntax, passed through by the exporter (TLS unless INSECURE)
	case protocol == protocolGRPC && u.Host == "" && u.Path == "" && isPort(u.Opaque):
		return nil // host:port, parsed by url as scheme "host" and opaque "port"
	}
	accepted := "http:// or https:// (e.g. http://localhost:4318)"
	if protocol == protocolGRPC {
		accepted = "http://, https://, unix:, unix-abstract: or dns:, or be host:port (e.g. http://localhost:4317)"
	}
	return &EnvError{Name: name, Value: raw, Reason: "must start with " + accepted}
}

// isPort reports whether s is a TCP port number.
func isPort(s string) bool {
	p, err := strconv.Atoi(s)
	return err == nil && p >= 1 && p <= 65535
}

// checkHeaders applies the exporter's own rules to a comma-separated list
// of key=value pairs with percent-encoded values, then requires each header
// to be one the transport for protocol will send (unsendableHeader): the
// exporter passes any other to net/http or gRPC, which then refuse every
// request. Values usually carry credentials, so the error shows only the
// position, the key and the offending byte, never the value; a key that is
// no header name is shown only up to its first invalid character, since it
// may be a pasted "Authorization: Bearer ..." line.
func checkHeaders(name, raw string, protocol otlpProtocol) error {
	pairs := strings.Split(raw, ",")
	var problems []string
	for i, pair := range pairs {
		key, value, found := strings.Cut(pair, "=")
		key = strings.TrimSpace(key)
		switch {
		case strings.TrimSpace(pair) == "":
			problems = append(problems, fmt.Sprintf("entry %d is empty", i+1))
		case !found:
			problems = append(problems, fmt.Sprintf("entry %d has no '='", i+1))
		case !httpguts.ValidHeaderFieldName(key):
			problems = append(problems, fmt.Sprintf("entry %d: the key is not a valid header name: %s", i+1, firstNonToken(key)))
		default:
			decoded, err := url.PathUnescape(value)
			if err != nil {
				problems = append(problems, fmt.Sprintf("entry %d (%s): the value has a malformed %%-escape", i+1, key))
				break
			}
			// The exporter trims the decoded value before sending it.
			if why := unsendableHeader(protocol, key, strings.TrimSpace(decoded)); why != "" {
				problems = append(problems, fmt.Sprintf("entry %d (%s): %s", i+1, key, why))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &EnvError{Name: name, Value: redacted, Reason: "expected key=value pairs separated by commas, values " +
		"percent-encoded; " + strings.Join(problems, "; ")}
}

// firstNonToken describes the first byte of key that cannot be in a header
// name, with the valid part before it.
func firstNonToken(key string) string {
	if key == "" {
		return "it is empty"
	}
	i := 0
	for i < len(key) && httpguts.IsTokenRune(rune(key[i])) {
		i++
	}
	where := fmt.Sprintf("%s at byte %d", describeByte(key[i]), i)
	if i > 0 {
		where += fmt.Sprintf(", after %q", key[:i])
	}
	return where
}

// unsendableHeader says why the transport for protocol would refuse every
// request carrying the header key: value (key already a valid HTTP header
// name, value decoded and trimmed), or returns "" if it sends it.
func unsendableHeader(protocol otlpProtocol, key, value string) string {
	if protocol == protocolGRPC {
		return unsendableGRPCHeader(key, value)
	}
	return unsendableHTTPHeader(key, value)
}

// unsendableHTTPHeader applies net/http's rules. HTTP/1.1 and HTTP/2 alike
// refuse a value with a control character other than tab; bytes from 0x80
// up, valid UTF-8 or not, are sent as they are. HTTP/2, which an https
// endpoint negotiates with the Collector, also refuses the connection-level
// headers with most values: the client Upgrade and Transfer-Encoding other
// than chunked and Connection other than close or keep-alive, the server TE
// other than trailers. Those are refused whatever the endpoint's scheme: an
// exporter has no use for them, and switching to https must not break every
// export.
func unsendableHTTPHeader(key, value string) string {
	for i := 0; i < len(value); i++ {
		if !httpguts.ValidHeaderFieldValue(value[i : i+1]) {
			return fmt.Sprintf("the decoded value contains %s, a control character net/http refuses to send",
				describeByte(value[i]))
		}
	}
	if allowed, refused := refusedByHTTP2(key, value); refused {
		return "a connection-level header that HTTP/2 (used with https endpoints) refuses unless its value is " +
			allowed
	}
	return ""
}

// refusedByHTTP2 reports whether Go's HTTP/2 client or server refuses the
// connection-level header key: value, and which values it allows.
func refusedByHTTP2(key, value string) (allowed string, refused bool) {
	switch {
	case value == "":
		return "", false
	case strings.EqualFold(key, "Upgrade"), strings.EqualFold(key, "Transfer-Encoding"):
		return "chunked", value != "chunked"
	case strings.EqualFold(key, "Connection"):
		return "close or keep-alive", !strings.EqualFold(value, "close") && !strings.EqualFold(value, "keep-alive")
	case strings.EqualFold(key, "TE"):
		return "trailers", value != "trailers"
	}
	return "", false
}

// unsendableGRPCHeader applies gRPC's rules (ValidatePair in grpc-go's
// internal/metadata): the key, lower-cased, must be [0-9a-z-_.], and the
// value printable ASCII (0x20-0x7E) unless the key ends in "-bin" (such a
// value is sent base64-encoded). A Connection header makes the server
// (grpc-go, so the Collector) reset every stream as malformed HTTP/2.
func unsendableGRPCHeader(key, value string) string {
	key = strings.ToLower(key)
	for i := 0; i < len(key); i++ {
		if c := key[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Sprintf("not a gRPC metadata key: %s is not a letter, digit, '-', '_' or '.'", describeByte(c))
		}
	}
	if key == "connection" {
		return "a connection-level header, which makes gRPC servers reject every request as malformed HTTP/2"
	}
	if strings.HasSuffix(key, "-bin") {
		return ""
	}
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 || c > 0x7e {
			return fmt.Sprintf("the decoded value contains %s, outside the printable ASCII (0x20-0x7E) gRPC "+
				"requires; only a key ending in -bin may carry other bytes", describeByte(c))
		}
	}
	return ""
}

// describeByte names b for an error message: quoted if it is printable
// ASCII, in hex otherwise (0x0D), so that a control character or a lone
// UTF-8 byte cannot garble the message.
func describeByte(b byte) string {
	if b >= 0x20 && b < 0x7f {
		return fmt.Sprintf("%q", rune(b))
	}
	return fmt.Sprintf("0x%02X", b)
}

// checkCertificate requires a readable PEM file holding at least one
// certificate, the trust root for the collector's certificate.
func checkCertificate(name, path string) error {
	pem, err := os.ReadFile(path)
	if err != nil {
		return &EnvError{Name: name, Value: path, Reason: "cannot read the file: " + err.Error()}
	}
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		return &EnvError{Name: name, Value: path, Reason: "the file holds no PEM certificate"}
	}
	return nil
}

// checkClientCertificate requires both halves of the client key pair: the
// exporter silently ignores one without the other.
func checkClientCertificate(certName, certPath, keyName, keyPath string) error {
	switch {
	case certPath == "":
		return &EnvError{Name: certName, Value: "", Reason: keyName + " is set but this is not; set both or neither"}
	case keyPath == "":
		return &EnvError{Name: keyName, Value: "", Reason: certName + " is set but this is not; set both or neither"}
	}
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return &EnvError{Name: certName, Value: certPath, Reason: "cannot read the file: " + err.Error()}
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return &EnvError{Name: keyName, Value: keyPath, Reason: "cannot read the file: " + err.Error()}
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return &EnvError{Name: certName, Value: certPath, Reason: "not a valid key pair with " + keyName + ": " + err.Error()}
	}
	return nil
}
