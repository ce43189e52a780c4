package otlpenv

import (
	"net/url"
	"path"
	"strconv"
	"strings"
)

// defaultMetricsPath is appended to the general endpoint's path.
const defaultMetricsPath = "/v1/metrics"

// endpoint is one parsed endpoint variable.
type endpoint struct {
	name       string
	host, path string // HTTP
	grpcTarget string
	insecure   bool // from the scheme
}

// parseEndpoint requires a URL the exporter will use as the user meant it,
// and derives from it what each transport needs. metrics says whether the
// variable is the METRICS_ one, whose path is used as it is.
//
// OTLP/HTTP needs http:// or https://: without a scheme there is no host.
// For gRPC the specification also allows host:port without a scheme (TLS
// unless OTEL_EXPORTER_OTLP_INSECURE=true), and gRPC targets (unix:,
// unix-abstract:, dns:) are passed through. url.Parse reads host:port as
// scheme and opaque, which works for a name ("collector:4317") and fails for
// an IP address ("10.0.0.1:4317"), so the latter is an error suggesting the
// http:// form.
func parseEndpoint(name, raw string, protocol Protocol, metrics bool) (endpoint, *Error) {
	e := endpoint{name: name}
	u, err := url.Parse(raw)
	if err != nil {
		hint := ""
		if protocol == ProtocolGRPC {
			hint = "; for host:port write http://host:port (plaintext) or https://host:port (TLS)"
		}
		return e, &Error{Name: name, Value: raw, Reason: "not a URL: " + err.Error() + hint}
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme == "http" || scheme == "https":
		if u.Host == "" {
			return e, &Error{Name: name, Value: raw, Reason: "the URL has no host"}
		}
		if port := u.Port(); port != "" && !isPort(port) {
			return e, &Error{Name: name, Value: raw, Reason: "the port is not a number in 1-65535"}
		}
		e.host, e.grpcTarget, e.insecure = u.Host, u.Host, scheme == "http"
		switch {
		case !metrics:
			// A base URL: the signal's path goes below it.
			e.path = path.Join("/", u.Path, defaultMetricsPath)
		case u.Path == "":
			e.path = "/"
		default:
			e.path = u.Path
		}
		return e, nil
	case protocol == ProtocolGRPC && (scheme == "unix" || scheme == "unix-abstract" || scheme == "dns"):
		// gRPC name syntax, passed through; unix sockets are plaintext.
		e.grpcTarget, e.insecure = raw, scheme != "dns"
		return e, nil
	case protocol == ProtocolGRPC && u.Host == "" && u.Path == "" && isPort(u.Opaque):
		e.grpcTarget = raw // host:port, parsed by url as scheme "host" and opaque "port"
		return e, nil
	}
	accepted := "http:// or https:// (e.g. http://localhost:4318)"
	if protocol == ProtocolGRPC {
		accepted = "http://, https://, unix:, unix-abstract: or dns:, or be host:port (e.g. http://localhost:4317)"
	}
	return e, &Error{Name: name, Value: raw, Reason: "must start with " + accepted}
}

// isPort reports whether s is a TCP port number.
func isPort(s string) bool {
	p, err := strconv.Atoi(s)
	return err == nil && p >= 1 && p <= 65535
}
