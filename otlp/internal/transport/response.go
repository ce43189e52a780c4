package transport

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// partialFromProto reads partial_success (field 1) from an
// ExportMetricsServiceResponse in the protobuf wire format; unknown fields
// are skipped, as a protobuf decoder must.
func partialFromProto(b []byte) (PartialSuccess, error) {
	var ps PartialSuccess
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return ps, fmt.Errorf("decoding the export response: %w", protowire.ParseError(n))
		}
		b = b[n:]
		if num == 1 && typ == protowire.BytesType {
			msg, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return ps, fmt.Errorf("decoding the export response: %w", protowire.ParseError(n))
			}
			b = b[n:]
			if err := partialFields(msg, &ps); err != nil {
				return ps, err
			}
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return ps, fmt.Errorf("decoding the export response: %w", protowire.ParseError(n))
		}
		b = b[n:]
	}
	return ps, nil
}

// partialFields reads ExportMetricsPartialSuccess: rejected_data_points (1,
// int64) and error_message (2, string).
func partialFields(b []byte, ps *PartialSuccess) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("decoding the partial success: %w", protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return fmt.Errorf("decoding the partial success: %w", protowire.ParseError(n))
			}
			ps.RejectedDataPoints = int64(v) //nolint:gosec // int64 varint bits
			b = b[n:]
		case num == 2 && typ == protowire.BytesType:
			v, n := protowire.ConsumeString(b)
			if n < 0 {
				return fmt.Errorf("decoding the partial success: %w", protowire.ParseError(n))
			}
			ps.ErrorMessage = v
			b = b[n:]
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return fmt.Errorf("decoding the partial success: %w", protowire.ParseError(n))
			}
			b = b[n:]
		}
	}
	return nil
}

// partialFromJSON reads partialSuccess from an OTLP/JSON response, whose
// rejectedDataPoints is an int64 and so may be a string or a number.
func partialFromJSON(b []byte) (PartialSuccess, error) {
	var resp struct {
		PartialSuccess *struct {
			RejectedDataPoints json.RawMessage `json:"rejectedDataPoints"`
			ErrorMessage       string          `json:"errorMessage"`
		} `json:"partialSuccess"`
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		return PartialSuccess{}, nil
	}
	if err := json.Unmarshal(b, &resp); err != nil {
		return PartialSuccess{}, fmt.Errorf("decoding the export response: %w", err)
	}
	if resp.PartialSuccess == nil {
		return PartialSuccess{}, nil
	}
	ps := PartialSuccess{ErrorMessage: resp.PartialSuccess.ErrorMessage}
	if raw := strings.Trim(string(resp.PartialSuccess.RejectedDataPoints), `"`); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return ps, fmt.Errorf("decoding the export response: rejectedDataPoints %q: %w", raw, err)
		}
		ps.RejectedDataPoints = n
	}
	return ps, nil
}
