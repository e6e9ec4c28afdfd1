package examples_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recipes returns the directories of examples/: every one must be a recipe.
func recipes(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	var dirs []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() && !strings.HasPrefix(name, ".") && !strings.HasPrefix(name, "_") && name != "testdata" {
			dirs = append(dirs, name)
		}
	}
	require.NotEmpty(t, dirs, "no recipe directories found")
	return dirs
}

// TestEveryRecipeIsExercised checks that each directory of examples/ is a
// recipe: a README.md, a main.go of package main with a
// run(ctx context.Context, w io.Writer, ...) error function, and a test
// file that calls run. A folder whose run no test calls fails here.
func TestEveryRecipeIsExercised(t *testing.T) {
	for _, dir := range recipes(t) {
		t.Run(dir, func(t *testing.T) {
			readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
			if assert.NoError(t, err, "%s needs a README.md: what it shows, how to run it, what it prints", dir) {
				assert.Contains(t, string(readme), "go run ./examples/"+dir, "the README says how to run it")
			}

			fset := token.NewFileSet()
			main, err := parser.ParseFile(fset, filepath.Join(dir, "main.go"), nil, parser.SkipObjectResolution)
			require.NoError(t, err, "%s needs a main.go", dir)
			assert.Equal(t, "main", main.Name.Name, "%s/main.go is package main", dir)
			run := findFunc(main, "run")
			if assert.NotNil(t, run, "%s/main.go declares func run(ctx context.Context, w io.Writer, ...) error", dir) {
				assert.True(t, isRunSignature(run.Type), "%s/main.go: run must be func(ctx context.Context, w io.Writer, ...) error", dir)
			}

			tests, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
			require.NoError(t, err)
			require.NotEmpty(t, tests, "%s has no *_test.go", dir)
			called := false
			for _, name := range tests {
				f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
				require.NoError(t, err)
				called = called || callsRun(f)
			}
			assert.True(t, called, "no test in %s calls run(...): the recipe is not exercised", dir)
		})
	}
}

// TestDocListsEveryRecipe checks that the package comment in doc.go names
// every recipe.
func TestDocListsEveryRecipe(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	for _, dir := range recipes(t) {
		assert.Contains(t, string(doc), "//   - "+dir+":", "doc.go does not list the recipe %s", dir)
	}
}

// findFunc returns the top-level function (not method) name of f, or nil.
func findFunc(f *ast.File, name string) *ast.FuncDecl {
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.Name == name {
			return fn
		}
	}
	return nil
}

// isRunSignature reports whether ft is func(context.Context, io.Writer,
// ...) error.
func isRunSignature(ft *ast.FuncType) bool {
	var params []ast.Expr
	for _, p := range ft.Params.List {
		n := max(len(p.Names), 1)
		for range n {
			params = append(params, p.Type)
		}
	}
	if len(params) < 2 || !isSelector(params[0], "context", "Context") || !isSelector(params[1], "io", "Writer") {
		return false
	}
	if ft.Results == nil || len(ft.Results.List) != 1 || len(ft.Results.List[0].Names) > 1 {
		return false
	}
	id, ok := ft.Results.List[0].Type.(*ast.Ident)
	return ok && id.Name == "error"
}

func isSelector(e ast.Expr, pkg, name string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	x, ok := sel.X.(*ast.Ident)
	return ok && x.Name == pkg && sel.Sel.Name == name
}

// callsRun reports whether f calls the package-level function run.
func callsRun(f *ast.File) bool {
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok {
			if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "run" {
				found = true
			}
		}
		return !found
	})
	return found
}

// TestChecks shows that the checks above can fail: they are not satisfied
// by a comment or by a run of another shape.
func TestChecks(t *testing.T) {
	parse := func(src string) *ast.File {
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", src, parser.SkipObjectResolution)
		require.NoError(t, err)
		return f
	}
	for _, tc := range []struct {
		src  string
		want bool
	}{
		{"package main\nfunc run(ctx context.Context, w io.Writer) error { return nil }", true},
		{"package main\nfunc run(ctx context.Context, w io.Writer, dir, url string) error { return nil }", true},
		{"package main\nfunc run(w io.Writer) error { return nil }", false},
		{"package main\nfunc run(ctx context.Context, w io.Writer) {}", false},
		{"package main\nfunc run(ctx context.Context, w io.Writer) (int, error) { return 0, nil }", false},
	} {
		fn := findFunc(parse(tc.src), "run")
		require.NotNil(t, fn, tc.src)
		assert.Equal(t, tc.want, isRunSignature(fn.Type), tc.src)
	}
	assert.True(t, callsRun(parse("package main\nfunc TestX() { _ = run(nil, nil) }")))
	assert.False(t, callsRun(parse("package main\n// run(ctx, w) is not called here\nfunc TestX() { x.run(); runAll() }")))
}
