package objstore

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/minio/minio-go/v7"
)

// Sources finds objects by their content: the MD5 a one-part upload's ETag
// is, and the size. A publish that would upload a file already stored on
// the same server (a shard's product, downloaded to be merged) copies that
// object on the server instead: the bytes do not cross the network again.
// Safe for concurrent use; the zero value is empty.
type Sources struct {
	mu sync.Mutex
	m  map[sourceKey]Object
}

type sourceKey struct {
	md5  string
	size int64
}

// Add indexes o. Objects whose ETag is not an MD5 (a multipart upload's
// "…-N", an encrypted object's) cannot be matched to a file and are
// skipped; so are empty ones, cheaper to upload than to copy.
func (s *Sources) Add(o Object) {
	if !isMD5(o.ETag) || o.Size <= 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[sourceKey]Object{}
	}
	s.m[sourceKey{strings.ToLower(o.ETag), o.Size}] = o
}

// Find returns an object with the MD5 (hex) and size given.
func (s *Sources) Find(md5hex string, size int64) (Object, bool) {
	if s == nil {
		return Object{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.m[sourceKey{strings.ToLower(md5hex), size}]
	return o, ok
}

// Len is how many objects are indexed.
func (s *Sources) Len() int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

func isMD5(etag string) bool {
	if len(etag) != 32 {
		return false
	}
	for _, c := range etag {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// Copy copies src to u on the server, only while src still has the ETag it
// was listed with (x-amz-copy-source-if-match), and checks that the copy's
// ETag is that MD5: the object written holds src's bytes as listed. The
// copy gets opts' content type; IfAbsent is not supported by S3's copy and
// is refused.
func (c *Client) Copy(ctx context.Context, src Object, u URL, opts PutOptions) (Object, error) {
	if opts.IfAbsent {
		return Object{}, fmt.Errorf("copy %s to %s: a copy cannot be conditional on the destination", src.URL, u)
	}
	dst := minio.CopyDestOptions{Bucket: u.Bucket, Object: u.Key, ContentType: opts.ContentType, ReplaceMetadata: true}
	info, err := c.mc.CopyObject(ctx, dst, minio.CopySrcOptions{Bucket: src.URL.Bucket, Object: src.URL.Key, MatchETag: src.ETag})
	if err != nil {
		return Object{}, c.wrap("copy "+src.URL.String()+" to", u, err)
	}
	etag := strings.Trim(info.ETag, `"`)
	if !strings.EqualFold(etag, src.ETag) {
		return Object{}, fmt.Errorf("copy %s to %s: the server stored ETag %s, not the source's %s", src.URL, u, etag, src.ETag)
	}
	return Object{URL: u, Size: src.Size, ETag: etag}, nil
}
