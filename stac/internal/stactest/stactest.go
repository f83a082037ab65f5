// Package stactest holds the test helpers shared by package stac and its
// extensions: golden files and validation against the offline schemas.
package stactest

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cdflow/cdflow/stac"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata")

// Golden compares got with the golden file at path; with -update it writes
// got there instead.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run go test -update to accept it)\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

// SchemaDir returns the offline STAC schema folder, failing the test with
// instructions when there is none.
func SchemaDir(t testing.TB) string {
	t.Helper()
	dir, _ := stac.DefaultSchemaDir(os.Getenv)
	if dir == "" {
		t.Fatalf("offline STAC schemas not found: set %s to the stac-schemas folder, or put it at ../shared/stac-schemas beside the module root", stac.SchemaDirEnv)
	}
	return dir
}

var shared struct {
	once sync.Once
	v    *stac.Validator
	err  error
}

// Validator returns a validator on SchemaDir, made once per test binary
// so the compiled schemas are reused.
func Validator(t testing.TB) *stac.Validator {
	t.Helper()
	dir := SchemaDir(t)
	shared.once.Do(func() {
		shared.v, shared.err = stac.NewValidator(dir)
		if shared.err == nil {
			// Objects written for their schemas alone, with no files beside.
			shared.v.SkipAssets = true
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.v
}

// AssertValid validates the object at path, and whatever it links to as
// child or item, failing the test for each problem.
func AssertValid(t testing.TB, path string) {
	t.Helper()
	report, err := Validator(t).Validate(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	for _, problem := range report.Invalid {
		t.Errorf("invalid: %s", problem)
	}
}
