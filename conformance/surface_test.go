package conformance

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"go/constant"
	"go/importer"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const (
	officialPath  = "go.opentelemetry.io/otel/sdk/metric"
	fastmeterPath = "github.com/fastmeter/fastmeter"
)

// reusedTypes are the official contract types fastmeter must reuse as type
// aliases (README, "Migrate in one line"), so values flow between code written for either SDK.
var reusedTypes = []string{
	"Exporter", "Producer", "View", "Instrument", "Stream", "InstrumentKind",
	"Aggregation", "AggregationDefault", "AggregationDrop", "AggregationSum",
	"AggregationLastValue", "AggregationExplicitBucketHistogram",
	"AggregationBase2ExponentialHistogram", "AggregationSelector",
	"TemporalitySelector", "CardinalityLimitSelector", "ExemplarReservoirProviderSelector",
}

// loadTypes type-checks both packages from the compiler's export data, with
// one importer so that shared dependencies (metricdata, the OTel API, …) are
// the same *types.Package on both sides. `go list -export` builds the export
// data (cached); it needs nothing but the go command, so this works from a
// clean clone and in CI.
func loadTypes(t *testing.T, paths ...string) map[string]*types.Package {
	t.Helper()
	args := append([]string{"list", "-export", "-deps", "-json=ImportPath,Export"}, paths...)
	cmd := exec.Command("go", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	exportFiles := map[string]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct{ ImportPath, Export string }
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		exportFiles[p.ImportPath] = p.Export
	}
	imp := importer.ForCompiler(token.NewFileSet(), "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exportFiles[path]
		if !ok || file == "" {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		return struct {
			io.Reader
			io.Closer
		}{bufio.NewReader(f), f}, nil
	})
	pkgs := map[string]*types.Package{}
	for _, p := range paths {
		pkg, err := imp.Import(p)
		if err != nil {
			t.Fatalf("importing %s: %v", p, err)
		}
		pkgs[p] = pkg
	}
	return pkgs
}

// qualifier prints both SDK packages as "sdk", so a fastmeter signature that
// uses its own MeterProvider/Option/Reader types where the official one uses
// the official types compares equal; every other package keeps its path.
func qualifier(p *types.Package) string {
	if p.Path() == officialPath || p.Path() == fastmeterPath {
		return "sdk"
	}
	return p.Path()
}

// typeString is t modulo the SDK package, without parameter names.
func typeString(t types.Type) string {
	if sig, ok := t.(*types.Signature); ok {
		return signatureString(sig)
	}
	return types.TypeString(t, qualifier)
}

func signatureString(sig *types.Signature) string {
	tuple := func(tu *types.Tuple, variadic bool) string {
		var parts []string
		for i := range tu.Len() {
			s := types.TypeString(tu.At(i).Type(), qualifier)
			if variadic && i == tu.Len()-1 {
				s = "..." + strings.TrimPrefix(s, "[]")
			}
			parts = append(parts, s)
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	return "func" + tuple(sig.Params(), sig.Variadic()) + " " + tuple(sig.Results(), false)
}

// exportedMethods maps the exported methods of *T (or of T for interfaces)
// to their signatures modulo the SDK package.
func exportedMethods(named types.Type) map[string]string {
	t := named
	if _, isInterface := named.Underlying().(*types.Interface); !isInterface {
		t = types.NewPointer(named)
	}
	ms := types.NewMethodSet(t)
	out := map[string]string{}
	for i := range ms.Len() {
		if f := ms.At(i).Obj(); f.Exported() {
			out[f.Name()] = signatureString(f.Type().(*types.Signature))
		}
	}
	return out
}

// TestExportedSurface: every exported identifier of the official SDK exists
// in fastmeter with a compatible declaration: reused types are identical
// aliases, functions and variables have the same types (modulo the SDK
// package itself), constants the same values, and fastmeter's own types have
// every exported method (and struct field) of the official ones.
func TestExportedSurface(t *testing.T) {
	pkgs := loadTypes(t, officialPath, fastmeterPath)
	official, fast := pkgs[officialPath].Scope(), pkgs[fastmeterPath].Scope()
	mustAlias := map[string]bool{}
	for _, n := range reusedTypes {
		mustAlias[n] = true
	}

	names := official.Names()
	sort.Strings(names)
	checked := 0
	for _, name := range names {
		want := official.Lookup(name)
		if !want.Exported() {
			continue
		}
		checked++
		got := fast.Lookup(name)
		if got == nil {
			t.Errorf("%s: missing in fastmeter (official: %s)", name, types.ObjectString(want, qualifier))
			continue
		}
		switch want := want.(type) {
		case *types.Func:
			g, ok := got.(*types.Func)
			if !ok {
				t.Errorf("%s: official func, fastmeter %T", name, got)
			} else if ws, gs := typeString(want.Type()), typeString(g.Type()); ws != gs {
				t.Errorf("%s: signature %s, official %s", name, gs, ws)
			}
		case *types.Var:
			if _, ok := got.(*types.Var); !ok {
				t.Errorf("%s: official var, fastmeter %T", name, got)
			} else if !types.Identical(want.Type(), got.Type()) {
				t.Errorf("%s: type %s, official %s", name, got.Type(), want.Type())
			}
		case *types.Const:
			g, ok := got.(*types.Const)
			if !ok {
				t.Errorf("%s: official const, fastmeter %T", name, got)
			} else if !types.Identical(want.Type(), g.Type()) || !constant.Compare(want.Val(), token.EQL, g.Val()) {
				t.Errorf("%s: %s = %s, official %s = %s", name, g.Type(), g.Val(), want.Type(), want.Val())
			}
		case *types.TypeName:
			g, ok := got.(*types.TypeName)
			if !ok {
				t.Errorf("%s: official type, fastmeter %T", name, got)
				continue
			}
			if mustAlias[name] {
				if !g.IsAlias() || !types.Identical(g.Type(), want.Type()) {
					t.Errorf("%s: must be an alias of the official type; is %s", name, types.ObjectString(g, qualifier))
				}
				continue
			}
			if types.Identical(g.Type(), want.Type()) {
				continue // an alias even where fastmeter could own the type
			}
			checkOwnedType(t, name, want.Type(), g.Type())
		default:
			t.Errorf("%s: unexpected object kind %T", name, want)
		}
	}
	if checked < 50 {
		t.Fatalf("only %d exported identifiers found in %s: the loader is broken", checked, officialPath)
	}
}

// checkOwnedType compares a type fastmeter owns with the official one of the
// same name: same kind (struct, interface, func, basic), every exported
// method of the official type present with the same signature, and every
// exported struct field present with the same type.
func checkOwnedType(t *testing.T, name string, want, got types.Type) {
	t.Helper()
	if wk, gk := fmt.Sprintf("%T", want.Underlying()), fmt.Sprintf("%T", got.Underlying()); wk != gk {
		t.Errorf("%s: underlying %s, official %s", name, gk, wk)
		return
	}
	gotMethods := exportedMethods(got)
	for m, sig := range exportedMethods(want) {
		switch g, ok := gotMethods[m]; {
		case !ok:
			t.Errorf("%s.%s: missing in fastmeter (official %s)", name, m, sig)
		case g != sig:
			t.Errorf("%s.%s: signature %s, official %s", name, m, g, sig)
		}
	}
	if ws, ok := want.Underlying().(*types.Struct); ok {
		gs := got.Underlying().(*types.Struct)
		gotFields := map[string]string{}
		for i := range gs.NumFields() {
			gotFields[gs.Field(i).Name()] = typeString(gs.Field(i).Type())
		}
		for i := range ws.NumFields() {
			f := ws.Field(i)
			if !f.Exported() {
				continue
			}
			if g, ok := gotFields[f.Name()]; !ok || g != typeString(f.Type()) {
				t.Errorf("%s.%s: field %q, official %s", name, f.Name(), g, typeString(f.Type()))
			}
		}
	}
}

// TestSurfaceLoaderDetectsDifferences: the checker itself must fail on a
// package that differs from the official one; the metricdata package is a
// convenient "wrong" candidate with almost none of the names.
func TestSurfaceLoaderDetectsDifferences(t *testing.T) {
	pkgs := loadTypes(t, officialPath, "go.opentelemetry.io/otel/sdk/metric/metricdata")
	official, other := pkgs[officialPath].Scope(), pkgs["go.opentelemetry.io/otel/sdk/metric/metricdata"].Scope()
	missing := 0
	for _, name := range official.Names() {
		if official.Lookup(name).Exported() && other.Lookup(name) == nil {
			missing++
		}
	}
	if missing == 0 {
		t.Fatal("no exported identifier reported missing from an unrelated package")
	}
	// And the signature printer distinguishes what must be distinguished.
	newMP := official.Lookup("NewMeterProvider").Type()
	newMR := official.Lookup("NewManualReader").Type()
	if typeString(newMP) == typeString(newMR) {
		t.Fatalf("typeString cannot tell %s from %s", newMP, newMR)
	}
}
