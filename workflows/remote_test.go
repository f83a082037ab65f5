package workflows

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRemoteListingUsesParserContext: listing a source's objects runs under
// the parser's context, so a cancelled command stops it at once instead of
// waiting on the server.
func TestRemoteListingUsesParserContext(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "k")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "s")
	// Nothing answers there: without the context, the listing would end in
	// a refused connection, not in "context canceled".
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
	dir := t.TempDir()
	wf := filepath.Join(dir, "w.hcl")
	src := `source "dsm" "t0" {
  files = ["s3://bucket/dsm/*.tif"]
}
`
	if err := os.WriteFile(wf, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := NewParser(nil)
	p.Context = ctx
	_, diags := p.Load(wf, InputValues{Getenv: os.Getenv})
	var all []string
	for _, d := range diags {
		all = append(all, d.Summary+": "+d.Detail)
	}
	if got := strings.Join(all, "\n"); !strings.Contains(got, "context canceled") {
		t.Errorf("the listing did not stop with the parser's context:\n%s", got)
	}
}
