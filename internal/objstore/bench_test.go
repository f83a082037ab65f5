package objstore_test

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/internal/s3test"
)

// BenchmarkPutFile uploads a 32 MiB file (one request, MD5 checked) to a
// local SeaweedFS: the client's and the server's cost, no network.
func BenchmarkPutFile(b *testing.B) {
	srv := s3test.Start(b)
	bucket := srv.Bucket(b, "bench")
	f := filepath.Join(b.TempDir(), "x.tif")
	data := make([]byte, 32<<20)
	rand.Read(data)
	if err := os.WriteFile(f, data, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := srv.Client.PutFile(context.Background(), objstore.URL{Bucket: bucket, Key: "x.tif"}, f, objstore.PutOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
