package transport

import (
	"fmt"
	"strconv"
)

// HTTPStatusError is an OTLP/HTTP export the receiver answered with a
// status other than 2xx. Code is what the exporter's self-observability
// reports as http.response.status_code.
type HTTPStatusError struct {
	Code int
	msg  string
}

func (e *HTTPStatusError) Error() string { return e.msg }

// statusError is the error of a response with status line status (Go's
// "503 Service Unavailable": the code, then the reason) and body, of which
// the first 512 bytes are quoted.
func statusError(status string, body []byte) error {
	const limit = 512
	if len(body) > limit {
		body = body[:limit]
	}
	e := &HTTPStatusError{msg: "otlp: export failed: " + status}
	if len(status) >= 3 {
		e.Code, _ = strconv.Atoi(status[:3])
	}
	if len(body) > 0 {
		e.msg = fmt.Sprintf("%s: %q", e.msg, body)
	}
	return e
}
