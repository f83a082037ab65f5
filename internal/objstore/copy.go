package objstore

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cdflow/cdflow/internal/atomicfile"
	"github.com/minio/minio-go/v7"
	"golang.org/x/sys/unix"
)

// originAttr is the extended attribute in which a downloaded file keeps
// the object it was downloaded from.
const originAttr = "user.cdflow.origin"

// SetOrigin records on a file downloaded from o that object (its URL, size
// and ETag), so that a later publish to the same server can copy o there
// on the server instead of uploading the file's bytes again (see Origin).
// The record is an extended attribute of the file: every hard link to it
// (a merge's tiles, a release's stage) has it, and a national merge's
// millions of files need no index in memory. A file system without user
// extended attributes returns an error; the file is then uploaded.
func SetOrigin(file string, o Object) error {
	if err := unix.Setxattr(file, originAttr, record(o), 0); err != nil {
		return fmt.Errorf("record the origin of %s: %w", file, err)
	}
	return nil
}

// Origin returns the object SetOrigin recorded on file, if any, and if
// the file still has that object's size and its MD5 is that object's
// ETag (a one-part upload's): the file's bytes are then the object's, as
// listed. A file without the record is not read.
func Origin(file string) (Object, bool) {
	buf := make([]byte, 4096) // an S3 key is at most 1 024 bytes
	n, err := unix.Getxattr(file, originAttr, buf)
	if err != nil {
		return Object{}, false
	}
	o, ok := parseRecord(string(buf[:n]))
	if !ok {
		return Object{}, false
	}
	f, err := os.Open(file)
	if err != nil {
		return Object{}, false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.Size() != o.Size {
		return Object{}, false
	}
	sum, _, err := MD5(f)
	if err != nil || !strings.EqualFold(sum, o.ETag) {
		return Object{}, false
	}
	return o, true
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
		if minio.ToErrorResponse(err).Code == "PreconditionFailed" {
			return Object{}, fmt.Errorf("copy %s to %s: the source is no longer the object it was (its ETag is no longer %s)", src.URL, u, src.ETag)
		}
		return Object{}, c.wrap("copy "+src.URL.String()+" to", u, err)
	}
	etag := strings.Trim(info.ETag, `"`)
	if !strings.EqualFold(etag, src.ETag) {
		return Object{}, fmt.Errorf("copy %s to %s: the server stored ETag %s, not the source's %s", src.URL, u, etag, src.ETag)
	}
	return Object{URL: u, Size: src.Size, ETag: etag}, nil
}

// placeholderAttr is the extended attribute that makes an empty file a
// placeholder (see WritePlaceholder).
const placeholderAttr = "user.cdflow.object"

// WritePlaceholder makes file an empty file that stands for object o, whose
// bytes stay on the server: a merge of shards on object storage whose
// release goes to that server copies o there (Copy) and never downloads
// it. The record (o's URL, size and ETag, an MD5) is an extended attribute
// of the file, so every hard link to it (a release's stage) is the same
// placeholder. The file is replaced atomically. A file system without user
// extended attributes returns an error (see CanWritePlaceholders).
func WritePlaceholder(file string, o Object) error {
	if !isMD5(o.ETag) {
		return fmt.Errorf("placeholder %s for %s: ETag %q is not an MD5", file, o.URL, o.ETag)
	}
	f, err := os.CreateTemp(filepath.Dir(file), ".placeholder-*")
	if err != nil {
		return fmt.Errorf("placeholder for %s: %w", o.URL, err)
	}
	tmp := f.Name()
	err = f.Chmod(atomicfile.NewFileMode())
	if err == nil {
		err = unix.Fsetxattr(int(f.Fd()), placeholderAttr, record(o), 0)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, file)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("placeholder %s for %s: %w", file, o.URL, err)
	}
	return nil
}

// Placeholder returns the object file stands for, if file is a placeholder
// WritePlaceholder made: empty, with the record. A file written since
// (in place, so it kept the record) is no longer empty and no placeholder.
func Placeholder(file string) (Object, bool) {
	// Most files asked about hold bytes: their size answers.
	if st, err := os.Stat(file); err != nil || st.Size() != 0 {
		return Object{}, false
	}
	var buf [2048]byte // an S3 key is at most 1 024 bytes, a bucket's name 63
	n, err := unix.Getxattr(file, placeholderAttr, buf[:])
	if err != nil {
		return Object{}, false
	}
	return parseRecord(string(buf[:n]))
}

// CanWritePlaceholders reports whether dir's file system keeps the
// placeholders' records (user extended attributes).
func CanWritePlaceholders(dir string) bool {
	f, err := os.CreateTemp(dir, ".xattr-*")
	if err != nil {
		return false
	}
	defer os.Remove(f.Name())
	defer f.Close()
	return unix.Fsetxattr(int(f.Fd()), placeholderAttr, []byte("probe"), 0) == nil
}

// record is o as SetOrigin and WritePlaceholder record it: "ETAG SIZE URL",
// the URL last, as a key may hold spaces (see parseRecord).
func record(o Object) []byte { return fmt.Appendf(nil, "%s %d %s", o.ETag, o.Size, o.URL) }

// parseRecord parses a record.
func parseRecord(s string) (Object, bool) {
	rec := strings.SplitN(s, " ", 3)
	if len(rec) != 3 {
		return Object{}, false
	}
	o := Object{ETag: rec[0]}
	var err error
	if o.Size, err = strconv.ParseInt(rec[1], 10, 64); err != nil {
		return Object{}, false
	}
	if o.URL, err = Parse(rec[2]); err != nil {
		return Object{}, false
	}
	return o, true
}

func isMD5(etag string) bool {
	b, err := hex.DecodeString(etag)
	return err == nil && len(b) == md5.Size
}
