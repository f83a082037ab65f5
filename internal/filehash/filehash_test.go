package filehash

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
)

// TestSHA256 hashes files of sizes around the buffer's, one after another
// (so buffers are reused dirty), against the digest of their bytes.
func TestSHA256(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{0, 1, 64<<10 - 1, 64 << 10, 64<<10 + 1, 200_003} {
		data := bytes.Repeat([]byte{byte(n), byte(n >> 8), 7}, n/3+1)[:n]
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sum, size, err := SHA256(p)
		if err != nil {
			t.Fatal(err)
		}
		if want := sha256.Sum256(data); sum != want || size != int64(n) {
			t.Errorf("%d bytes: got %x, %d bytes; want %x", n, sum, size, want)
		}
	}
	if _, _, err := SHA256(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file hashed without error")
	}
}
