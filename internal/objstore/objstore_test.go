package objstore_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cdflow/cdflow/internal/objstore"
	"github.com/cdflow/cdflow/internal/s3test"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in      string
		want    objstore.URL
		wantErr string
	}{
		{"s3://b/k/x.tif", objstore.URL{Bucket: "b", Key: "k/x.tif"}, ""},
		{"s3://b", objstore.URL{Bucket: "b"}, ""},
		{"s3:///k", objstore.URL{}, "names no bucket"},
		{"/data/x.tif", objstore.URL{}, "not an object storage URL"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := objstore.Parse(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
}

func TestUserNames(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"read /vsis3/b/run/a.tif: truncated", "read s3://b/run/a.tif: truncated"},
		{"/vsis3/b/x.laz and /vsis3/c/y.laz differ", "s3://b/x.laz and s3://c/y.laz differ"},
		{"read /data/a.tif: truncated", "read /data/a.tif: truncated"},
		{"/vsis3/b/a.tif is truncated", "s3://b/a.tif is truncated"},
		{`open "/vsis3/b/a.tif"`, `open "s3://b/a.tif"`},
		{"read /data/vsis3/a.tif: truncated", "read /data/vsis3/a.tif: truncated"},
	} {
		if got := objstore.UserNames(tc.in); got != tc.want {
			t.Errorf("UserNames(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Every name GDAL is given maps back to the URL it came from.
	u := objstore.URL{Bucket: "b", Key: "run/a b.tif"}
	if got := objstore.UserNames(u.VSIPath()); got != u.String() {
		t.Errorf("UserNames(%q) = %q, want %q", u.VSIPath(), got, u.String())
	}
}

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want objstore.Config
		gdal map[string]string
	}{
		{"AWS", map[string]string{"AWS_ACCESS_KEY_ID": "k"}, objstore.Config{Host: "s3.amazonaws.com", Secure: true, Region: "us-east-1", AccessKey: "k"}, nil},
		{"endpoint URL", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:9000", "AWS_REGION": "eu-west-1"},
			objstore.Config{Host: "127.0.0.1:9000", PathStyle: true, Region: "eu-west-1", FromURLEnv: true},
			map[string]string{"AWS_S3_ENDPOINT": "127.0.0.1:9000", "AWS_HTTPS": "NO", "AWS_VIRTUAL_HOSTING": "FALSE", "AWS_REGION": "eu-west-1"}},
		{"GDAL's variables", map[string]string{"AWS_S3_ENDPOINT": "minio:9000", "AWS_HTTPS": "NO", "AWS_VIRTUAL_HOSTING": "FALSE"},
			objstore.Config{Host: "minio:9000", PathStyle: true, Region: "us-east-1"}, nil},
		{"virtual hosting kept", map[string]string{"AWS_S3_ENDPOINT": "s3.example.org", "AWS_VIRTUAL_HOSTING": "TRUE"},
			objstore.Config{Host: "s3.example.org", Secure: true, Region: "us-east-1"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := objstore.ConfigFromEnv(func(k string) string { return tc.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			g := got.GDALOptions()
			if len(g) != 4 {
				t.Fatalf("GDAL options %v, want the 4 /vsis3/ keys", g)
			}
			for k, v := range g {
				if tc.gdal[k] != v {
					t.Errorf("GDAL %s = %q, want %q", k, v, tc.gdal[k])
				}
			}
		})
	}
	if _, err := objstore.ConfigFromEnv(func(k string) string {
		return map[string]string{"AWS_ENDPOINT_URL": "127.0.0.1:9000"}[k]
	}); err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
		t.Errorf("endpoint without scheme: %v", err)
	}
}

func TestPlaceholder(t *testing.T) {
	dir := t.TempDir()
	if !objstore.CanWritePlaceholders(dir) {
		t.Fatalf("%s keeps no user extended attributes: the test needs a file system that does (ext4, XFS, btrfs)", dir)
	}
	o := objstore.Object{URL: objstore.URL{Bucket: "b", Key: "run/tiles/E1_N2/dh map.tif"}, Size: 1234, ETag: "0123456789abcdef0123456789ABCDEF"}
	file := filepath.Join(dir, "dh.tif")
	if err := os.WriteFile(file, []byte("the old bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := objstore.WritePlaceholder(file, o); err != nil {
		t.Fatal(err)
	}
	if got, ok := objstore.Placeholder(file); !ok || got != o {
		t.Fatalf("placeholder %+v, %v; want %+v", got, ok, o)
	}
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if want := newFileMode(t, dir); st.Size() != 0 || st.Mode().Perm() != want {
		t.Fatalf("placeholder: %d bytes, mode %v; want none, mode %v", st.Size(), st.Mode().Perm(), want)
	}
	// A hard link is the same placeholder (a release's stage).
	link := filepath.Join(dir, "link.tif")
	if err := os.Link(file, link); err != nil {
		t.Fatal(err)
	}
	if got, ok := objstore.Placeholder(link); !ok || got != o {
		t.Fatalf("link: %+v, %v", got, ok)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("WritePlaceholder left %d files in %s, want 2", len(ents), dir)
	}
	// Bytes written in place (the record stays on the file): no longer a
	// placeholder. Nor is a file without the record, or a missing one.
	if err := os.WriteFile(link, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := objstore.Placeholder(file); ok {
		t.Error("a placeholder written to since is still one")
	}
	plain := filepath.Join(dir, "plain.tif")
	if err := os.WriteFile(plain, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{plain, filepath.Join(dir, "missing.tif")} {
		if _, ok := objstore.Placeholder(f); ok {
			t.Errorf("%s is a placeholder", f)
		}
	}
	// An ETag that is no MD5 (a multipart upload's) cannot vouch for
	// the bytes.
	multi := o
	multi.ETag = "0123456789abcdef0123456789abcdef-2"
	if err := objstore.WritePlaceholder(filepath.Join(dir, "multi.tif"), multi); err == nil || !strings.Contains(err.Error(), "not an MD5") {
		t.Errorf("placeholder for a multipart ETag: %v", err)
	}
}

// TestServer runs the client against a real S3 server (SeaweedFS).
func TestServer(t *testing.T) {
	ctx := context.Background()
	srv := s3test.Start(t)
	c := srv.Client
	bucket := srv.Bucket(t, "objstore")
	root := objstore.URL{Bucket: bucket}

	t.Run("conditional write", func(t *testing.T) {
		u := root.Join("cond", "a.json")
		if _, err := c.PutBytes(ctx, u, []byte("one"), objstore.PutOptions{IfAbsent: true}); err != nil {
			t.Fatal(err)
		}
		_, err := c.PutBytes(ctx, u, []byte("two"), objstore.PutOptions{IfAbsent: true})
		if !errors.Is(err, objstore.ErrExists) {
			t.Fatalf("second conditional write: %v, want ErrExists", err)
		}
		if b, err := c.Get(ctx, u); err != nil || string(b) != "one" {
			t.Fatalf("object now %q (%v): the conditional write replaced it", b, err)
		}
		if _, err := c.PutBytes(ctx, u, []byte("three"), objstore.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("sync", func(t *testing.T) {
		u := root.Join("sync", "a.tif")
		file := filepath.Join(t.TempDir(), "a.tif")
		if err := os.WriteFile(file, []byte("the product"), 0o644); err != nil {
			t.Fatal(err)
		}
		first, sent, err := c.SyncFile(ctx, u, file, nil, objstore.PutOptions{})
		if err != nil || !sent {
			t.Fatalf("first upload: sent %v, %v", sent, err)
		}
		// Listed as it is: nothing sent. Listed with other bytes, or
		// another size: sent again.
		listed, err := c.List(ctx, u)
		if err != nil || len(listed) != 1 {
			t.Fatalf("listed %v, %v", listed, err)
		}
		if o, sent, err := c.SyncFile(ctx, u, file, &listed[0], objstore.PutOptions{}); err != nil || sent || o != first {
			t.Errorf("same bytes: sent %v, %+v, %v; want nothing sent, %+v", sent, o, err, first)
		}
		for _, stale := range []objstore.Object{
			{URL: u, Size: first.Size, ETag: "00000000000000000000000000000000"},
			{URL: u, Size: first.Size + 1, ETag: first.ETag},
		} {
			if o, sent, err := c.SyncFile(ctx, u, file, &stale, objstore.PutOptions{}); err != nil || !sent || o != first {
				t.Errorf("listed as %+v: sent %v, %+v, %v; want sent, %+v", stale, sent, o, err, first)
			}
		}
	})

	t.Run("server-side copy", func(t *testing.T) {
		src := root.Join("copy", "src.tif")
		data := bytes.Repeat([]byte("product "), 500)
		stored, err := c.PutBytes(ctx, src, data, objstore.PutOptions{ContentType: "image/tiff"})
		if err != nil {
			t.Fatal(err)
		}
		listed, err := c.List(ctx, root.Join("copy", "src"))
		if err != nil || len(listed) != 1 || listed[0] != stored {
			t.Fatalf("listed %+v (%v), stored %+v", listed, err, stored)
		}
		// The file downloaded from it knows it, through a hard link too,
		// while its bytes are the object's.
		dir := t.TempDir()
		file := filepath.Join(dir, "src.tif")
		if err := c.Download(ctx, src, file); err != nil {
			t.Fatal(err)
		}
		// Readable as the run's other files are, not as a temporary file.
		st, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := st.Mode().Perm(), newFileMode(t, dir); got != want {
			t.Fatalf("downloaded file: mode %v, want %v", got, want)
		}
		if err := objstore.SetOrigin(file, listed[0]); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(dir, "link.tif")
		if err := os.Link(file, link); err != nil {
			t.Fatal(err)
		}
		o, ok := objstore.Origin(link)
		if !ok || o != stored {
			t.Fatalf("origin %+v, %v; want %+v", o, ok, stored)
		}
		// The same record on a file of another size, and on one of the
		// same size with other bytes: neither holds the object.
		other := bytes.Clone(data)
		other[len(other)/2] ^= 1
		for _, tc := range []struct {
			name  string
			bytes []byte
		}{{"another size", append(bytes.Clone(data), 'x')}, {"other bytes", other}} {
			f := filepath.Join(dir, tc.name)
			if err := os.WriteFile(f, tc.bytes, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := objstore.SetOrigin(f, listed[0]); err != nil {
				t.Fatal(err)
			}
			if _, ok := objstore.Origin(f); ok {
				t.Errorf("a file of %s has the object's origin", tc.name)
			}
		}
		if _, ok := objstore.Origin(filepath.Join(dir, "elsewhere")); ok {
			t.Error("a missing file has an origin")
		}
		dst := root.Join("copy", "dst", "a.tif")
		got, err := c.Copy(ctx, o, dst, objstore.PutOptions{ContentType: "image/tiff"})
		if err != nil {
			t.Fatal(err)
		}
		if b, err := c.Get(ctx, dst); err != nil || !bytes.Equal(b, data) || got.ETag != stored.ETag || got.Size != stored.Size {
			t.Fatalf("copy holds %d bytes (%v), stored %+v", len(b), err, got)
		}
		// The source replaced since it was listed: the copy is refused
		// and writes nothing.
		if _, err := c.PutBytes(ctx, src, []byte("changed"), objstore.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		stale := root.Join("copy", "dst", "b.tif")
		if _, err := c.Copy(ctx, o, stale, objstore.PutOptions{}); err == nil || !strings.Contains(err.Error(), "no longer the object it was") {
			t.Fatalf("copy of a source that changed since it was listed: %v", err)
		}
		if _, err := c.Stat(ctx, stale); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("refused copy left %s: %v", stale, err)
		}
	})

	t.Run("glob and ranged reads", func(t *testing.T) {
		dir := t.TempDir()
		data := bytes.Repeat([]byte("0123456789"), 1000)
		for _, name := range []string{"a/x1.tif", "a/x2.tif", "a/x3.las", "a/sub/x4.tif", "b/x5.tif"} {
			p := filepath.Join(dir, filepath.FromSlash(name))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		srv.UploadDir(t, dir, root.Join("g"))
		got, err := c.Glob(ctx, "s3://"+bucket+"/g/a/*.tif")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Key != "g/a/x1.tif" || got[1].Key != "g/a/x2.tif" {
			t.Errorf("glob: %v", got)
		}
		r, err := c.OpenReaderAt(ctx, root.Join("g/a/x3.las"))
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 7)
		if n, err := r.ReadAt(buf, 12); n != 7 || err != nil || string(buf) != "2345678" {
			t.Errorf("ReadAt(12): %d %v %q", n, err, buf)
		}
		if n, err := r.ReadAt(buf, r.Size()-3); n != 3 || err != io.EOF || string(buf[:3]) != "789" {
			t.Errorf("ReadAt at the end: %d %v %q", n, err, buf[:n])
		}
	})

	t.Run("clear errors", func(t *testing.T) {
		bad := srv.Config()
		bad.SecretKey = "wrong"
		wrong, err := objstore.New(bad)
		if err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name   string
			do     func() error
			target error
			want   []string
		}{
			{"unknown bucket", func() error { _, err := c.List(ctx, objstore.URL{Bucket: "no-such-bucket", Key: "x/"}); return err },
				objstore.ErrNoBucket, []string{"s3://no-such-bucket/x/", "does not exist", "create it"}},
			{"missing object", func() error { _, err := c.Get(ctx, root.Join("nothing.tif")); return err },
				fs.ErrNotExist, []string{"s3://" + bucket + "/nothing.tif", "no such object"}},
			{"wrong credentials", func() error { _, err := wrong.List(ctx, root); return err },
				objstore.ErrAccess, []string{"s3://" + bucket + "/", "AWS_SECRET_ACCESS_KEY"}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				err := tc.do()
				if !errors.Is(err, tc.target) {
					t.Fatalf("error %v, want %v", err, tc.target)
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not say %q", err, w)
					}
				}
			})
		}
	})
}

// newFileMode is the mode os.Create gives a new file in dir: that of
// every file a run writes.
func newFileMode(t *testing.T, dir string) os.FileMode {
	t.Helper()
	f, err := os.Create(filepath.Join(dir, ".mode"))
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}
