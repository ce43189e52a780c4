package readmetest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// conventionalImports are the package names README fragments may use
// without importing them, each with the one import path it always stands
// for in the README (one consistent alias: the root package is always
// sdkmetric, as in the one-line migration). A fragment that uses another
// package must import it; a block that imports one of these paths must use
// this name.
var conventionalImports = map[string]string{
	"sdkmetric":  "github.com/fastmeter/fastmeter",
	"autoconfig": "github.com/fastmeter/fastmeter/autoconfig",
	"autoexport": "github.com/fastmeter/fastmeter/autoexport",
	"metricz":    "github.com/fastmeter/fastmeter/metricz",
	"otelconf":   "github.com/fastmeter/fastmeter/otelconf",
	"prometheus": "github.com/fastmeter/fastmeter/prometheus",
	"otel":       "go.opentelemetry.io/otel",
	"attribute":  "go.opentelemetry.io/otel/attribute",
	"metric":     "go.opentelemetry.io/otel/metric",
	"metricdata": "go.opentelemetry.io/otel/sdk/metric/metricdata",
	"context":    "context",
	"fmt":        "fmt",
	"log":        "log",
	"http":       "net/http",
	"os":         "os",
	"time":       "time",
}

// readmeBlock is one ```go block of README.md.
type readmeBlock struct {
	line int // README line of the block's first line of code
	code []string
}

// TestReadmeGoBlocksCompile compiles every ```go block of README.md, so an
// example cannot rot or be pasted broken. Blocks added later are covered
// with no change here. How a block becomes a program:
//
//   - a block starting with a package clause is a complete file, compiled
//     as it is;
//   - a block of declarations (types, funcs, and maybe imports) gets
//     "package main" and, if it has none, an empty func main;
//   - any other block is a fragment: its leading import declarations stay
//     at file level, the rest becomes the body of func main, which starts
//     with ctx := context.Background() unless the block declares ctx.
//     Package names it uses without importing them are imported from
//     conventionalImports (any other name is an error); imports it does
//     not use become blank imports; variables it declares but does not use
//     are used (_ = v), since a fragment shows a step, not a whole program.
//
// Compile errors point at README.md lines (//line directives).
func TestReadmeGoBlocksCompile(t *testing.T) {
	readme, err := filepath.Abs(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := readBlocks(t, readme)
	if len(blocks) < 5 {
		t.Fatalf("found %d go blocks in %s; the README has more", len(blocks), readme)
	}
	moduleDir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	overlay := map[string]string{}
	var pkgs []string
	tmp := t.TempDir()
	for i, b := range blocks {
		src, err := program(b, readme)
		if err != nil {
			t.Errorf("README.md:%d: %v", b.line, err)
			continue
		}
		name := fmt.Sprintf("block%02d", i+1)
		file := filepath.Join(tmp, name+".go")
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		// The programs exist only in the overlay, inside this module, so
		// they build with its go.mod and leave nothing behind.
		overlay[filepath.Join(moduleDir, "readmeblocks", name, "main.go")] = file
		pkgs = append(pkgs, "./readmeblocks/"+name)
	}
	if t.Failed() {
		return
	}
	overlayJSON, err := json.Marshal(map[string]any{"Replace": overlay})
	if err != nil {
		t.Fatal(err)
	}
	overlayFile := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(overlayFile, overlayJSON, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", append([]string{"build", "-overlay=" + overlayFile}, pkgs...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("README Go blocks do not compile (%v):\n%s", err, out)
	}
	t.Logf("%d README Go blocks compile", len(blocks))
}

// readBlocks returns the ```go blocks of the file.
func readBlocks(t *testing.T, path string) []readmeBlock {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []readmeBlock
	var cur *readmeBlock
	scanner := bufio.NewScanner(f)
	for n := 1; scanner.Scan(); n++ {
		line := scanner.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && trimmed == "```go":
			cur = &readmeBlock{line: n + 1}
		case cur != nil && trimmed == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.code = append(cur.code, line)
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("README.md:%d: unterminated ```go block", cur.line-1)
	}
	return blocks
}

// lineDirective makes compile errors of the next line point at README.md.
func lineDirective(readme string, line int) string {
	return fmt.Sprintf("//line %s:%d\n", readme, line)
}

var declaresCtx = regexp.MustCompile(`(^|[\s,(])ctx\b[^=]*:=|var ctx\b`)

// program turns a block into a main package, as TestReadmeGoBlocksCompile
// describes.
func program(b readmeBlock, readme string) (string, error) {
	code := strings.Join(b.code, "\n")
	first := ""
	for _, l := range b.code {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "//") {
			first = l
			break
		}
	}
	if strings.HasPrefix(first, "package ") {
		return lineDirective(readme, b.line) + code + "\n", nil
	}
	fset := token.NewFileSet()
	if f, err := parser.ParseFile(fset, "", "package main\n"+code, 0); err == nil && hasNonImportDecl(f) {
		src := "package main\n" + lineDirective(readme, b.line) + code + "\n"
		if f.Scope.Lookup("main") == nil {
			src += "\nfunc main() {}\n"
		}
		return src, nil
	}

	// A fragment: leading imports, then statements.
	split := len(b.code) // index of the first body line
	inGroup := false
scan:
	for i, l := range b.code {
		l = strings.TrimSpace(l)
		switch {
		case inGroup:
			if l == ")" {
				inGroup = false
			}
			continue
		case l == "" || strings.HasPrefix(l, "//"):
			continue
		case strings.HasPrefix(l, "import ("):
			inGroup = true
			continue
		case strings.HasPrefix(l, "import "):
			continue
		}
		split = i
		break scan
	}
	importText := strings.Join(b.code[:split], "\n")
	body := strings.Join(b.code[split:], "\n")

	imports, err := parser.ParseFile(fset, "", "package main\n"+importText, parser.ImportsOnly)
	if err != nil {
		return "", fmt.Errorf("imports: %v", err)
	}
	fn, err := parser.ParseFile(fset, "", "package main\nfunc main() {\n"+body+"\n}\n", 0)
	if err != nil {
		return "", fmt.Errorf("not a complete file, declarations or statements: %v", err)
	}
	mainBody := fn.Decls[0].(*ast.FuncDecl).Body

	// Package names the body refers to: selectors on names it does not
	// declare.
	used := map[string]bool{}
	ast.Inspect(mainBody, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok && id.Obj == nil {
				used[id.Name] = true
			}
		}
		return true
	})
	needsCtx := !declaresCtx.MatchString(body)
	if needsCtx {
		used["context"] = true
	}

	var src strings.Builder
	src.WriteString("package main\n\nimport (\n")
	imported := map[string]bool{}
	for _, spec := range imports.Imports {
		path, _ := strconv.Unquote(spec.Path.Value)
		name := path[strings.LastIndex(path, "/")+1:]
		if spec.Name != nil {
			name = spec.Name.Name
		}
		for conventional, p := range conventionalImports {
			if p == path && conventional != name {
				return "", fmt.Errorf("imports %q as %s; the README always calls it %s", path, name, conventional)
			}
		}
		imported[name] = true
		if !used[name] {
			name = "_"
		}
		src.WriteString(lineDirective(readme, b.line+fset.Position(spec.Pos()).Line-2))
		fmt.Fprintf(&src, "\t%s %q\n", name, path)
	}
	var missing []string
	for name := range used {
		if imported[name] {
			continue
		}
		path, ok := conventionalImports[name]
		if !ok {
			missing = append(missing, name)
			continue
		}
		fmt.Fprintf(&src, "\t%s %q\n", name, path)
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return "", fmt.Errorf("uses %s without importing: import it in the block (or, for a name every example uses, add it to conventionalImports)", strings.Join(missing, ", "))
	}
	src.WriteString(")\n\nfunc main() {\n")
	if needsCtx {
		src.WriteString("\tctx := context.Background()\n\t_ = ctx\n")
	}
	src.WriteString(lineDirective(readme, b.line+split))
	src.WriteString(body)
	src.WriteString("\n")
	for _, name := range declaredNames(mainBody) {
		fmt.Fprintf(&src, "\t_ = %s\n", name)
	}
	src.WriteString("}\n")
	return src.String(), nil
}

// declaredNames are the variables the statements of body declare at its
// top level.
func declaredNames(body *ast.BlockStmt) []string {
	var names []string
	add := func(id *ast.Ident) {
		if id.Name != "_" && !slices.Contains(names, id.Name) {
			names = append(names, id.Name)
		}
	}
	for _, stmt := range body.List {
		switch s := stmt.(type) {
		case *ast.AssignStmt:
			if s.Tok == token.DEFINE {
				for _, lhs := range s.Lhs {
					if id, ok := lhs.(*ast.Ident); ok {
						add(id)
					}
				}
			}
		case *ast.DeclStmt:
			if g, ok := s.Decl.(*ast.GenDecl); ok && g.Tok == token.VAR {
				for _, spec := range g.Specs {
					for _, id := range spec.(*ast.ValueSpec).Names {
						add(id)
					}
				}
			}
		}
	}
	return names
}

// hasNonImportDecl reports whether f declares anything besides imports.
func hasNonImportDecl(f *ast.File) bool {
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); !ok || g.Tok != token.IMPORT {
			return true
		}
	}
	return false
}
