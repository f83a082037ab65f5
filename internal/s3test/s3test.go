// Package s3test runs a real S3 server for tests: SeaweedFS (`weed
// server -s3`), built by `make weed` into bin/weed from the module in
// ./weed. The server listens on free loopback ports in a temporary folder,
// knows one access key, and stops when the test ends. A missing binary
// fails the test (never skips it): `make test` builds it first.
package s3test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cdflow/cdflow/internal/objstore"
)

// BinEnv overrides where the weed binary is.
const BinEnv = "CDFLOW_WEED"

// The credentials the server accepts.
const (
	AccessKey = "cdflowtest"
	SecretKey = "cdflowtestsecret0123456789"
)

// Server is a running SeaweedFS with its S3 gateway.
type Server struct {
	Endpoint string // http://127.0.0.1:port
	Client   *objstore.Client
	log      *lockedWriter
}

// Bin is the weed binary's path, or a test failure saying how to build it.
func Bin(tb testing.TB) string {
	tb.Helper()
	p := os.Getenv(BinEnv)
	if p == "" {
		root, err := moduleRoot()
		if err != nil {
			tb.Fatalf("s3test: %v", err)
		}
		p = filepath.Join(root, "bin", "weed")
	}
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("s3test: the S3 test server %s is missing: run `make test` (or `make weed`), which builds it from internal/s3test/weed, or set %s", p, BinEnv)
	}
	return p
}

// Start starts a server for the test; it stops in t.Cleanup.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin := Bin(tb)
	// Unix socket paths are short: not t.TempDir's long names.
	dir, err := os.MkdirTemp("", "weed-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	cfg := fmt.Sprintf(`{"identities":[{"name":"cdflow","credentials":[{"accessKey":%q,"secretKey":%q}],"actions":["Admin","Read","List","Tagging","Write"]}]}`, AccessKey, SecretKey)
	if err := os.WriteFile(filepath.Join(dir, "s3.json"), []byte(cfg), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "data"), 0o755); err != nil {
		tb.Fatal(err)
	}
	var s *Server
	var lastErr error
	// A port found free can be taken before weed binds it: try again.
	for attempt := 0; attempt < 3; attempt++ {
		s, lastErr = start(tb, bin, dir)
		if lastErr == nil {
			return s
		}
	}
	tb.Fatalf("s3test: %v", lastErr)
	return nil
}

func start(tb testing.TB, bin, dir string) (*Server, error) {
	ports, err := freePorts(8)
	if err != nil {
		return nil, err
	}
	p := func(i int) string { return strconv.Itoa(ports[i]) }
	args := []string{"server",
		"-dir=" + filepath.Join(dir, "data"), "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
		"-master.port=" + p(0), "-master.port.grpc=" + p(1), "-master.telemetry=false", "-master.volumeSizeLimitMB=64",
		// Every bucket is a collection that grows its own volumes (sparse files): room for many.
		"-volume.port=" + p(2), "-volume.port.grpc=" + p(3), "-volume.max=1000", "-volume.preStopSeconds=0",
		"-filer", "-filer.port=" + p(4), "-filer.port.grpc=" + p(5), "-filer.localSocket=" + filepath.Join(dir, "f.sock"),
		"-s3", "-s3.port=" + p(6), "-s3.port.grpc=" + p(7), "-s3.localSocket=" + filepath.Join(dir, "s.sock"),
		"-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.config=" + filepath.Join(dir, "s3.json"),
		// Unknown buckets must stay errors, as on AWS.
		"-s3.autoCreateBucket=false",
	}
	cmd := exec.Command(bin, args...)
	log := &lockedWriter{}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// The server's data is thrown away, so there is nothing to shut down
	// cleanly (weed takes 10 s to stop on SIGTERM).
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
	s := &Server{Endpoint: "http://127.0.0.1:" + p(6), log: log}
	s.Client, err = objstore.New(s.Config())
	if err != nil {
		stop()
		return nil, err
	}
	if err := s.waitReady(exited); err != nil {
		stop()
		return nil, fmt.Errorf("%w\nweed log:\n%s", err, tail(log.String(), 3000))
	}
	tb.Cleanup(stop)
	return s, nil
}

// waitReady waits until an object can be written and read back: the S3
// gateway, the filer and a volume are all up.
func (s *Server) waitReady(exited <-chan error) error {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	bucket := "ready-" + randomHex(4)
	var err error
	for {
		select {
		case e := <-exited:
			return fmt.Errorf("weed exited while starting: %v", e)
		case <-ctx.Done():
			return fmt.Errorf("weed not ready after 90s: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
		if err = s.Client.MakeBucket(ctx, bucket); err != nil && !strings.Contains(err.Error(), "BucketAlready") {
			continue
		}
		u := objstore.URL{Bucket: bucket, Key: "probe"}
		if _, err = s.Client.PutBytes(ctx, u, []byte("ok"), objstore.PutOptions{}); err != nil {
			continue
		}
		if _, err = s.Client.Get(ctx, u); err == nil {
			return nil
		}
	}
}

// Config is the client configuration reaching the server.
func (s *Server) Config() objstore.Config {
	host := strings.TrimPrefix(s.Endpoint, "http://")
	return objstore.Config{Host: host, PathStyle: true, Region: "us-east-1", AccessKey: AccessKey, SecretKey: SecretKey, FromURLEnv: true}
}

// SetEnv points the environment (AWS_ENDPOINT_URL and the keys) at the
// server for the rest of the test, as a user would.
func (s *Server) SetEnv(t *testing.T) {
	t.Helper()
	t.Setenv("AWS_ENDPOINT_URL", s.Endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", SecretKey)
	t.Setenv("AWS_REGION", "us-east-1")
	for _, v := range []string{"AWS_ENDPOINT_URL_S3", "AWS_S3_ENDPOINT", "AWS_HTTPS", "AWS_VIRTUAL_HOSTING", "AWS_SESSION_TOKEN", "AWS_NO_SIGN_REQUEST", "AWS_PROFILE"} {
		t.Setenv(v, "")
		os.Unsetenv(v)
	}
}

// Bucket creates a bucket with a fresh name (GDAL caches what it read by
// URL, so tests never reuse one) and returns the name.
func (s *Server) Bucket(tb testing.TB, prefix string) string {
	tb.Helper()
	name := prefix + "-" + randomHex(4)
	if err := s.Client.MakeBucket(context.Background(), name); err != nil {
		tb.Fatal(err)
	}
	return name
}

// Log is what the server printed so far.
func (s *Server) Log() string { return s.log.String() }

// UploadDir uploads every file under dir to s3://bucket/prefix/<relative path>.
func (s *Server) UploadDir(tb testing.TB, dir string, to objstore.URL) int {
	tb.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if _, err := s.Client.PutFile(context.Background(), to.Join(filepath.ToSlash(rel)), p, objstore.PutOptions{}); err != nil {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

// DownloadDir copies every object under prefix into dir, keys relative to prefix.
func (s *Server) DownloadDir(tb testing.TB, from objstore.URL, dir string) int {
	tb.Helper()
	ctx := context.Background()
	objs, err := s.Client.List(ctx, from)
	if err != nil {
		tb.Fatal(err)
	}
	base := strings.TrimSuffix(from.Key, "/") + "/"
	if base == "/" {
		base = ""
	}
	for _, o := range objs {
		rel := strings.TrimPrefix(o.URL.Key, base)
		if err := s.Client.Download(ctx, o.URL, filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
			tb.Fatal(err)
		}
	}
	return len(objs)
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for len(out) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		port := l.Addr().(*net.TCPAddr).Port
		// weed derives nothing from these, but keep clear of gRPC's +10000 habit.
		if port+10000 > 65535 || port < 1024 {
			continue
		}
		out = append(out, port)
	}
	return out, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

type lockedWriter struct {
	mu sync.Mutex
	w  bytes.Buffer
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// moduleRoot is the folder holding cdflow's go.mod, from the test's
// working folder (its package) upwards.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(bytes.TrimSpace(b), []byte("module github.com/cdflow/cdflow\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no cdflow go.mod above the test's folder; set %s to the weed binary", BinEnv)
		}
		dir = parent
	}
}
