package otlpenv

import (
	"fmt"
	"net/url"
	"strings"
)

// parseHeaders reads a comma-separated list of key=value pairs with
// percent-encoded values (decoded, then trimmed, as the official exporters
// do), and requires each header to be one the transport for protocol will
// send (unsendableHeader): net/http and gRPC refuse every request carrying
// any other. Values usually carry credentials, so the error shows only the
// position, the key and the offending byte, never the value; a key that is
// no header name is shown only up to its first invalid character, since it
// may be a pasted "Authorization: Bearer ..." line. The headers are returned
// even with an error, without the bad entries.
func parseHeaders(name, raw string, protocol Protocol) (map[string]string, *Error) {
	headers := map[string]string{}
	var problems []string
	for i, pair := range strings.Split(raw, ",") {
		key, value, found := strings.Cut(pair, "=")
		key = strings.TrimSpace(key)
		switch {
		case strings.TrimSpace(pair) == "":
			problems = append(problems, fmt.Sprintf("entry %d is empty", i+1))
		case !found:
			problems = append(problems, fmt.Sprintf("entry %d has no '='", i+1))
		case !validHeaderName(key):
			problems = append(problems, fmt.Sprintf("entry %d: the key is not a valid header name: %s", i+1, firstNonToken(key)))
		default:
			decoded, err := url.PathUnescape(value)
			if err != nil {
				problems = append(problems, fmt.Sprintf("entry %d (%s): the value has a malformed %%-escape", i+1, key))
				break
			}
			decoded = strings.TrimSpace(decoded)
			if why := unsendableHeader(protocol, key, decoded); why != "" {
				problems = append(problems, fmt.Sprintf("entry %d (%s): %s", i+1, key, why))
				break
			}
			headers[key] = decoded
		}
	}
	if len(problems) == 0 {
		return headers, nil
	}
	return headers, &Error{Name: name, Value: Redacted, Reason: "expected key=value pairs separated by commas, values " +
		"percent-encoded; " + strings.Join(problems, "; ")}
}

// isTokenByte reports whether b may appear in an HTTP header name (an RFC
// 9110 token character).
func isTokenByte(b byte) bool {
	switch {
	case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", b) >= 0
}

// validHeaderName reports whether key is a non-empty token.
func validHeaderName(key string) bool {
	if key == "" {
		return false
	}
	for i := 0; i < len(key); i++ {
		if !isTokenByte(key[i]) {
			return false
		}
	}
	return true
}

// firstNonToken describes the first byte of key that cannot be in a header
// name, with the valid part before it.
func firstNonToken(key string) string {
	if key == "" {
		return "it is empty"
	}
	i := 0
	for i < len(key) && isTokenByte(key[i]) {
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
func unsendableHeader(protocol Protocol, key, value string) string {
	if protocol == ProtocolGRPC {
		return unsendableGRPCHeader(key, value)
	}
	return unsendableHTTPHeader(key, value)
}

// unsendableHTTPHeader applies net/http's rules. HTTP/1.1 and HTTP/2 alike
// refuse a value with a control character other than tab (and DEL); bytes
// from 0x80 up, valid UTF-8 or not, are sent as they are. HTTP/2, which an
// https endpoint negotiates with the Collector, also refuses the
// connection-level headers with most values: the client Upgrade and
// Transfer-Encoding other than chunked and Connection other than close or
// keep-alive, the server TE other than trailers. Those are refused whatever
// the endpoint's scheme: an exporter has no use for them, and switching to
// https must not break every export.
func unsendableHTTPHeader(key, value string) string {
	for i := 0; i < len(value); i++ {
		if c := value[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return fmt.Sprintf("the decoded value contains %s, a control character net/http refuses to send",
				describeByte(c))
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
