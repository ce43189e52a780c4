package transport

import (
	"bytes"
	"compress/gzip"
)

// compressor gzips request bodies into a buffer reused across exports (the
// gzip.Writer too), so compression does not allocate per export once warm.
type compressor struct {
	out bytes.Buffer
	w   *gzip.Writer
}

// compress returns body gzipped; the bytes are valid until the next call.
func (c *compressor) compress(body []byte) ([]byte, error) {
	c.out.Reset()
	if c.w == nil {
		c.w = gzip.NewWriter(&c.out)
	} else {
		c.w.Reset(&c.out)
	}
	if _, err := c.w.Write(body); err != nil {
		return nil, err
	}
	if err := c.w.Close(); err != nil {
		return nil, err
	}
	return c.out.Bytes(), nil
}
