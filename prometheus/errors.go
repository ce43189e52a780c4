package prometheus

import "errors"

var (
	errInvalidUTF8Key  = errors.New("attribute key is not valid UTF-8")
	errInvalidUTF8Name = errors.New("metric name is not valid UTF-8")
	errEmptyName       = errors.New("metric name translates to an empty name")
	errNotCreatedByNew = errors.New("fastmeter/prometheus: the Exporter was not created by New")
)
