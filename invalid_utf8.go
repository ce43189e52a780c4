package fastmeter

import (
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/fastmeter/fastmeter/internal/aggregate"
)

// Repairs of invalid UTF-8 in what a provider and its meters are created
// with. OTLP cannot encode invalid UTF-8, and one bad string in the resource
// or a scope fails every export of the batch, so these are repaired once,
// when the provider or meter is created, and reported; instruments and
// measurement attributes are repaired where they enter too (meter.go,
// internal/aggregate/utf8.go, which holds the one repair function).

// repairScope returns scope with invalid UTF-8 in its name, version, schema
// URL and attributes repaired, and what was repaired (empty if nothing).
// Its attributes must have been normalised with aggregate.NormalizeSet,
// which repairs them; repairedAttrs says whether it did.
func repairScope(scope instrumentation.Scope, repairedAttrs bool) (instrumentation.Scope, []string) {
	var fixed []string
	for _, field := range []struct {
		what string
		str  *string
	}{{"name", &scope.Name}, {"version", &scope.Version}, {"schema URL", &scope.SchemaURL}} {
		if repaired, changed := aggregate.ValidUTF8(*field.str); changed {
			fixed = append(fixed, fmt.Sprintf("%s %q", field.what, *field.str))
			*field.str = repaired
		}
	}
	if repairedAttrs {
		fixed = append(fixed, "attributes")
	}
	return scope, fixed
}

// scopeRepairError reports the repair of a new meter's scope.
func scopeRepairError(scope instrumentation.Scope, fixed []string) error {
	return fmt.Errorf("fastmeter: Meter %q: the instrumentation scope's %s had invalid UTF-8, replaced by U+FFFD; "+
		"the meter's instruments are exported with the repaired scope", scope.Name, strings.Join(fixed, ", "))
}

// repairResource returns res with invalid UTF-8 in its attributes (keys and
// values, as for measurement attributes) and schema URL repaired, or res
// itself when it is valid, and an error describing a repair.
func repairResource(res *resource.Resource) (*resource.Resource, error) {
	if res == nil {
		return nil, nil
	}
	attrs, _, attrsFixed := aggregate.NormalizeSet(*res.Set())
	schemaURL, schemaFixed := aggregate.ValidUTF8(res.SchemaURL())
	if !attrsFixed && !schemaFixed {
		return res, nil
	}
	var what []string
	if attrsFixed {
		what = append(what, "attributes")
	}
	if schemaFixed {
		what = append(what, fmt.Sprintf("schema URL %q", res.SchemaURL()))
	}
	err := fmt.Errorf("fastmeter: the resource's %s had invalid UTF-8, replaced by U+FFFD; every metric is exported with the repaired resource",
		strings.Join(what, " and "))
	return resource.NewWithAttributes(schemaURL, attrs.ToSlice()...), err
}
