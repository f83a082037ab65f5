// Package objstore reads and writes S3-compatible object storage for
// cdflow: listing (glob expansion), ranged reads (point clouds), and the
// uploads and conditional writes a release on object storage needs. It is
// a thin layer over github.com/minio/minio-go/v7 that turns the server's
// error codes into messages naming the URL and what to do.
//
// The connection is configured from the environment, with the names the
// AWS tools use and those GDAL's /vsis3/ reads, so one setting serves both
// (see ConfigFromEnv).
package objstore

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/cdflow/cdflow/internal/atomicfile"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Scheme prefixes every object URL cdflow accepts.
const Scheme = "s3://"

// Sentinels, wrapped by the errors of Client's methods.
var (
	// ErrExists: a conditional write found the object already there.
	ErrExists = errors.New("object already exists")
	// ErrNoBucket: the bucket does not exist.
	ErrNoBucket = errors.New("bucket does not exist")
	// ErrAccess: the server refused the credentials or the request.
	ErrAccess = errors.New("access denied")
)

// URL is an object (or a prefix) in a bucket.
type URL struct {
	Bucket string
	Key    string // no leading slash; may be empty (the bucket's root)
}

// IsURL reports whether s names object storage (s3://bucket/...).
func IsURL(s string) bool { return strings.HasPrefix(s, Scheme) }

// Parse parses s3://bucket/key.
func Parse(s string) (URL, error) {
	if !IsURL(s) {
		return URL{}, fmt.Errorf("%q is not an object storage URL; write s3://bucket/path", s)
	}
	rest := strings.TrimPrefix(s, Scheme)
	bucket, key, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return URL{}, fmt.Errorf("%q names no bucket; write s3://bucket/path", s)
	}
	return URL{Bucket: bucket, Key: key}, nil
}

func (u URL) String() string { return Scheme + u.Bucket + "/" + u.Key }

// Join appends slash-separated elements to the key.
func (u URL) Join(elem ...string) URL {
	parts := append([]string{u.Key}, elem...)
	return URL{Bucket: u.Bucket, Key: strings.TrimPrefix(path.Join(parts...), "/")}
}

// VSIPath is the object's name for GDAL's /vsis3/ file system.
func (u URL) VSIPath() string { return "/vsis3/" + u.Bucket + "/" + u.Key }

// UserNames rewrites GDAL's names of objects in a message (/vsis3/bucket/key,
// which every stage after a source's listing uses) as the workflow and the
// user write them, s3://bucket/key. A local path that merely holds a
// folder named vsis3 is left alone.
func UserNames(msg string) string { return vsiName.ReplaceAllString(msg, "${1}"+Scheme) }

// vsiName is /vsis3/ where a name starts: not inside a longer path.
var vsiName = regexp.MustCompile(`(^|[^\w./-])/vsis3/`)

// FromVSIPath is the inverse of VSIPath.
func FromVSIPath(p string) (URL, bool) {
	rest, ok := strings.CutPrefix(p, "/vsis3/")
	if !ok {
		return URL{}, false
	}
	bucket, key, _ := strings.Cut(rest, "/")
	return URL{Bucket: bucket, Key: key}, bucket != ""
}

// Config says where the server is and who we are.
type Config struct {
	Host       string // host[:port]
	Secure     bool   // https
	PathStyle  bool   // bucket in the path (custom endpoints), not in the host name
	Region     string
	AccessKey  string
	SecretKey  string
	Session    string
	Anonymous  bool
	FromURLEnv bool // the endpoint came from AWS_ENDPOINT_URL*, which GDAL 3.6 does not read
}

// ConfigFromEnv reads the connection from environment variables:
//
//   - endpoint: AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (a URL, e.g.
//     http://minio:9000, as the AWS tools), else GDAL's AWS_S3_ENDPOINT
//     (host:port) with AWS_HTTPS (YES, the default, or NO); neither: AWS S3;
//   - AWS_VIRTUAL_HOSTING: FALSE puts the bucket in the path; with a custom
//     endpoint that is the default (MinIO, SeaweedFS, Ceph);
//   - AWS_REGION or AWS_DEFAULT_REGION (default us-east-1);
//   - AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, or
//     AWS_NO_SIGN_REQUEST=YES for public buckets; without keys, the shared
//     credentials file and the instance's role are tried.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Host: "s3.amazonaws.com", Secure: true}
	custom := false
	if e := firstOf(getenv, "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"); e != "" {
		u, err := url.Parse(e)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return c, fmt.Errorf("AWS_ENDPOINT_URL=%q is not an http(s) URL such as http://127.0.0.1:9000", e)
		}
		c.Host, c.Secure, custom, c.FromURLEnv = u.Host, u.Scheme == "https", true, true
	} else if e := getenv("AWS_S3_ENDPOINT"); e != "" {
		c.Host, custom = e, true
		if strings.Contains(e, "://") {
			u, err := url.Parse(e)
			if err != nil || u.Host == "" {
				return c, fmt.Errorf("AWS_S3_ENDPOINT=%q is not host:port (e.g. 127.0.0.1:9000)", e)
			}
			c.Host, c.Secure = u.Host, u.Scheme == "https"
		} else {
			c.Secure = !isNo(getenv("AWS_HTTPS"))
		}
	}
	c.PathStyle = custom
	if v := getenv("AWS_VIRTUAL_HOSTING"); v != "" {
		c.PathStyle = isNo(v)
	}
	c.Region = firstOf(getenv, "AWS_REGION", "AWS_DEFAULT_REGION")
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	c.AccessKey, c.SecretKey, c.Session = getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN")
	c.Anonymous = strings.EqualFold(getenv("AWS_NO_SIGN_REQUEST"), "YES")
	return c, nil
}

// Endpoint is the server's URL, for messages.
func (c Config) Endpoint() string {
	if c.Secure {
		return "https://" + c.Host
	}
	return "http://" + c.Host
}

// GDALOptions are the GDAL configuration options that make /vsis3/ reach
// the same server as this Config when the environment alone would not
// (AWS_ENDPOINT_URL is not read by GDAL 3.6); otherwise the same keys with
// empty values, which unset them so GDAL reads the environment.
func (c Config) GDALOptions() map[string]string {
	if !c.FromURLEnv {
		return map[string]string{"AWS_S3_ENDPOINT": "", "AWS_HTTPS": "", "AWS_VIRTUAL_HOSTING": "", "AWS_REGION": ""}
	}
	yes := func(b bool, y, n string) string {
		if b {
			return y
		}
		return n
	}
	return map[string]string{
		"AWS_S3_ENDPOINT":     c.Host,
		"AWS_HTTPS":           yes(c.Secure, "YES", "NO"),
		"AWS_VIRTUAL_HOSTING": yes(c.PathStyle, "FALSE", "TRUE"),
		"AWS_REGION":          c.Region,
	}
}

func firstOf(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v
		}
	}
	return ""
}

func isNo(v string) bool {
	switch strings.ToUpper(strings.TrimSpace(v)) {
	case "NO", "FALSE", "OFF", "0":
		return true
	}
	return false
}

// Client talks to one server.
type Client struct {
	mc  *minio.Client
	cfg Config
}

// New connects (lazily: no request is made) to the server c describes.
func New(c Config) (*Client, error) {
	var creds *credentials.Credentials
	switch {
	case c.Anonymous:
		creds = credentials.New(&credentials.Static{})
	case c.AccessKey != "" || c.SecretKey != "":
		creds = credentials.NewStaticV4(c.AccessKey, c.SecretKey, c.Session)
	default:
		creds = credentials.NewChainCredentials([]credentials.Provider{&credentials.FileAWSCredentials{}, &credentials.IAM{}})
	}
	lookup := minio.BucketLookupAuto
	if c.PathStyle {
		lookup = minio.BucketLookupPath
	}
	mc, err := minio.New(c.Host, &minio.Options{Creds: creds, Secure: c.Secure, Region: c.Region, BucketLookup: lookup})
	if err != nil {
		return nil, fmt.Errorf("object storage endpoint %s: %w; check AWS_ENDPOINT_URL (or AWS_S3_ENDPOINT)", c.Endpoint(), err)
	}
	return &Client{mc: mc, cfg: c}, nil
}

// FromEnv is New(ConfigFromEnv(os.Getenv)).
func FromEnv() (*Client, error) {
	c, err := ConfigFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	return New(c)
}

// Config is the client's configuration.
func (c *Client) Config() Config { return c.cfg }

// Object is one listed or stored object.
type Object struct {
	URL  URL
	Size int64
	ETag string // without quotes; the MD5 (hex) of objects written in one part
}

// wrap turns a server error into one that names the URL and what to do.
func (c *Client) wrap(op string, u URL, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s %s: %w", op, u, err)
	}
	resp := minio.ToErrorResponse(err)
	switch resp.Code {
	case "NoSuchBucket":
		return fmt.Errorf("%s %s: bucket %q does not exist at %s (%w); create it or correct the URL", op, u, u.Bucket, c.cfg.Endpoint(), ErrNoBucket)
	case "NoSuchKey", "NotFound":
		return fmt.Errorf("%s %s: no such object at %s (%w); check the path", op, u, c.cfg.Endpoint(), fs.ErrNotExist)
	case "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken":
		return fmt.Errorf("%s %s: %s refused the request (%s: %w); check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and the bucket's permissions", op, u, c.cfg.Endpoint(), resp.Code, ErrAccess)
	case "PreconditionFailed", "ConditionalRequestConflict":
		return fmt.Errorf("%s %s: %w", op, u, ErrExists)
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &oe) || errors.As(err, &ne) {
		return fmt.Errorf("%s %s: cannot reach %s (%w); check AWS_ENDPOINT_URL (or AWS_S3_ENDPOINT and AWS_HTTPS) and the network", op, u, c.cfg.Endpoint(), err)
	}
	return fmt.Errorf("%s %s: %w", op, u, err)
}

// List lists the objects whose keys start with prefix, every level down.
func (c *Client) List(ctx context.Context, prefix URL) ([]Object, error) {
	var out []Object
	err := c.ListEach(ctx, prefix, func(o Object) error {
		out = append(out, o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListEach calls fn with each object whose key starts with prefix, every
// level down, in key order, as the server lists them: a national release's
// millions of objects are never held at once. An error from fn stops the
// listing and is returned.
func (c *Client) ListEach(ctx context.Context, prefix URL, fn func(Object) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the listing's goroutine when fn stops early
	for o := range c.mc.ListObjects(ctx, prefix.Bucket, minio.ListObjectsOptions{Prefix: prefix.Key, Recursive: true}) {
		if o.Err != nil {
			return c.wrap("list", prefix, o.Err)
		}
		if err := fn(Object{URL: URL{Bucket: prefix.Bucket, Key: o.Key}, Size: o.Size, ETag: strings.Trim(o.ETag, `"`)}); err != nil {
			return err
		}
	}
	return nil
}

// ListLevel lists one level under prefix (which should end in "/"): the
// objects there and the names of the "folders" below it (without slash),
// so a catalog's datasets and versions are found without listing items.
func (c *Client) ListLevel(ctx context.Context, prefix URL) (dirs []string, objs []Object, err error) {
	for o := range c.mc.ListObjects(ctx, prefix.Bucket, minio.ListObjectsOptions{Prefix: prefix.Key, Recursive: false}) {
		if o.Err != nil {
			return nil, nil, c.wrap("list", prefix, o.Err)
		}
		name := strings.TrimPrefix(o.Key, prefix.Key)
		if strings.HasSuffix(name, "/") {
			dirs = append(dirs, strings.TrimSuffix(name, "/"))
			continue
		}
		objs = append(objs, Object{URL: URL{Bucket: prefix.Bucket, Key: o.Key}, Size: o.Size, ETag: strings.Trim(o.ETag, `"`)})
	}
	return dirs, objs, nil
}

// Glob expands a pattern s3://bucket/dir/*.tif: '*', '?' and '[...]' match
// as in path.Match, within one path element. The objects are listed from
// the pattern's longest literal prefix; the result is sorted by key.
func (c *Client) Glob(ctx context.Context, pattern string) ([]URL, error) {
	u, err := Parse(pattern)
	if err != nil {
		return nil, err
	}
	if _, err := path.Match(u.Key, ""); err != nil {
		return nil, fmt.Errorf("glob %s: %w; check its brackets", pattern, err)
	}
	literal := u.Key
	if i := strings.IndexAny(literal, "*?[\\"); i >= 0 {
		literal = literal[:i]
	}
	objs, err := c.List(ctx, URL{Bucket: u.Bucket, Key: literal})
	if err != nil {
		return nil, err
	}
	var out []URL
	for _, o := range objs {
		if ok, _ := path.Match(u.Key, o.URL.Key); ok {
			out = append(out, o.URL)
		}
	}
	return out, nil
}

// Stat returns an object's size and ETag.
func (c *Client) Stat(ctx context.Context, u URL) (Object, error) {
	info, err := c.mc.StatObject(ctx, u.Bucket, u.Key, minio.StatObjectOptions{})
	if err != nil {
		return Object{}, c.wrap("stat", u, err)
	}
	return Object{URL: u, Size: info.Size, ETag: strings.Trim(info.ETag, `"`)}, nil
}

// Get reads a whole (small) object.
func (c *Client) Get(ctx context.Context, u URL) ([]byte, error) {
	obj, err := c.mc.GetObject(ctx, u.Bucket, u.Key, minio.GetObjectOptions{})
	if err != nil {
		return nil, c.wrap("get", u, err)
	}
	defer obj.Close()
	b, err := io.ReadAll(obj)
	if err != nil {
		return nil, c.wrap("get", u, err)
	}
	return b, nil
}

// Download copies an object to a local file (its folder created), written
// under a temporary name and renamed, so a failed download leaves nothing.
func (c *Client) Download(ctx context.Context, u URL, file string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return fmt.Errorf("download %s: %w", u, err)
	}
	obj, err := c.mc.GetObject(ctx, u.Bucket, u.Key, minio.GetObjectOptions{})
	if err != nil {
		return c.wrap("download", u, err)
	}
	defer obj.Close()
	tmp, err := os.CreateTemp(filepath.Dir(file), ".download-*")
	if err != nil {
		return fmt.Errorf("download %s: %w", u, err)
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, obj)
	if err == nil {
		err = tmp.Chmod(atomicfile.NewFileMode())
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return c.wrap("download", u, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("download %s: %w", u, err)
	}
	return nil
}

// PutOptions change how an object is written.
type PutOptions struct {
	// IfAbsent writes only when no object has the key (If-None-Match: *);
	// otherwise the error wraps ErrExists and nothing changes.
	IfAbsent    bool
	ContentType string
}

// PutFile uploads a local file in one request and checks that the server
// stored the bytes sent: the ETag it returns must be the file's MD5.
func (c *Client) PutFile(ctx context.Context, u URL, file string, opts PutOptions) (Object, error) {
	o, _, err := c.SyncFile(ctx, u, file, nil, opts)
	return o, err
}

// SyncFile is PutFile unless have, the object u holds now (as listed; nil
// when none), is already the file's bytes: the same size and an ETag that
// is the file's MD5. Then nothing is sent and have is returned. sent says
// whether the file was uploaded. An upload run again sends only what is
// missing or differs.
func (c *Client) SyncFile(ctx context.Context, u URL, file string, have *Object, opts PutOptions) (o Object, sent bool, err error) {
	f, err := os.Open(file)
	if err != nil {
		return Object{}, false, fmt.Errorf("upload %s to %s: %w", file, u, err)
	}
	defer f.Close()
	sum, size, err := MD5(f)
	if err != nil {
		return Object{}, false, fmt.Errorf("upload %s to %s: read: %w", file, u, err)
	}
	if have != nil && have.URL == u && have.Size == size && strings.EqualFold(have.ETag, sum) {
		return *have, false, nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return Object{}, false, fmt.Errorf("upload %s to %s: %w", file, u, err)
	}
	o, err = c.put(ctx, u, f, size, sum, opts)
	return o, err == nil, err
}

// MD5 reads r to its end: its MD5 (hex), which a one-part upload's ETag
// is, and how many bytes it held.
func MD5(r io.Reader) (string, int64, error) {
	h := md5.New()
	size, err := io.Copy(h, r)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// PutBytes uploads b, as PutFile.
func (c *Client) PutBytes(ctx context.Context, u URL, b []byte, opts PutOptions) (Object, error) {
	sum := md5.Sum(b)
	return c.put(ctx, u, bytes.NewReader(b), int64(len(b)), hex.EncodeToString(sum[:]), opts)
}

func (c *Client) put(ctx context.Context, u URL, r io.Reader, size int64, md5hex string, opts PutOptions) (Object, error) {
	// One part, so that the ETag is the MD5 of the whole object; the
	// Content-MD5 header makes the server refuse bytes damaged in transit.
	po := minio.PutObjectOptions{DisableMultipart: true, SendContentMd5: true, ContentType: opts.ContentType}
	if opts.IfAbsent {
		po.SetMatchETagExcept("*")
	}
	info, err := c.mc.PutObject(ctx, u.Bucket, u.Key, r, size, po)
	if err != nil {
		return Object{}, c.wrap("upload", u, err)
	}
	etag := strings.Trim(info.ETag, `"`)
	if !strings.EqualFold(etag, md5hex) {
		return Object{}, fmt.Errorf("upload %s: the server stored ETag %s but the data's MD5 is %s: the upload was damaged; publish again", u, etag, md5hex)
	}
	return Object{URL: u, Size: size, ETag: etag}, nil
}

// Remove deletes an object (no error when it is already gone).
func (c *Client) Remove(ctx context.Context, u URL) error {
	return c.wrap("delete", u, c.mc.RemoveObject(ctx, u.Bucket, u.Key, minio.RemoveObjectOptions{}))
}

// MakeBucket creates a bucket (tests and first-time set-ups).
func (c *Client) MakeBucket(ctx context.Context, bucket string) error {
	return c.wrap("create bucket", URL{Bucket: bucket}, c.mc.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: c.cfg.Region}))
}

// CheckBucket fails with a clear error when the bucket is missing or the
// credentials are refused, before any long work.
func (c *Client) CheckBucket(ctx context.Context, u URL) error {
	ok, err := c.mc.BucketExists(ctx, u.Bucket)
	if err != nil {
		return c.wrap("open", u, err)
	}
	if !ok {
		return fmt.Errorf("open %s: bucket %q does not exist at %s (%w); create it or correct the URL", u, u.Bucket, c.cfg.Endpoint(), ErrNoBucket)
	}
	return nil
}

// ReaderAt reads an object by ranged GETs, for formats read piecewise
// (LAS/LAZ/COPC). It is safe for concurrent use.
type ReaderAt struct {
	c    *Client
	u    URL
	size int64
	ctx  context.Context
}

// OpenReaderAt stats the object and returns a reader of it; ctx bounds
// every later read.
func (c *Client) OpenReaderAt(ctx context.Context, u URL) (*ReaderAt, error) {
	o, err := c.Stat(ctx, u)
	if err != nil {
		return nil, err
	}
	return &ReaderAt{c: c, u: u, size: o.Size, ctx: ctx}, nil
}

// Size is the object's size in bytes.
func (r *ReaderAt) Size() int64 { return r.size }

// ReadAt reads len(p) bytes at off, or fewer with io.EOF at the end.
func (r *ReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read %s: negative offset", r.u)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	want := int64(len(p))
	if want == 0 {
		return 0, nil
	}
	end := min(off+want, r.size) - 1
	opts := minio.GetObjectOptions{}
	if err := opts.SetRange(off, end); err != nil {
		return 0, err
	}
	// One request per read: Core.GetObject, not the lazy *minio.Object.
	obj, _, _, err := minio.Core{Client: r.c.mc}.GetObject(r.ctx, r.u.Bucket, r.u.Key, opts)
	if err != nil {
		return 0, r.c.wrap("read", r.u, err)
	}
	defer obj.Close()
	n, err := io.ReadFull(obj, p[:end-off+1])
	if err != nil {
		return n, r.c.wrap("read", r.u, err)
	}
	if int64(n) < want {
		return n, io.EOF
	}
	return n, nil
}
